"""Worker leases: the row a worker holds to lead a singleton task (anchoring) on SQLite, which
has no advisory locks; PostgreSQL leads with an advisory lock and leaves the table empty

Revision ID: 0027_worker_leases
Revises: 0026_negotiated_quota
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_worker_leases"
down_revision = "0026_negotiated_quota"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_leases")),
    )


def downgrade():
    op.drop_table("worker_leases")
