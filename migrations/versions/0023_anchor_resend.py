"""Anchors re-sent when their transaction is dropped (placeholder until filled)

Revision ID: 0023_anchor_resend
Revises: 0022_idempotency
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0023_anchor_resend"
down_revision = "0022_idempotency"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
