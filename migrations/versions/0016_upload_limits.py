"""Bounded uploads: versions that are processing until the worker profiles their file

Revision ID: 0016_upload_limits
Revises: 0015_sessions
Create Date: 2026-12-07

Plain ADD/DROP COLUMN, not a batch, as in 0017. Existing versions were profiled at upload, so
they are ready.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_upload_limits"
down_revision = "0015_sessions"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.add_column(
        "product_versions",
        sa.Column("state", sa.String(length=12), server_default="ready", nullable=False),
    )
    op.add_column("product_versions", sa.Column("claimed_at", UTC_TIME, nullable=True))
    op.add_column("product_versions", sa.Column("refusal", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("product_versions", "refusal")
    op.drop_column("product_versions", "claimed_at")
    op.drop_column("product_versions", "state")
