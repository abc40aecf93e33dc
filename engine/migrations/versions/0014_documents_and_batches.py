"""Join the branches of issue 16 (issued documents) and issue 17 (incident batches): no schema change

Revision ID: 0014_documents_and_batches
Revises: 0013a_documents, 0013b_incident_batches
"""


revision = '0014_documents_and_batches'
down_revision = ('0013a_documents', '0013b_incident_batches')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
