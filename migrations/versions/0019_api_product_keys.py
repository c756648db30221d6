"""Data-API product keys a buyer can use, rotate and revoke (placeholder until filled)

Revision ID: 0019_api_product_keys
Revises: 0018_exclusive_rules
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0019_api_product_keys"
down_revision = "0018_exclusive_rules"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
