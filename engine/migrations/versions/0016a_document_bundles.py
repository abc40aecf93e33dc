"""Document bundles: a cycle's printed documents as one ZIP, built in the background

Revision ID: 0016a_document_bundles
Revises: 0015_org_import
"""
from alembic import op
import sqlalchemy as sa


revision = '0016a_document_bundles'
down_revision = '0015_org_import'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_bundles',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey('organisations.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('units.id'), nullable=True),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('verify_base', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('reused', sa.Integer(), nullable=False),
        sa.Column('failures', sa.JSON(), nullable=False),
        sa.Column('zip_name', sa.String(length=200), nullable=True),
        sa.Column('zip_sha256', sa.String(length=64), nullable=True),
        sa.Column('zip_size', sa.Integer(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.String(length=2000), nullable=True),
    )
    op.create_index('ix_document_bundles_organisation_id', 'document_bundles', ['organisation_id'])
    op.create_index('ix_document_bundles_cycle_id', 'document_bundles', ['cycle_id'])


def downgrade() -> None:
    op.drop_table('document_bundles')
