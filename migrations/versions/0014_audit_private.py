"""audit: private events are marked, so that filters and counts for residents skip them

Revision ID: 0014_audit_private
Revises: 0013_reports
Create Date: 2026-12-03 07:00:00

audit_event.private is record()'s decision, committed to in the payload ("private": true with a
128-bit salt) since this version (docs/architecture.md, "What the trail tells whom"). Rows written
before carry no salt; they are marked by the rule the audit page applied to them until now (an event
of a mediation case, or naming one). The append-only trigger is lifted for this one statement.
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_audit_private'
down_revision = '0013_reports'
branch_labels = None
depends_on = None

_MARK = ("UPDATE audit_event SET private = {true} WHERE action LIKE 'mediation.%' "
         "OR subject_type = 'mediation_case' OR payload LIKE '%\"mediation_case\"%'")


def _without_update_trigger(statement):
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update")
        op.execute(statement)
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute(statement)
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


def upgrade():
    op.add_column('audit_event', sa.Column('private', sa.Boolean(), server_default=sa.false(), nullable=False))
    true = "true" if op.get_bind().dialect.name == "postgresql" else "1"
    _without_update_trigger(_MARK.format(true=true))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('private')
