"""votes: sealed ballots while a poll is open, the poll's wrapped data key

Revision ID: 0012_sealed_ballots
Revises: 0011_web
Create Date: 2026-12-03 06:30:00

An open poll's ballots are AES-GCM sealed under a per-poll data key, itself wrapped by the
server's BALLOT_KEY (portal/votes/sealing.py); at close they are written as plaintext ballots in
receipt-code order and these rows are deleted. Ballots cast before this migration in a poll that
is still open stay in poll_ballot until its close, which rewrites them with the rest. A downgrade drops the sealed ballots of open polls: close
them first.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_sealed_ballots'
down_revision = '0011_web'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('poll_sealed_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], name=op.f('fk_poll_sealed_ballot_poll_id_poll'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_sealed_ballot'))
    )
    with op.batch_alter_table('poll_sealed_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_sealed_ballot_poll_id'), ['poll_id'], unique=False)
    op.create_table('poll_ballot_key',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.id'], name=op.f('fk_poll_ballot_key_poll_id_poll'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', name=op.f('pk_poll_ballot_key'))
    )


def downgrade():
    op.drop_table('poll_ballot_key')
    with op.batch_alter_table('poll_sealed_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_sealed_ballot_poll_id'))
    op.drop_table('poll_sealed_ballot')
