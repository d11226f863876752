"""reports: one per person and item, a bounded number per person and hour

Revision ID: 0013_reports
Revises: 0012_sealed_ballots
Create Date: 2026-12-03 06:30:00

content_flag already has UNIQUE(subject_type, subject_id, user_id) (0003): a person reports an
item once; the service now also refuses a second report after the committee resolved the first,
so the chain holds at most one `content.flagged` per person and item. This adds the index the
per-person hourly count reads (REPORTS_PER_HOUR, portal/moderation/services.py).
"""
from alembic import op

revision = '0013_reports'
down_revision = '0012_sealed_ballots'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('content_flag', schema=None) as batch_op:
        batch_op.create_index('ix_content_flag_user_created', ['user_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('content_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_content_flag_user_created')
