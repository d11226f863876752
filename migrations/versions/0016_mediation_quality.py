"""mediation: the mediator's own no-conflict declaration, agreement numbers, withdrawn requests

Revision ID: 0016_mediation_quality
Revises: 0014_audit_private
Create Date: 2026-12-03 12:00:00

- mediation_assignment.no_conflict_declared_at: when the mediator himself declared that he has no
  conflict of interest (回避), on his case page. Until now the committee ticked a box for him when
  assigning; those assignments keep no_conflict_declared as it was, with no date, and the case
  page says the committee ticked it (nothing stops a mediation already under way).
- mediation_agreement.community_id, year, serial: the agreement's number per community and year,
  UNIQUE. Existing agreements are numbered in the order they were recorded, per community and
  calendar year in the portal's time zone (Asia/Shanghai unless configured otherwise).
- mediation_case.state may be 'withdrawn': the requester took the request back before it was
  accepted. Downgrading turns withdrawn cases into declined ones (the old schema has no other
  finished state for a request nobody handled).
"""
from collections import defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

from portal.db import TZDateTime

revision = '0016_mediation_quality'
down_revision = '0015_votes_quality'
branch_labels = None
depends_on = None

_OLD = ('requested', 'accepted', 'declined', 'party_declined', 'mediating', 'agreement_written',
        'agreement_oral', 'failed', 'followed_up', 'closed', 'anonymised')
_NEW = ('requested', 'accepted', 'declined', 'withdrawn', 'party_declined', 'mediating', 'agreement_written',
        'agreement_oral', 'failed', 'followed_up', 'closed', 'anonymised')


def _states(values):
    return "state in (" + ", ".join(f"'{v}'" for v in values) + ")"


def _local_year(value) -> int:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo("Asia/Shanghai")).year


def upgrade():
    with op.batch_alter_table('mediation_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_conflict_declared_at', TZDateTime(), nullable=True))

    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('serial', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mediation_agreement_community_id_community'), 'community',
                                    ['community_id'], ['id'])

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT a.id, c.community_id, a.created_at FROM mediation_agreement a "
        "JOIN mediation_case c ON c.id = a.case_id ORDER BY a.created_at, a.id")).all()
    serials = defaultdict(int)
    for agreement_id, community_id, created_at in rows:
        year = _local_year(created_at)
        serials[(community_id, year)] += 1
        bind.execute(sa.text("UPDATE mediation_agreement SET community_id = :c, year = :y, serial = :s "
                             "WHERE id = :i"),
                     {"c": community_id, "y": year, "s": serials[(community_id, year)], "i": agreement_id})

    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_mediation_agreement_community_id_year_serial'),
                                          ['community_id', 'year', 'serial'])

    with op.batch_alter_table('mediation_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_mediation_case_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_mediation_case_state'), _states(_NEW))


def downgrade():
    op.execute("UPDATE mediation_case SET state = 'declined' WHERE state = 'withdrawn'")
    with op.batch_alter_table('mediation_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_mediation_case_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_mediation_case_state'), _states(_OLD))

    with op.batch_alter_table('mediation_agreement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_mediation_agreement_community_id_year_serial'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_mediation_agreement_community_id_community'), type_='foreignkey')
        batch_op.drop_column('serial')
        batch_op.drop_column('year')
        batch_op.drop_column('community_id')

    with op.batch_alter_table('mediation_assignment', schema=None) as batch_op:
        batch_op.drop_column('no_conflict_declared_at')
