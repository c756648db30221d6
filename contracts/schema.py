"""The ledger's own tables; the exchange's migrations create them, nothing here imports it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)
# SQLite only autoincrements INTEGER; sequence numbers are assigned by the ledger anyway.
Seq = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC on every backend and always hands back an aware datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTC_TIME = UTCDateTime()

# One row: the tree size, bumped first in every append so appends serialise on it, and the
# hash the whole tree is built with (SHA-256, or SM3 in the national-cryptography mode).
ledger_state = Table(
    "ledger_state",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("tree_size", Seq, nullable=False),
    Column("hash_name", String(16), nullable=False),
)

# Never updated or deleted: triggers on SQLite and PostgreSQL refuse it.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=False),
    Column("entry_type", String(64), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("recorded_at", UTC_TIME, nullable=False, index=True),
)

# Hashes of perfect subtrees above the leaves: level L, index i covers leaves [i·2^L, (i+1)·2^L).
# One integer key, pos = L·2^48 + i: a proof fetches all its subtrees with one IN list, and
# each level is one contiguous range for the audit to read in order.
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("pos", Seq, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)


LEVEL_SHIFT = 48  # room for 2^48 leaves per level; level ≤ 48 keeps pos inside a signed bigint


def node_pos(level: int, index: int) -> int:
    """The key of the perfect subtree at (level, index)."""
    return (level << LEVEL_SHIFT) + index


def node_index(pos: int) -> int:
    """The index within its level of the subtree stored under `pos`."""
    return pos & ((1 << LEVEL_SHIFT) - 1)


# Signed-off tree heads; each waits here (the outbox) until a batch anchors it on chain.
ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("tree_size", Seq, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("hash_name", String(16), nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
)


# Anchor contracts the ledger has deployed; one is active per chain until the chain loses it.
ledger_deployments = Table(
    "ledger_deployments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chain_id", BigInteger, nullable=False, index=True),
    Column("contract_address", String(42), nullable=False),
    Column("operator", String(42), nullable=False),
    Column("deployed_at", UTC_TIME, nullable=False),
    # A reset chain can give the next deployment the same address, so no uniqueness here.
    Column("retired_at", UTC_TIME, nullable=True),
)

# The anchoring outbox: one row per checkpoint sent to a deployment, idempotent by tree size.
# status: sending (row first, then the transaction) → sent → anchored → confirmed, or rejected.
ledger_anchors = Table(
    "ledger_anchors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment_id", Integer, ForeignKey("ledger_deployments.id"), nullable=False),
    Column("tree_size", Seq, ForeignKey("ledger_checkpoints.tree_size"), nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("status", String(16), nullable=False),
    # Unique per deployment only: on a reset chain the same signed transaction recurs.
    Column("tx_hash", String(66), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("gas_used", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTC_TIME, nullable=False),
    Column("updated_at", UTC_TIME, nullable=False),
    UniqueConstraint("deployment_id", "tree_size"),
    UniqueConstraint("deployment_id", "tx_hash", name="uq_ledger_anchors_deployment_tx_hash"),
)
