"""Issued documents (the printed SKP and evaluation documents and their verification codes),
and the employee's pangkat/golongan printed on them

Revision ID: 0013a_documents
Revises: 0012_evaluation_heads
"""
from alembic import op
import sqlalchemy as sa


revision = '0013a_documents'
down_revision = '0012_evaluation_heads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employees') as batch:
        batch.add_column(sa.Column('pangkat', sa.String(length=100), nullable=True))
    op.create_table(
        'issued_documents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(length=16), nullable=False, unique=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('variant', sa.String(length=16), nullable=False),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('skp_id', sa.Integer(), sa.ForeignKey('skp.id'), nullable=True),
        sa.Column('skp_version', sa.Integer(), nullable=True),
        sa.Column('evaluation_id', sa.Integer(), sa.ForeignKey('evaluations.id'), nullable=True),
        sa.Column('period_name', sa.String(length=64), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('pdf_hash', sa.String(length=64), nullable=False),
        sa.Column('approvals', sa.JSON(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('issued_by', sa.String(length=64), nullable=False),
        sa.UniqueConstraint('subject', 'variant', 'content_hash', 'pdf_hash'),
    )
    op.create_index('ix_issued_documents_subject', 'issued_documents', ['subject', 'variant', 'content_hash'])
    op.create_index('ix_issued_documents_employee_id', 'issued_documents', ['employee_id'])


def downgrade() -> None:
    op.drop_table('issued_documents')
    with op.batch_alter_table('employees') as batch:
        batch.drop_column('pangkat')
