"""Transfers (mutasi), leavings and acting officials (Plt/Plh)

Revision ID: 0016b_org_moves
Revises: 0015_org_import
"""
from alembic import op
import sqlalchemy as sa


revision = '0016b_org_moves'
down_revision = '0015_org_import'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'employee_moves',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('from_unit_id', sa.Integer(), sa.ForeignKey('units.id'), nullable=False),
        sa.Column('to_unit_id', sa.Integer(), sa.ForeignKey('units.id'), nullable=False),
        sa.Column('from_supervisor_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=True),
        sa.Column('to_supervisor_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=True),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_employee_moves_employee_id', 'employee_moves', ['employee_id'])
    op.create_table(
        'employee_leavings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False, unique=True),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'acting_appointments',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey('organisations.id'), nullable=False),
        sa.Column('acting_employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('for_employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('appointed_by', sa.String(length=64), nullable=False),
        sa.Column('appointed_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_acting_appointments_organisation_id', 'acting_appointments', ['organisation_id'])
    op.create_index('ix_acting_appointments_for_employee_id', 'acting_appointments', ['for_employee_id'])
    op.create_index('ix_acting_appointments_acting', 'acting_appointments',
                    ['acting_employee_id', 'starts_on', 'ends_on'])


def downgrade() -> None:
    op.drop_table('acting_appointments')
    op.drop_table('employee_leavings')
    op.drop_index('ix_employee_moves_employee_id', 'employee_moves')
    op.drop_table('employee_moves')
