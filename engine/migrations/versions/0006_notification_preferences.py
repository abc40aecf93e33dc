"""users' email addresses, notification preferences and the outbox's delivery mode

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
    op.create_index('ix_outbox_task_kind', 'notification_outbox', ['task_id', 'kind'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_task_kind', table_name='notification_outbox')
    with op.batch_alter_table('notification_outbox') as batch:
        batch.drop_column('delivery')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
