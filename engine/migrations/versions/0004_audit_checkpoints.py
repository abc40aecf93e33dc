"""audit checkpoints: signed copies of the chain head

Revision ID: 0004_audit_checkpoints
Revises: 0003_cycle_runs_reports
Create Date: 2026-11-23 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_audit_checkpoints'
down_revision = '0003_cycle_runs_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoints')
