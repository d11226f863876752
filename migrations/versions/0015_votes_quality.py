"""votes: a secret poll where too few took part publishes only its totals

Revision ID: 0015_votes_quality
Revises: 0014_audit_private
Create Date: 2026-12-03 12:00:00

poll_result.ballots_published is decided once, at close (portal/votes/closing.py, small_turnout):
false when a secret poll had fewer ballots than VOTES_MIN_PUBLISHED, so its ballots table and roll
are not published. Results stored before were all published: true.
"""
from alembic import op
import sqlalchemy as sa

revision = '0015_votes_quality'
down_revision = '0014_audit_private'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('poll_result', sa.Column('ballots_published', sa.Boolean(), server_default=sa.true(),
                                           nullable=False))


def downgrade():
    with op.batch_alter_table('poll_result', schema=None) as batch_op:
        batch_op.drop_column('ballots_published')
