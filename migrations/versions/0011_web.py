"""web layer: the pages' content version, one effect per submitted form

Revision ID: 0011_web
Revises: 0010_easy
Create Date: 2026-12-02 11:00:00

community.content_seq moves with every audited change of what people see, but not with the
traces that reads leave (a look at a mediation case): the page caches key on it
(docs/architecture.md, "Caches"). submitted_form holds the one-time token of each submitted form
that creates something, so that the same rendered form sent twice has one effect.
"""
from alembic import op
import sqlalchemy as sa

from portal.db import TZDateTime

revision = '0011_web'
down_revision = '0010_easy'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('community', sa.Column('content_seq', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE community SET content_seq = audit_seq")
    op.create_table('submitted_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=80), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('created_at', TZDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_submitted_form_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submitted_form')),
    sa.UniqueConstraint('token', name=op.f('uq_submitted_form_token'))
    )
    op.create_index('ix_submitted_form_user_created', 'submitted_form', ['user_id', 'created_at'])


def downgrade():
    op.drop_index('ix_submitted_form_user_created', table_name='submitted_form')
    op.drop_table('submitted_form')
    op.drop_column('community', 'content_seq')
