"""Bounded uploads: versions that are processing (placeholder until filled)

Revision ID: 0016_upload_limits
Revises: 0015_sessions
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0016_upload_limits"
down_revision = "0015_sessions"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
