"""Exclusive rights and exclusive licences held by the database

A standing exclusive claim takes a slot (its product, right, first day and uses) that no other
standing claim may take; an exclusive offer has at most one live contract.

Revision ID: 0018_exclusive_rules
Revises: 0017_personal_information
Create Date: 2026-12-07
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0018_exclusive_rules"
down_revision = "0017_personal_information"
branch_labels = None
depends_on = None

STANDING_ONLY = sa.text("status IN ('pending', 'active')")
LIVE = ("signing", "awaiting_payment", "in_escrow", "disputed")
LIVE_ONLY = sa.text("status IN ('signing', 'awaiting_payment', 'in_escrow', 'disputed')")


def upgrade():
    with op.batch_alter_table("rights_records") as batch_op:
        batch_op.add_column(sa.Column("exclusive_slot", sa.String(120), nullable=True))
    with op.batch_alter_table("trade_contracts") as batch_op:
        batch_op.add_column(sa.Column("exclusive_offer_id", sa.Integer(), nullable=True))
    connection = op.get_bind()
    records = connection.execute(
        sa.text(
            'SELECT id, product_id, "right", starts_on, uses, status FROM rights_records '
            'WHERE "exclusive" ORDER BY id'
        )
    ).all()
    taken = set()
    for record_id, product_id, right, starts_on, uses, status in records:
        listed = json.loads(uses) if isinstance(uses, str) else uses
        slot = ",".join(sorted(listed))
        key = (product_id, right, str(starts_on), slot)
        if status in ("pending", "active"):
            if key in taken:  # a duplicate made before the rule: the first keeps the slot
                continue
            taken.add(key)
        connection.execute(
            sa.text("UPDATE rights_records SET exclusive_slot = :slot WHERE id = :id"),
            {"slot": slot, "id": record_id},
        )
    contracts = connection.execute(
        sa.text(
            "SELECT c.id, c.offer_id, c.terms, c.status, o.kind FROM trade_contracts c "
            "JOIN licence_offers o ON o.id = c.offer_id ORDER BY c.id"
        )
    ).all()
    held = set()
    for contract_id, offer_id, terms, status, kind in contracts:
        agreed = json.loads(terms) if isinstance(terms, str) else terms
        if not (kind == "exclusive" or agreed.get("exclusive")):
            continue
        if status in LIVE:
            if offer_id in held:  # a second live contract made before the rule: the first holds
                continue
            held.add(offer_id)
        connection.execute(
            sa.text("UPDATE trade_contracts SET exclusive_offer_id = offer_id WHERE id = :id"),
            {"id": contract_id},
        )
    with op.batch_alter_table("rights_records") as batch_op:
        batch_op.create_index(
            "uq_rights_records_exclusive_slot",
            ["product_id", "right", "starts_on", "exclusive_slot"],
            unique=True,
            sqlite_where=STANDING_ONLY,
            postgresql_where=STANDING_ONLY,
        )
    with op.batch_alter_table("trade_contracts") as batch_op:
        batch_op.create_index(
            "uq_trade_contracts_exclusive_offer",
            ["exclusive_offer_id"],
            unique=True,
            sqlite_where=LIVE_ONLY,
            postgresql_where=LIVE_ONLY,
        )


def downgrade():
    with op.batch_alter_table("trade_contracts") as batch_op:
        batch_op.drop_index("uq_trade_contracts_exclusive_offer")
        batch_op.drop_column("exclusive_offer_id")
    with op.batch_alter_table("rights_records") as batch_op:
        batch_op.drop_index("uq_rights_records_exclusive_slot")
        batch_op.drop_column("exclusive_slot")
