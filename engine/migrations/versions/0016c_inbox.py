"""Inbox: the filters each user saved

Revision ID: 0016c_inbox
Revises: 0015_org_import
"""
from alembic import op
import sqlalchemy as sa


revision = '0016c_inbox'
down_revision = '0015_org_import'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_inbox_filters',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('user_id', 'name'),
    )
    op.create_index('ix_saved_inbox_filters_user_id', 'saved_inbox_filters', ['user_id'])


def downgrade() -> None:
    op.drop_table('saved_inbox_filters')
