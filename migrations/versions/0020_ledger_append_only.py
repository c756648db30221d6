"""Checkpoint, anchor and state rows append-only like the entries (placeholder until filled)

Revision ID: 0020_ledger_append_only
Revises: 0019_api_product_keys
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0020_ledger_append_only"
down_revision = "0019_api_product_keys"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
