"""The periodic feedback: the supervisor's umpan balik per RHK and per BerAKHLAK value

Revision ID: 0011a_feedback
Revises: 0010_evaluations
"""
import sqlalchemy as sa
from alembic import op

revision = '0011a_feedback'
down_revision = '0010_evaluations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'umpan_balik',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('rhk_id', sa.Integer(), sa.ForeignKey('rhk.id'), nullable=True),
        sa.Column('value_key', sa.String(length=32), nullable=True),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('given_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('given_at', sa.DateTime(), nullable=False),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=True),
    )
    op.create_index('ix_umpan_balik_employee_cycle_period', 'umpan_balik', ['employee_id', 'cycle_id', 'period'])


def downgrade() -> None:
    op.drop_table('umpan_balik')
