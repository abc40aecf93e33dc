"""users' email addresses, notification preferences, the outbox's delivery mode and message parameters, tasks' reminder stage

Revision ID: 0006_notification_preferences
Revises: 0005_service_feedback
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_notification_preferences'
down_revision = '0005_service_feedback'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('muted_kinds', sa.JSON(), nullable=False),
    sa.Column('email_delivery', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('notification_outbox') as batch:
        batch.add_column(sa.Column('delivery', sa.String(length=16), nullable=False, server_default='immediate'))
        batch.add_column(sa.Column('params', sa.JSON(), nullable=True))
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('reminded', sa.String(length=16), nullable=True))
    op.create_index('ix_human_tasks_open_due', 'human_tasks', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_human_tasks_open_due', table_name='human_tasks')
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('reminded')
    with op.batch_alter_table('notification_outbox') as batch:
        batch.drop_column('params')
        batch.drop_column('delivery')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
