"""Trading: negotiations, contracts and signatures, escrow, payments, entitlements, disputes.

Revision ID: 0012_trading
Revises: 0011_rights
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_trading"
down_revision = "0011_rights"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table("idempotency_records",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=255), nullable=False),
    sa.Column("request_hash", sa.String(length=64), nullable=False),
    sa.Column("status_code", sa.SmallInteger(), nullable=False),
    sa.Column("response", sa.JSON(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_records_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
    sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_records_user_id"))
    )
    op.create_table("escrow_accounts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("buyer", "escrow", "vendor_payable", "fee_revenue", name="account_kind", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=True),
    sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint("balance >= 0", name=op.f("ck_escrow_accounts_balance_not_negative")),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_escrow_accounts_organisation_id_organisations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_accounts")),
    sa.UniqueConstraint("kind", "organisation_id", name=op.f("uq_escrow_accounts_kind"))
    )
    with op.batch_alter_table("escrow_accounts", schema=None) as batch_op:
        batch_op.create_index("uq_escrow_accounts_shared", ["kind"], unique=True, sqlite_where=sa.text("organisation_id IS NULL"), postgresql_where=sa.text("organisation_id IS NULL"))

    op.create_table("organisation_keys",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=False),
    sa.Column("address", sa.String(length=42), nullable=False),
    sa.Column("source", sa.Enum("exchange", "own", name="key_source", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("encrypted_key", sa.LargeBinary(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_organisation_keys_organisation_id_organisations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_keys")),
    sa.UniqueConstraint("organisation_id", name=op.f("uq_organisation_keys_organisation_id"))
    )
    op.create_table("negotiations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("offer_id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("buyer_id", sa.Integer(), nullable=False),
    sa.Column("vendor_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.Enum("open", "accepted", "rejected", "expired", "withdrawn", name="negotiation_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("turn", sa.Enum("buyer", "vendor", name="side", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("expires_at", UTC_TIME, nullable=False),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["buyer_id"], ["organisations.id"], name=op.f("fk_negotiations_buyer_id_organisations")),
    sa.ForeignKeyConstraint(["offer_id"], ["licence_offers.id"], name=op.f("fk_negotiations_offer_id_licence_offers")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_negotiations_product_id_data_products")),
    sa.ForeignKeyConstraint(["vendor_id"], ["organisations.id"], name=op.f("fk_negotiations_vendor_id_organisations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_negotiations"))
    )
    with op.batch_alter_table("negotiations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_negotiations_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_negotiations_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_negotiations_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_negotiations_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_negotiations_vendor_id"), ["vendor_id"], unique=False)
        batch_op.create_index("uq_negotiations_open", ["buyer_id", "offer_id"], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table("negotiation_rounds",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("negotiation_id", sa.Integer(), nullable=False),
    sa.Column("number", sa.SmallInteger(), nullable=False),
    sa.Column("side", sa.Enum("buyer", "vendor", name="side", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("action", sa.Enum("propose", "counter", "accept", "reject", "withdraw", "expire", name="round_action", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column("scope", sa.Enum("internal", "research", "commercial", name="use_scope", native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column("term_months", sa.SmallInteger(), nullable=True),
    sa.Column("territory", sa.Enum("jiangxi", "mainland", "global", name="territory", native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column("exclusive", sa.Boolean(), nullable=True),
    sa.Column("seats", sa.SmallInteger(), nullable=True),
    sa.Column("derivative", sa.Boolean(), nullable=True),
    sa.Column("message", sa.Text(), nullable=True),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["negotiation_id"], ["negotiations.id"], name=op.f("fk_negotiation_rounds_negotiation_id_negotiations")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_negotiation_rounds_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_negotiation_rounds")),
    sa.UniqueConstraint("negotiation_id", "number", name=op.f("uq_negotiation_rounds_negotiation_id"))
    )
    with op.batch_alter_table("negotiation_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_negotiation_rounds_negotiation_id"), ["negotiation_id"], unique=False)

    op.create_table("trade_contracts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("number", sa.String(length=24), nullable=False),
    sa.Column("negotiation_id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("offer_id", sa.Integer(), nullable=False),
    sa.Column("vendor_id", sa.Integer(), nullable=False),
    sa.Column("buyer_id", sa.Integer(), nullable=False),
    sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("fee_rate", sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column("terms", sa.JSON(), nullable=False),
    sa.Column("canonical", sa.Text(), nullable=False),
    sa.Column("contract_hash", sa.String(length=64), nullable=False),
    sa.Column("text_zh", sa.Text(), nullable=False),
    sa.Column("text_en", sa.Text(), nullable=False),
    sa.Column("signed_at_unix", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.Enum("signing", "awaiting_payment", "in_escrow", "disputed", "settled", "refunded", "cancelled", name="contract_status", native_enum=False, create_constraint=True), nullable=False),
    sa.Column("valuation_band", sa.JSON(), nullable=True),
    sa.Column("delivered_at", UTC_TIME, nullable=True),
    sa.Column("acceptance_due_at", UTC_TIME, nullable=True),
    sa.Column("settled_at", UTC_TIME, nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["buyer_id"], ["organisations.id"], name=op.f("fk_trade_contracts_buyer_id_organisations")),
    sa.ForeignKeyConstraint(["negotiation_id"], ["negotiations.id"], name=op.f("fk_trade_contracts_negotiation_id_negotiations")),
    sa.ForeignKeyConstraint(["offer_id"], ["licence_offers.id"], name=op.f("fk_trade_contracts_offer_id_licence_offers")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_trade_contracts_product_id_data_products")),
    sa.ForeignKeyConstraint(["vendor_id"], ["organisations.id"], name=op.f("fk_trade_contracts_vendor_id_organisations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_contracts")),
    sa.UniqueConstraint("negotiation_id", name=op.f("uq_trade_contracts_negotiation_id")),
    sa.UniqueConstraint("number", name=op.f("uq_trade_contracts_number"))
    )
    with op.batch_alter_table("trade_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_contracts_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trade_contracts_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trade_contracts_vendor_id"), ["vendor_id"], unique=False)

    op.create_table("contract_signatures",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=False),
    sa.Column("side", sa.Enum("buyer", "vendor", name="side", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("address", sa.String(length=42), nullable=False),
    sa.Column("signature", sa.String(length=132), nullable=False),
    sa.Column("signed_by_id", sa.Integer(), nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["contract_id"], ["trade_contracts.id"], name=op.f("fk_contract_signatures_contract_id_trade_contracts")),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_contract_signatures_organisation_id_organisations")),
    sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_contract_signatures_signed_by_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_signatures")),
    sa.UniqueConstraint("contract_id", "side", name=op.f("uq_contract_signatures_contract_id"))
    )
    with op.batch_alter_table("contract_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_signatures_contract_id"), ["contract_id"], unique=False)

    op.create_table("disputes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("raised_by_id", sa.Integer(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("status", sa.Enum("open", "upheld", "rejected", name="dispute_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("decided_by_id", sa.Integer(), nullable=True),
    sa.Column("decision_reason", sa.Text(), nullable=True),
    sa.Column("decided_at", UTC_TIME, nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["contract_id"], ["trade_contracts.id"], name=op.f("fk_disputes_contract_id_trade_contracts")),
    sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_disputes_decided_by_id_users")),
    sa.ForeignKeyConstraint(["raised_by_id"], ["users.id"], name=op.f("fk_disputes_raised_by_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    sa.UniqueConstraint("contract_id", name=op.f("uq_disputes_contract_id"))
    )
    op.create_table("entitlements",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("buyer_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.Enum("active", "revoked", "expired", name="entitlement_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("fingerprint_key", sa.LargeBinary(), nullable=False),
    sa.Column("api_key_hash", sa.String(length=64), nullable=True),
    sa.Column("quota", sa.Integer(), nullable=True),
    sa.Column("used", sa.Integer(), nullable=False),
    sa.Column("expires_at", UTC_TIME, nullable=False),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["buyer_id"], ["organisations.id"], name=op.f("fk_entitlements_buyer_id_organisations")),
    sa.ForeignKeyConstraint(["contract_id"], ["trade_contracts.id"], name=op.f("fk_entitlements_contract_id_trade_contracts")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_entitlements_product_id_data_products")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlements")),
    sa.UniqueConstraint("api_key_hash", name=op.f("uq_entitlements_api_key_hash")),
    sa.UniqueConstraint("contract_id", name=op.f("uq_entitlements_contract_id"))
    )
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entitlements_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entitlements_product_id"), ["product_id"], unique=False)

    op.create_table("escrow_journal",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("payment", "release", "refund", name="journal_kind", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("memo", sa.String(length=200), nullable=False),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["contract_id"], ["trade_contracts.id"], name=op.f("fk_escrow_journal_contract_id_trade_contracts")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_journal")),
    sa.UniqueConstraint("contract_id", "kind", name=op.f("uq_escrow_journal_contract_id"))
    )
    with op.batch_alter_table("escrow_journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escrow_journal_contract_id"), ["contract_id"], unique=False)

    op.create_table("payments",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("gateway", sa.Enum("bank_transfer", "stripe", name="gateway", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("reference", sa.String(length=40), nullable=False),
    sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("status", sa.Enum("pending", "succeeded", "refunded", "failed", "cancelled", name="payment_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("external_id", sa.String(length=255), nullable=True),
    sa.Column("idempotency_key", sa.String(length=255), nullable=False),
    sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
    sa.Column("confirmed_at", UTC_TIME, nullable=True),
    sa.Column("refunded_at", UTC_TIME, nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["confirmed_by_id"], ["users.id"], name=op.f("fk_payments_confirmed_by_id_users")),
    sa.ForeignKeyConstraint(["contract_id"], ["trade_contracts.id"], name=op.f("fk_payments_contract_id_trade_contracts")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    sa.UniqueConstraint("external_id", name=op.f("uq_payments_external_id")),
    sa.UniqueConstraint("idempotency_key", name=op.f("uq_payments_idempotency_key")),
    sa.UniqueConstraint("reference", name=op.f("uq_payments_reference"))
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_contract_id"), ["contract_id"], unique=False)

    op.create_table("downloads",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("entitlement_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("version_number", sa.SmallInteger(), nullable=False),
    sa.Column("fingerprint", sa.String(length=64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("client_address", sa.String(length=64), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["entitlement_id"], ["entitlements.id"], name=op.f("fk_downloads_entitlement_id_entitlements")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_downloads_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads"))
    )
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_downloads_entitlement_id"), ["entitlement_id"], unique=False)

    op.create_table("escrow_postings",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("journal_id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("debit", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("credit", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name=op.f("ck_escrow_postings_one_sided")),
    sa.ForeignKeyConstraint(["account_id"], ["escrow_accounts.id"], name=op.f("fk_escrow_postings_account_id_escrow_accounts")),
    sa.ForeignKeyConstraint(["journal_id"], ["escrow_journal.id"], name=op.f("fk_escrow_postings_journal_id_escrow_journal")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_postings"))
    )
    with op.batch_alter_table("escrow_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escrow_postings_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escrow_postings_journal_id"), ["journal_id"], unique=False)

    op.create_table("gateway_events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("gateway", sa.Enum("bank_transfer", "stripe", name="gateway", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("event_id", sa.String(length=255), nullable=False),
    sa.Column("event_type", sa.String(length=100), nullable=False),
    sa.Column("created", sa.BigInteger(), nullable=False),
    sa.Column("payment_id", sa.Integer(), nullable=True),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("outcome", sa.String(length=40), nullable=False),
    sa.Column("received_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_gateway_events_payment_id_payments")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_events")),
    sa.UniqueConstraint("gateway", "event_id", name=op.f("uq_gateway_events_gateway"))
    )


def downgrade():
    op.drop_table("gateway_events")
    with op.batch_alter_table("escrow_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_postings_journal_id"))
        batch_op.drop_index(batch_op.f("ix_escrow_postings_account_id"))

    op.drop_table("escrow_postings")
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_downloads_entitlement_id"))

    op.drop_table("downloads")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_contract_id"))

    op.drop_table("payments")
    with op.batch_alter_table("escrow_journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_journal_contract_id"))

    op.drop_table("escrow_journal")
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entitlements_product_id"))
        batch_op.drop_index(batch_op.f("ix_entitlements_buyer_id"))

    op.drop_table("entitlements")
    op.drop_table("disputes")
    with op.batch_alter_table("contract_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_signatures_contract_id"))

    op.drop_table("contract_signatures")
    with op.batch_alter_table("trade_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_contracts_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_trade_contracts_product_id"))
        batch_op.drop_index(batch_op.f("ix_trade_contracts_buyer_id"))

    op.drop_table("trade_contracts")
    with op.batch_alter_table("negotiation_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_negotiation_rounds_negotiation_id"))

    op.drop_table("negotiation_rounds")
    with op.batch_alter_table("negotiations", schema=None) as batch_op:
        batch_op.drop_index("uq_negotiations_open", sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f("ix_negotiations_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_negotiations_product_id"))
        batch_op.drop_index(batch_op.f("ix_negotiations_offer_id"))
        batch_op.drop_index(batch_op.f("ix_negotiations_expires_at"))
        batch_op.drop_index(batch_op.f("ix_negotiations_buyer_id"))

    op.drop_table("negotiations")
    op.drop_table("organisation_keys")
    with op.batch_alter_table("escrow_accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_escrow_accounts_shared", sqlite_where=sa.text("organisation_id IS NULL"), postgresql_where=sa.text("organisation_id IS NULL"))

    op.drop_table("escrow_accounts")
    op.drop_table("idempotency_records")
