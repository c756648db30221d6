"""Idempotency keys for every state-changing API call: what request a key was first used for
and the answer it got, so a retry is answered word for word

Revision ID: 0022_idempotency
Revises: 0021_contract_domains
Create Date: 2026-12-07

Plain ADD/DROP COLUMN, nullable: the payments' own records (made before this) have none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_idempotency"
down_revision = "0021_contract_domains"
branch_labels = None
depends_on = None

COLUMNS = (
    ("method", sa.String(length=10)),
    ("path", sa.String(length=2048)),
    ("content_type", sa.String(length=255)),
    ("body", sa.Text()),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("idempotency_records", sa.Column(name, type_, nullable=True))


def downgrade():
    for name, _ in reversed(COLUMNS):
        op.drop_column("idempotency_records", name)
