"""Anchoring: the deployed anchor contracts and the outbox of checkpoints sent to them.

Revision ID: 0005_anchoring
Revises: 0004_ledger
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_anchoring"
down_revision = "0004_ledger"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "ledger_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_address", sa.String(length=42), nullable=False),
        sa.Column("operator", sa.String(length=42), nullable=False),
        sa.Column("deployed_at", UTC_TIME, nullable=False),
        sa.Column("retired_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_deployments")),
    )
    op.create_index(op.f("ix_ledger_deployments_chain_id"), "ledger_deployments", ["chain_id"])
    op.create_table(
        "ledger_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("tree_size", SEQ, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["ledger_deployments.id"],
            name=op.f("fk_ledger_anchors_deployment_id_ledger_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["tree_size"],
            ["ledger_checkpoints.tree_size"],
            name=op.f("fk_ledger_anchors_tree_size_ledger_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_anchors")),
        sa.UniqueConstraint(
            "deployment_id", "tree_size", name=op.f("uq_ledger_anchors_deployment_id")
        ),
        sa.UniqueConstraint(
            "deployment_id", "tx_hash", name=op.f("uq_ledger_anchors_deployment_tx_hash")
        ),
    )


def downgrade():
    op.drop_table("ledger_anchors")
    op.drop_index(op.f("ix_ledger_deployments_chain_id"), table_name="ledger_deployments")
    op.drop_table("ledger_deployments")
