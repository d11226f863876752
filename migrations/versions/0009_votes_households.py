"""votes: households in the electorate snapshot and in the stored result

The villagers' meeting rule (村民会议) is also valid when two thirds of the households take
part. When a poll opens, each electorate entry keeps the household its person belonged to
then; at close the result stores how many of those households had someone on the roll.

Revision ID: 0009_votes_households
Revises: 0008
Create Date: 2026-11-27 09:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_votes_households'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('poll_electorate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_poll_electorate_household_id_household'), 'household',
                                    ['household_id'], ['id'])

    with op.batch_alter_table('poll_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('households_taking_part', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('poll_result', schema=None) as batch_op:
        batch_op.drop_column('households_taking_part')

    with op.batch_alter_table('poll_electorate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_poll_electorate_household_id_household'), type_='foreignkey')
        batch_op.drop_column('household_id')
