"""easy reading display mode in the profile

Revision ID: 0010_easy
Revises: 0009_votes_households
Create Date: 2026-11-27 09:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_easy'
down_revision = '0009_votes_households'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('display_easy', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('display_easy')
