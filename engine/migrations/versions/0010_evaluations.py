"""The evaluation as tables: each period's and the year's ratings and predikat, and the
organisation's result per unit

Revision ID: 0010_evaluations
Revises: 0009_skp_document
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_evaluations'
down_revision = '0009_skp_document'
branch_labels = None
depends_on = None

REASON = 2000


def upgrade() -> None:
    op.create_table(
        'evaluations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('period_name', sa.String(length=64), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('units.id'), nullable=False),
        sa.Column('skp_id', sa.Integer(), sa.ForeignKey('skp.id'), nullable=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('proposed_hasil_kerja', sa.String(length=24), nullable=True),
        sa.Column('rating_hasil_kerja', sa.String(length=24), nullable=True),
        sa.Column('hasil_kerja_reason', sa.String(length=REASON), nullable=True),
        sa.Column('proposed_perilaku_kerja', sa.String(length=24), nullable=True),
        sa.Column('rating_perilaku_kerja', sa.String(length=24), nullable=True),
        sa.Column('perilaku_kerja_reason', sa.String(length=REASON), nullable=True),
        sa.Column('predikat', sa.String(length=24), nullable=True),
        sa.Column('rated_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('rated_at', sa.DateTime(), nullable=True),
        sa.Column('finalised_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('employee_id', 'cycle_id', 'period'),
    )
    op.create_index('ix_evaluations_employee_id', 'evaluations', ['employee_id'])
    op.create_index('ix_evaluations_cycle_period', 'evaluations', ['cycle_id', 'period', 'status'])
    op.create_table(
        'unit_results',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('units.id'), nullable=False),
        sa.Column('result', sa.String(length=24), nullable=False),
        sa.Column('basis', sa.String(length=REASON), nullable=False),
        sa.Column('set_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('cycle_id', 'unit_id'),
    )
    op.create_index('ix_unit_results_cycle_id', 'unit_results', ['cycle_id'])


def downgrade() -> None:
    op.drop_table('unit_results')
    op.drop_table('evaluations')
