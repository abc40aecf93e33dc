"""human_tasks.completion_key: the completer's Idempotency-Key, so a repeated completion gets the original answer

Revision ID: 0008_completion_key
Revises: 0007_auth_hardening
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_completion_key'
down_revision = '0007_auth_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('completion_key', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('completion_key')
