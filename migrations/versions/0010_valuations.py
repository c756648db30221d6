"""Valuations of data products, stored with their inputs and results.

Revision ID: 0010_valuations
Revises: 0009_product_search
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_valuations"
down_revision = "0009_product_search"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table("valuations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("requested_by_id", sa.Integer(), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=True),
    sa.Column("purpose", sa.String(length=16), nullable=False),
    sa.Column("method_version", sa.String(length=40), nullable=False),
    sa.Column("inputs", sa.JSON(), nullable=False),
    sa.Column("result", sa.JSON(), nullable=False),
    sa.Column("floor", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("reference", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("ceiling", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_valuations_organisation_id_organisations")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_valuations_product_id_data_products"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_valuations_requested_by_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_valuations"))
    )
    with op.batch_alter_table("valuations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_valuations_product_id"), ["product_id"], unique=False)


def downgrade():
    op.drop_table("valuations")
