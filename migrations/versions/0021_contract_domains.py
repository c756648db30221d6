"""Each contract keeps the EIP-712 domain it was signed under (placeholder until filled)

Revision ID: 0021_contract_domains
Revises: 0020_ledger_append_only
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0021_contract_domains"
down_revision = "0020_ledger_append_only"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
