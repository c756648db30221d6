"""The organisations each ledger entry concerns.

Revision ID: 0006_ledger_parties
Revises: 0005_anchoring
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ledger_parties"
down_revision = "0005_anchoring"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ledger_parties",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_ledger_parties_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("seq", "organisation_id", name=op.f("pk_ledger_parties")),
    )
    op.create_index(
        op.f("ix_ledger_parties_organisation_id"), "ledger_parties", ["organisation_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_ledger_parties_organisation_id"), table_name="ledger_parties")
    op.drop_table("ledger_parties")
