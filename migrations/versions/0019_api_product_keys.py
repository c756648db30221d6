"""Data-API product keys a buyer can use, rotate and revoke

A key is issued to the buyer on request and shown once; only its hash is kept, with a short
hint (its last characters) to tell keys apart, when it was issued and when it was revoked.
Keys generated at delivery were discarded unseen, so their hashes are dropped: no one holds them.

Revision ID: 0019_api_product_keys
Revises: 0018_exclusive_rules
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_api_product_keys"
down_revision = "0018_exclusive_rules"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("entitlements") as table:
        table.add_column(sa.Column("api_key_hint", sa.String(8), nullable=True))
        table.add_column(sa.Column("api_key_issued_at", UTC_TIME, nullable=True))
        table.add_column(sa.Column("api_key_revoked_at", UTC_TIME, nullable=True))
    op.execute("UPDATE entitlements SET api_key_hash = NULL")


def downgrade():
    with op.batch_alter_table("entitlements") as table:
        table.drop_column("api_key_revoked_at")
        table.drop_column("api_key_issued_at")
        table.drop_column("api_key_hint")
