"""Each contract keeps the EIP-712 domain it was signed under

Existing contracts were signed under the current deployment's domain (the only one the
exchange knew), so they are given it.

Revision ID: 0021_contract_domains
Revises: 0020_ledger_append_only
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_contract_domains"
down_revision = "0020_ledger_append_only"
branch_labels = None
depends_on = None

# contracts.signing's EXCHANGE_NAME and DOMAIN_VERSION as they were when this ran.
DOMAIN_NAME = "Ganshu Data Exchange"
DOMAIN_VERSION = "1"
COLUMNS = ("domain_name", "domain_version", "domain_chain_id", "domain_contract")


def upgrade():
    with op.batch_alter_table("trade_contracts") as batch:
        batch.add_column(sa.Column("domain_name", sa.String(64), nullable=True))
        batch.add_column(sa.Column("domain_version", sa.String(16), nullable=True))
        batch.add_column(sa.Column("domain_chain_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("domain_contract", sa.String(42), nullable=True))
    fill_domains(op.get_bind())


def fill_domains(bind):
    """Give every contract without a kept domain the current deployment's."""
    current = bind.execute(
        sa.text(
            "SELECT chain_id, contract_address FROM ledger_deployments"
            " WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1"
        )
    ).first()
    if current is None:  # never deployed: nothing can have been signed
        return
    bind.execute(
        sa.text(
            "UPDATE trade_contracts SET domain_name = :name, domain_version = :version,"
            " domain_chain_id = :chain_id, domain_contract = :contract"
            " WHERE domain_chain_id IS NULL"
        ),
        {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chain_id": int(current.chain_id),
            "contract": current.contract_address,
        },
    )


def downgrade():
    with op.batch_alter_table("trade_contracts") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
