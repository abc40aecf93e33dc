"""The SKP as a document: skp versions, RHK, indicators, Rencana Aksi, BerAKHLAK expectations,
lampiran, the organisation's goals per cycle, and the SKP version each task is about

Revision ID: 0009_skp_document
Revises: 0008_completion_key
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_skp_document'
down_revision = '0008_completion_key'
branch_labels = None
depends_on = None

TEXT = 2000


def upgrade() -> None:
    op.create_table(
        'organisation_goals',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=TEXT), nullable=False),
    )
    op.create_index('ix_organisation_goals_cycle_id', 'organisation_goals', ['cycle_id'])
    op.create_table(
        'skp',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('layout', sa.String(length=8), nullable=False),
        sa.Column('approach', sa.String(length=16), nullable=False),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=True),
        sa.Column('evaluator_employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=True),
        sa.Column('revision_reason', sa.String(length=TEXT), nullable=True),
        sa.Column('return_comment', sa.String(length=TEXT), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('signed_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('set_at', sa.DateTime(), nullable=True),
        sa.Column('set_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('superseded_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('employee_id', 'cycle_id', 'version'),
    )
    op.create_index('ix_skp_employee_id', 'skp', ['employee_id'])
    op.create_index('ix_skp_instance_id', 'skp', ['instance_id'])
    op.create_index('ix_skp_cycle_status', 'skp', ['cycle_id', 'status'])
    op.create_table(
        'rhk',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('skp_id', sa.Integer(), sa.ForeignKey('skp.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('text', sa.String(length=TEXT), nullable=False),
        sa.Column('parent_rhk_id', sa.Integer(), sa.ForeignKey('rhk.id'), nullable=True),
        sa.Column('goal_id', sa.Integer(), sa.ForeignKey('organisation_goals.id'), nullable=True),
        sa.Column('penugasan_dari', sa.String(length=TEXT), nullable=True),
        sa.Column('review_comment', sa.String(length=TEXT), nullable=True),
    )
    op.create_index('ix_rhk_skp_id', 'rhk', ['skp_id'])
    op.create_index('ix_rhk_parent_rhk_id', 'rhk', ['parent_rhk_id'])
    op.create_table(
        'indikator',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('rhk_id', sa.Integer(), sa.ForeignKey('rhk.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('aspek', sa.String(length=16), nullable=False),
        sa.Column('text', sa.String(length=TEXT), nullable=False),
        sa.Column('target_value', sa.Numeric(18, 4), nullable=True),
        sa.Column('target_unit', sa.String(length=100), nullable=True),
        sa.Column('target_description', sa.String(length=TEXT), nullable=True),
        sa.Column('perspektif', sa.String(length=200), nullable=True),
    )
    op.create_index('ix_indikator_rhk_id', 'indikator', ['rhk_id'])
    op.create_table(
        'rencana_aksi',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('rhk_id', sa.Integer(), sa.ForeignKey('rhk.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=TEXT), nullable=False),
    )
    op.create_index('ix_rencana_aksi_rhk_id', 'rencana_aksi', ['rhk_id'])
    op.create_table(
        'perilaku_expectations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('skp_id', sa.Integer(), sa.ForeignKey('skp.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('value_key', sa.String(length=32), nullable=False),
        sa.Column('ekspektasi_khusus', sa.String(length=TEXT), nullable=True),
    )
    op.create_index('ix_perilaku_expectations_skp_id', 'perilaku_expectations', ['skp_id'])
    op.create_table(
        'lampiran',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('skp_id', sa.Integer(), sa.ForeignKey('skp.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('text', sa.String(length=TEXT), nullable=False),
    )
    op.create_index('ix_lampiran_skp_id', 'lampiran', ['skp_id'])
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('skp_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_human_tasks_skp_id', 'skp', ['skp_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_constraint('fk_human_tasks_skp_id', type_='foreignkey')
        batch.drop_column('skp_id')
    for table in ('lampiran', 'perilaku_expectations', 'rencana_aksi', 'indikator', 'rhk', 'skp',
                  'organisation_goals'):
        op.drop_table(table)
