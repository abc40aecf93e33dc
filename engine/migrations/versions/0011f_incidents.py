"""Incidents: steps that failed at run time, with their attempts, until retried or cancelled

Revision ID: 0011f_incidents
Revises: 0010_evaluations
"""
from alembic import op
import sqlalchemy as sa


revision = '0011f_incidents'
down_revision = '0010_evaluations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incidents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('element_id', sa.String(length=200), nullable=True),
        sa.Column('message', sa.String(length=2000), nullable=False),
        sa.Column('task_id', sa.Integer(), sa.ForeignKey('human_tasks.id'), nullable=True),
        sa.Column('submitted', sa.JSON(), nullable=True),
        sa.Column('submitted_by', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('first_failed_at', sa.DateTime(), nullable=False),
        sa.Column('last_failed_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by', sa.String(length=64), nullable=True),
        sa.Column('resolution', sa.String(length=2000), nullable=True),
    )
    op.create_index('ix_incidents_status_instance', 'incidents', ['status', 'instance_id'])


def downgrade() -> None:
    op.drop_table('incidents')
