"""cycle runs (requests to open a cycle, their status and summary) and cycle reports

Revision ID: 0003_cycle_runs_reports
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_cycle_runs_reports'
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

    op.create_table('cycle_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('flagged_units', sa.Integer(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('csv', sa.Text(), nullable=False),
    sa.Column('png', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cycle_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_reports_cycle_id'), ['cycle_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cycle_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_reports_cycle_id'))
    op.drop_table('cycle_reports')
    with op.batch_alter_table('cycle_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_runs_cycle_id'))
    op.drop_table('cycle_runs')
