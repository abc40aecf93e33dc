"""The follow-up as tables: the PPK's decisions on follow-up proposals, and coaching's records

Revision ID: 0011e_follow_up
Revises: 0010_evaluations
"""
from alembic import op
import sqlalchemy as sa


revision = '0011e_follow_up'
down_revision = '0010_evaluations'
branch_labels = None
depends_on = None

REASON = 2000


def upgrade() -> None:
    op.create_table(
        'follow_up_decisions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=False),
        sa.Column('task_id', sa.Integer(), sa.ForeignKey('human_tasks.id'), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('predikat', sa.String(length=24), nullable=True),
        sa.Column('proposal', sa.String(length=64), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('chosen_follow_up', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=REASON), nullable=True),
        sa.Column('tunjangan_percentage', sa.Integer(), nullable=True),
        sa.Column('decided_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_follow_up_decisions_employee_id', 'follow_up_decisions', ['employee_id'])
    op.create_index('ix_follow_up_decisions_cycle_id', 'follow_up_decisions', ['cycle_id'])
    op.create_table(
        'coaching_records',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=False),
        sa.Column('task_id', sa.Integer(), sa.ForeignKey('human_tasks.id'), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('recorded_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_coaching_records_employee_id', 'coaching_records', ['employee_id'])


def downgrade() -> None:
    op.drop_table('coaching_records')
    op.drop_table('follow_up_decisions')
