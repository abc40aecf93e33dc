"""The calibration of a unit's predikat: each change with its reason

Revision ID: 0011c_calibration
Revises: 0010_evaluations
"""
from alembic import op
import sqlalchemy as sa


revision = '0011c_calibration'
down_revision = '0010_evaluations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calibrations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('evaluation_id', sa.Integer(), sa.ForeignKey('evaluations.id'), nullable=False),
        sa.Column('from_predikat', sa.String(length=24), nullable=False),
        sa.Column('to_predikat', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.String(length=2000), nullable=False),
        sa.Column('by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_calibrations_evaluation_id', 'calibrations', ['evaluation_id'])


def downgrade() -> None:
    op.drop_table('calibrations')
