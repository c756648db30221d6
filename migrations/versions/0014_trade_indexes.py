"""Indexes for the regulators over many trades: paid trades of a period read from one narrow
index (the dashboard), trades paged by date or by amount (the trade browser), and the recent
payments and downloads the alert detectors look at.

Revision ID: 0014_trade_indexes
Revises: 0013_oversight_alerts
Create Date: 2026-11-29
"""

from alembic import op

revision = "0014_trade_indexes"
down_revision = "0013_oversight_alerts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_trade_contracts_status_created",
        "trade_contracts",
        ["status", "created_at", "price", "product_id", "vendor_id", "buyer_id"],
    )
    op.create_index("ix_trade_contracts_created", "trade_contracts", ["created_at", "id"])
    op.create_index("ix_trade_contracts_price", "trade_contracts", ["price", "id"])
    op.create_index("ix_trade_contracts_delivered_at", "trade_contracts", ["delivered_at"])
    op.create_index("ix_downloads_created_at", "downloads", ["created_at"])


def downgrade():
    op.drop_index("ix_downloads_created_at", table_name="downloads")
    op.drop_index("ix_trade_contracts_delivered_at", table_name="trade_contracts")
    op.drop_index("ix_trade_contracts_price", table_name="trade_contracts")
    op.drop_index("ix_trade_contracts_created", table_name="trade_contracts")
    op.drop_index("ix_trade_contracts_status_created", table_name="trade_contracts")
