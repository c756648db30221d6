"""Data products with their regions, versions, licence offers and listing history.

Revision ID: 0008_data_products
Revises: 0007_industry_boards
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_data_products"
down_revision = "0007_industry_boards"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table("data_products",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("vendor_id", sa.Integer(), nullable=False),
    sa.Column("board_id", sa.Integer(), nullable=False),
    sa.Column("title_zh", sa.String(length=120), nullable=False),
    sa.Column("title_en", sa.String(length=200), nullable=False),
    sa.Column("summary_zh", sa.String(length=500), nullable=False),
    sa.Column("summary_en", sa.String(length=1000), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("product_type", sa.Enum("dataset", "api", "report", name="product_type", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("update_frequency", sa.Enum("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "once", name="update_frequency", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("coverage_start", sa.Date(), nullable=True),
    sa.Column("coverage_end", sa.Date(), nullable=True),
    sa.Column("tags", sa.JSON(), nullable=False),
    sa.Column("grade", sa.Enum("general", "important", "core", name="grade", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("grade_justification", sa.Text(), nullable=False),
    sa.Column("declared_quality", sa.JSON(), nullable=False),
    sa.Column("status", sa.Enum("draft", "submitted", "in_review", "listed", "suspended", "delisted", name="listing_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("cipher_mode", sa.Enum("aes-256-gcm", "sm4-gcm", name="cipher_mode", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
    sa.Column("latest_version", sa.Integer(), nullable=False),
    sa.Column("min_price", sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column("view_count", sa.Integer(), nullable=False),
    sa.Column("search_title", sa.Text(), nullable=False),
    sa.Column("search_body", sa.Text(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    sa.Column("listed_at", UTC_TIME, nullable=True),
    sa.ForeignKeyConstraint(["board_id"], ["industry_boards.id"], name=op.f("fk_data_products_board_id_industry_boards")),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_data_products_created_by_id_users")),
    sa.ForeignKeyConstraint(["vendor_id"], ["organisations.id"], name=op.f("fk_data_products_vendor_id_organisations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_data_products"))
    )
    with op.batch_alter_table("data_products", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_products_facets",
            ["status", "board_id", "grade", "product_type", "update_frequency", "vendor_id"],
            unique=False,
        )
        batch_op.create_index("ix_data_products_status_listed_at", ["status", "listed_at"], unique=False)
        batch_op.create_index("ix_data_products_status_min_price", ["status", "min_price"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_products_vendor_id"), ["vendor_id"], unique=False)

    op.create_table("licence_offers",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("non_exclusive", "exclusive", name="licence_kind", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("scope", sa.Enum("internal", "research", "commercial", name="use_scope", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("term_months", sa.SmallInteger(), nullable=False),
    sa.Column("territory", sa.Enum("jiangxi", "mainland", "global", name="territory", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("seats", sa.SmallInteger(), nullable=False),
    sa.Column("derivative", sa.Boolean(), nullable=False),
    sa.Column("redistribution", sa.Boolean(), nullable=False),
    sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_licence_offers_product_id_data_products"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_offers"))
    )
    with op.batch_alter_table("licence_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_offers_product_id"), ["product_id"], unique=False)

    op.create_table("listing_transitions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("from_status", sa.Enum("draft", "submitted", "in_review", "listed", "suspended", "delisted", name="from_status", native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column("to_status", sa.Enum("draft", "submitted", "in_review", "listed", "suspended", "delisted", name="to_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("organisation_id", sa.Integer(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
    sa.Column("at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_listing_transitions_actor_id_users")),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_listing_transitions_organisation_id_organisations")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_listing_transitions_product_id_data_products"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_transitions"))
    )
    with op.batch_alter_table("listing_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_transitions_product_id"), ["product_id"], unique=False)

    op.create_table("product_regions",
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("region", sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_product_regions_product_id_data_products"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("product_id", "region", name=op.f("pk_product_regions"))
    )
    with op.batch_alter_table("product_regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_regions_region"), ["region"], unique=False)

    op.create_table("product_versions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("note", sa.String(length=500), nullable=False),
    sa.Column("file_name", sa.String(length=200), nullable=False),
    sa.Column("file_format", sa.Enum("csv", "xlsx", "json", "parquet", name="file_format", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("object_key", sa.String(length=200), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("row_count", sa.BigInteger(), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("quality", sa.JSON(), nullable=False),
    sa.Column("sample", sa.JSON(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_product_versions_created_by_id_users")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_product_versions_product_id_data_products"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_product_versions")),
    sa.UniqueConstraint("object_key", name=op.f("uq_product_versions_object_key")),
    sa.UniqueConstraint("product_id", "number", name=op.f("uq_product_versions_product_id"))
    )


def downgrade():
    op.drop_table("product_versions")
    op.drop_table("product_regions")
    op.drop_table("listing_transitions")
    op.drop_table("licence_offers")
    op.drop_table("data_products")
