"""Negotiated quotas: each round of a negotiation over an API or computation offer names the
calls or queries it proposes, as it names the price

Rounds written before this proposed the offer's own quota (nothing else could be proposed), so
they take it; a copy's rounds keep none.

Revision ID: 0026_negotiated_quota
Revises: 0025_computation_licences
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_negotiated_quota"
down_revision = "0025_computation_licences"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop the table itself, which other tables point at.
        op.execute("ALTER TABLE negotiation_rounds ADD COLUMN quota INTEGER")
    else:
        op.add_column("negotiation_rounds", sa.Column("quota", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE negotiation_rounds SET quota = (SELECT o.quota FROM negotiations n "
        "JOIN licence_offers o ON o.id = n.offer_id "
        "WHERE n.id = negotiation_rounds.negotiation_id) WHERE action IN ('propose', 'counter')"
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE negotiation_rounds DROP COLUMN quota")
        return
    op.drop_column("negotiation_rounds", "quota")
