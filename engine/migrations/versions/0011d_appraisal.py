"""The annual appraisal's tables: 360 input per rater, objections with hearing and decision

Revision ID: 0011d_appraisal
Revises: 0010_evaluations
"""
import sqlalchemy as sa
from alembic import op

revision = '0011d_appraisal'
down_revision = '0010_evaluations'
branch_labels = None
depends_on = None

REASON = 2000


def upgrade() -> None:
    op.create_table(
        'appraisal_inputs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=False),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('cycle_id', sa.Integer(), sa.ForeignKey('cycles.id'), nullable=True),
        sa.Column('rater_employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('relation', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('ratings', sa.JSON(), nullable=True),
        sa.Column('comment', sa.String(length=REASON), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('skipped_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('instance_id', 'rater_employee_id'),
    )
    op.create_index('ix_appraisal_inputs_instance_id', 'appraisal_inputs', ['instance_id'])
    op.create_table(
        'appraisal_objections',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('process_instances.id'), nullable=False),
        sa.Column('evaluation_id', sa.Integer(), sa.ForeignKey('evaluations.id'), nullable=True),
        sa.Column('employee_id', sa.Integer(), sa.ForeignKey('employees.id'), nullable=False),
        sa.Column('reason', sa.String(length=REASON), nullable=False),
        sa.Column('original_predikat', sa.String(length=24), nullable=True),
        sa.Column('filed_at', sa.DateTime(), nullable=False),
        sa.Column('question_to_rater', sa.String(length=REASON), nullable=True),
        sa.Column('question_to_employee', sa.String(length=REASON), nullable=True),
        sa.Column('heard_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('heard_at', sa.DateTime(), nullable=True),
        sa.Column('rater_response', sa.String(length=16), nullable=True),
        sa.Column('rater_explanation', sa.String(length=REASON), nullable=True),
        sa.Column('rater_explained_at', sa.DateTime(), nullable=True),
        sa.Column('employee_response', sa.String(length=16), nullable=True),
        sa.Column('employee_explanation', sa.String(length=REASON), nullable=True),
        sa.Column('employee_explained_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('decision_reason', sa.String(length=REASON), nullable=True),
        sa.Column('decided_by_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('final_predikat', sa.String(length=24), nullable=True),
    )
    op.create_index('ix_appraisal_objections_instance_id', 'appraisal_objections', ['instance_id'])


def downgrade() -> None:
    op.drop_table('appraisal_objections')
    op.drop_table('appraisal_inputs')
