"""The realisation per indicator and period, and its evidence (bukti dukung)

Revision ID: 0011b_realisation
Revises: 0010_evaluations
"""
from alembic import op
import sqlalchemy as sa


revision = '0011b_realisation'
down_revision = '0010_evaluations'
branch_labels = None
depends_on = None

TEXT = 2000


def upgrade() -> None:
    op.create_table(
        'realisasi',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('skp_id', sa.Integer(), sa.ForeignKey('skp.id'), nullable=False),
        sa.Column('indikator_id', sa.Integer(), sa.ForeignKey('indikator.id'), nullable=False),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('value', sa.Numeric(18, 4), nullable=True),
        sa.Column('description', sa.String(length=TEXT), nullable=True),
        sa.Column('capaian', sa.Numeric(24, 2), nullable=True),
        sa.Column('reported_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=False),
        sa.Column('task_id', sa.Integer(), sa.ForeignKey('human_tasks.id'), nullable=False),
        sa.UniqueConstraint('indikator_id', 'period'),
    )
    op.create_index('ix_realisasi_skp_id', 'realisasi', ['skp_id'])
    op.create_index('ix_realisasi_employee_cycle_period', 'realisasi', ['employee_id', 'cycle_id', 'period'])
    op.create_table(
        'bukti_dukung',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('period', sa.Integer(), nullable=True),
        sa.Column('indikator_id', sa.Integer(), sa.ForeignKey('indikator.id'), nullable=True),
        sa.Column('realisasi_id', sa.Integer(), sa.ForeignKey('realisasi.id'), nullable=True),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('storage_key', sa.String(length=200), nullable=True),
        sa.Column('url', sa.String(length=TEXT), nullable=True),
        sa.Column('uploaded_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('task_id', sa.Integer(), sa.ForeignKey('human_tasks.id'), nullable=False),
    )
    op.create_index('ix_bukti_dukung_realisasi_id', 'bukti_dukung', ['realisasi_id'])
    op.create_index('ix_bukti_dukung_task_id', 'bukti_dukung', ['task_id'])
    op.create_index('ix_bukti_dukung_employee_cycle_period', 'bukti_dukung', ['employee_id', 'cycle_id', 'period'])


def downgrade() -> None:
    op.drop_table('bukti_dukung')
    op.drop_table('realisasi')
