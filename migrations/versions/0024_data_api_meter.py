"""The data API's meter: every served call, and each contract's usage per day

A call row is written with the rows it served; the worker summarises each closed day of a
contract's calls into one ledger entry (the count and a hash over the calls) and one usage row.

Revision ID: 0024_data_api_meter
Revises: 0023_anchor_resend
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_data_api_meter"
down_revision = "0023_anchor_resend"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "data_api_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entitlement_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key_hint", sa.String(8), nullable=False),
        sa.Column("version_number", sa.SmallInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("called_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["entitlement_id"],
            ["entitlements.id"],
            name=op.f("fk_data_api_calls_entitlement_id_entitlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_api_calls")),
    )
    op.create_index(
        "ix_data_api_calls_entitlement_day", "data_api_calls", ["entitlement_id", "day", "id"]
    )
    op.create_table(
        "api_usage_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entitlement_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("calls_hash", sa.String(64), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["entitlement_id"],
            ["entitlements.id"],
            name=op.f("fk_api_usage_days_entitlement_id_entitlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_usage_days")),
        sa.UniqueConstraint(
            "entitlement_id", "day", name=op.f("uq_api_usage_days_entitlement_id")
        ),
    )
    op.create_index(op.f("ix_api_usage_days_day"), "api_usage_days", ["day"])


def downgrade():
    op.drop_index(op.f("ix_api_usage_days_day"), table_name="api_usage_days")
    op.drop_table("api_usage_days")
    op.drop_index("ix_data_api_calls_entitlement_day", table_name="data_api_calls")
    op.drop_table("data_api_calls")
