"""Join the branches of issue 15 and 17 (the evaluation's parts and incidents): no schema change

Revision ID: 0012_evaluation_heads
Revises: 0011a_feedback, 0011b_realisation, 0011c_calibration, 0011d_appraisal, 0011e_follow_up,
    0011f_incidents
"""


revision = '0012_evaluation_heads'
down_revision = ('0011a_feedback', '0011b_realisation', '0011c_calibration', '0011d_appraisal', '0011e_follow_up',
                 '0011f_incidents')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
