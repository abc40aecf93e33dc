"""Incident batches: HR's requests to retry many incidents in the background, with progress

Revision ID: 0013b_incident_batches
Revises: 0012_evaluation_heads
"""
from alembic import op
import sqlalchemy as sa


revision = '0013b_incident_batches'
down_revision = '0012_evaluation_heads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incident_batches',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey('organisations.id'), nullable=True),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('incident_ids', sa.JSON(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('failures', sa.JSON(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_incident_batches_organisation_id', 'incident_batches', ['organisation_id'])


def downgrade() -> None:
    op.drop_table('incident_batches')
