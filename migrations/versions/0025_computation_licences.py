"""Computation licences: what an offer gives (a copy, API calls or computation) and its quota,
each product's query policy by version, the licences paid contracts give, and their queries

Existing offers give a copy, or calls with the default quota of 10,000 on API feeds; the
column keeps 'copy' as its server default for rows written without it.

Revision ID: 0025_computation_licences
Revises: 0024_data_api_meter
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_computation_licences"
down_revision = "0024_data_api_meter"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
ACCESS = sa.Enum(
    "copy",
    "api",
    "computation",
    name="offer_access",
    native_enum=False,
    create_constraint=True,
    length=16,
)
QUERY_STATUS = sa.Enum(
    "refused",
    "pending",
    "running",
    "rejected",
    "failed",
    "done",
    name="query_status",
    native_enum=False,
    create_constraint=True,
    length=16,
)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # Added in place, the CHECK on the column itself, so the downgrade can drop it in place.
        op.execute(
            "ALTER TABLE licence_offers ADD COLUMN access VARCHAR(16) NOT NULL DEFAULT 'copy' "
            "CONSTRAINT offer_access CHECK (access IN ('copy', 'api', 'computation'))"
        )
        op.execute("ALTER TABLE licence_offers ADD COLUMN quota INTEGER")
    else:
        with op.batch_alter_table("licence_offers") as table:
            table.add_column(sa.Column("access", ACCESS, nullable=False, server_default="copy"))
            table.add_column(sa.Column("quota", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE licence_offers SET access = 'api', quota = 10000 WHERE product_id IN "
        "(SELECT id FROM data_products WHERE product_type = 'api')"
    )

    op.create_table(
        "compute_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["data_products.id"],
            name=op.f("fk_compute_policies_product_id_data_products"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_compute_policies_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_policies")),
        sa.UniqueConstraint("product_id", "version", name=op.f("uq_compute_policies_product_id")),
    )
    op.create_index(op.f("ix_compute_policies_product_id"), "compute_policies", ["product_id"])

    op.create_table(
        "compute_licences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entitlement_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.SmallInteger(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("query_quota", sa.Integer(), nullable=False),
        sa.Column("queries_used", sa.Integer(), nullable=False),
        sa.Column("epsilon_budget", sa.Float(), nullable=True),
        sa.Column("epsilon_spent", sa.Float(), nullable=False),
        sa.Column("buyer_table", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.CheckConstraint(
            "queries_used <= query_quota", name=op.f("ck_compute_licences_queries_within_quota")
        ),
        sa.CheckConstraint(
            "epsilon_budget IS NULL OR epsilon_spent <= epsilon_budget + 0.000001",
            name=op.f("ck_compute_licences_epsilon_within_budget"),
        ),
        sa.ForeignKeyConstraint(
            ["entitlement_id"],
            ["entitlements.id"],
            name=op.f("fk_compute_licences_entitlement_id_entitlements"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["trade_contracts.id"],
            name=op.f("fk_compute_licences_contract_id_trade_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["data_products.id"],
            name=op.f("fk_compute_licences_product_id_data_products"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["organisations.id"],
            name=op.f("fk_compute_licences_buyer_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["organisations.id"],
            name=op.f("fk_compute_licences_vendor_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_licences")),
        sa.UniqueConstraint("entitlement_id", name=op.f("uq_compute_licences_entitlement_id")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_compute_licences_contract_id")),
    )
    for column in ("product_id", "buyer_id", "vendor_id"):
        op.create_index(op.f(f"ix_compute_licences_{column}"), "compute_licences", [column])

    op.create_table(
        "compute_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("licence_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("joins_mine", sa.Boolean(), nullable=False),
        sa.Column("status", QUERY_STATUS, nullable=False),
        sa.Column("refusal", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("policy_version", sa.SmallInteger(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=True),
        sa.Column("suppressed", sa.Integer(), nullable=True),
        sa.Column("epsilon_spent", sa.Float(), nullable=False),
        sa.Column("result_hash", sa.String(64), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("ran_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["compute_licences.id"],
            name=op.f("fk_compute_queries_licence_id_compute_licences"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["trade_contracts.id"],
            name=op.f("fk_compute_queries_contract_id_trade_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_compute_queries_submitted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_compute_queries_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_queries")),
    )
    for column in ("licence_id", "contract_id", "created_at"):
        op.create_index(op.f(f"ix_compute_queries_{column}"), "compute_queries", [column])


def downgrade():
    for column in ("licence_id", "contract_id", "created_at"):
        op.drop_index(op.f(f"ix_compute_queries_{column}"), table_name="compute_queries")
    op.drop_table("compute_queries")
    for column in ("product_id", "buyer_id", "vendor_id"):
        op.drop_index(op.f(f"ix_compute_licences_{column}"), table_name="compute_licences")
    op.drop_table("compute_licences")
    op.drop_index(op.f("ix_compute_policies_product_id"), table_name="compute_policies")
    op.drop_table("compute_policies")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops the columns in place (their CHECK is the column's own): a batch copy
        # would drop the table itself, which negotiations and contracts point at.
        op.execute("ALTER TABLE licence_offers DROP COLUMN quota")
        op.execute("ALTER TABLE licence_offers DROP COLUMN access")
        return
    with op.batch_alter_table("licence_offers") as table:
        table.drop_column("quota")
        table.drop_column("access")
