"""Idempotency keys for every state-changing API call (placeholder until filled)

Revision ID: 0022_idempotency
Revises: 0021_contract_domains
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0022_idempotency"
down_revision = "0021_contract_domains"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
