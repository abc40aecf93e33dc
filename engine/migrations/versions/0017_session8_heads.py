"""Join the branches of the document bundles (issue 16), the staff moves and acting officials
(issue 19) and the inbox's saved filters (issue 18): no schema change

Revision ID: 0017_session8_heads
Revises: 0016a_document_bundles, 0016b_org_moves, 0016c_inbox
"""


revision = '0017_session8_heads'
down_revision = ('0016a_document_bundles', '0016b_org_moves', '0016c_inbox')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
