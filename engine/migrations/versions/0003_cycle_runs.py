"""cycle runs: requests to open a cycle, their status and summary

Revision ID: 0003_cycle_runs
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_cycle_runs'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cycle_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('started', sa.Integer(), nullable=True),
    sa.Column('skipped', sa.Integer(), nullable=True),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cycle_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_runs_cycle_id'), ['cycle_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cycle_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_runs_cycle_id'))
    op.drop_table('cycle_runs')
