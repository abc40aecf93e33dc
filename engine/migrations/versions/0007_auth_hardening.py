"""users' session version (signing out everywhere, revoking tokens) and the shared login-failure log for throttling

Revision ID: 0007_auth_hardening
Revises: 0006_notification_preferences
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_auth_hardening'
down_revision = '0006_notification_preferences'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_login_failures_account', 'login_failures', ['account', 'failed_at'], unique=False)
    op.create_index('ix_login_failures_client', 'login_failures', ['client', 'failed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_failures_client', table_name='login_failures')
    op.drop_index('ix_login_failures_account', table_name='login_failures')
    op.drop_table('login_failures')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
