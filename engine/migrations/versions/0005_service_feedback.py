"""citizen service feedback and the notification outbox

Revision ID: 0005_service_feedback
Revises: 0004_audit_checkpoints
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_service_feedback'
down_revision = '0004_audit_checkpoints'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('average', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_service_feedback_unit_time', 'service_feedback', ['unit_id', 'submitted_at'], unique=False)
    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_outbox_pending', 'notification_outbox', ['sent_at', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_notification_outbox_user_id'), 'notification_outbox', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_outbox_user_id'), table_name='notification_outbox')
    op.drop_index('ix_outbox_pending', table_name='notification_outbox')
    op.drop_table('notification_outbox')
    op.drop_index('ix_service_feedback_unit_time', table_name='service_feedback')
    op.drop_table('service_feedback')
