"""Employee import: jenis jabatan on employees (pangkat/golongan came with 0013a), staged
import runs and account activation tokens

Revision ID: 0015_org_import
Revises: 0014_documents_and_batches
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_org_import'
down_revision = '0014_documents_and_batches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employees') as batch:
        batch.add_column(sa.Column('jenis_jabatan', sa.String(length=16), nullable=True))
    op.create_table(
        'org_import_runs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey('organisations.id'), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('rows', sa.JSON(), nullable=False),
        sa.Column('order', sa.JSON(), nullable=True),
        sa.Column('processed', sa.Integer(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.String(length=2000), nullable=True),
    )
    op.create_index('ix_org_import_runs_organisation_id', 'org_import_runs', ['organisation_id'])
    op.create_table(
        'activation_tokens',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_activation_tokens_user_id', 'activation_tokens', ['user_id'])


def downgrade() -> None:
    op.drop_table('activation_tokens')
    op.drop_table('org_import_runs')
    with op.batch_alter_table('employees') as batch:
        batch.drop_column('jenis_jabatan')
