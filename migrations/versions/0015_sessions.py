"""Server-side sessions and sign-in throttling (placeholder until filled)

Revision ID: 0015_sessions
Revises: 0014_trade_indexes
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0015_sessions"
down_revision = "0014_trade_indexes"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
