"""Rights registry: registrations on public notice, objections, records, certificates, grants.

Revision ID: 0011_rights
Revises: 0010_valuations
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_rights"
down_revision = "0010_valuations"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table("rights_registrations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("number", sa.String(length=24), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("applicant_id", sa.Integer(), nullable=False),
    sa.Column("applied_by_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.Enum("notice", "certified", "refused", "withdrawn", name="registration_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("source", sa.Enum("self_generated", "authorised", "contract", "derived", name="right_source", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("source_reference", sa.Text(), nullable=True),
    sa.Column("basis_grant_ids", sa.JSON(), nullable=False),
    sa.Column("data_sha256", sa.String(length=64), nullable=False),
    sa.Column("hash_name", sa.String(length=8), nullable=False),
    sa.Column("registration_hash", sa.String(length=64), nullable=False),
    sa.Column("canonical", sa.Text(), nullable=False),
    sa.Column("notice_ends_at", UTC_TIME, nullable=False),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("decided_at", UTC_TIME, nullable=True),
    sa.Column("decision_reason", sa.Text(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["applicant_id"], ["organisations.id"], name=op.f("fk_rights_registrations_applicant_id_organisations")),
    sa.ForeignKeyConstraint(["applied_by_id"], ["users.id"], name=op.f("fk_rights_registrations_applied_by_id_users")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_rights_registrations_product_id_data_products")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_registrations")),
    sa.UniqueConstraint("number", name=op.f("uq_rights_registrations_number"))
    )
    with op.batch_alter_table("rights_registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_registrations_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_registrations_data_sha256"), ["data_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_registrations_notice_ends_at"), ["notice_ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_registrations_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_registrations_status"), ["status"], unique=False)

    op.create_table("rights_certificates",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("number", sa.String(length=24), nullable=False),
    sa.Column("registration_id", sa.Integer(), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("signature", sa.String(length=128), nullable=False),
    sa.Column("key_id", sa.String(length=16), nullable=False),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("issued_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["registration_id"], ["rights_registrations.id"], name=op.f("fk_rights_certificates_registration_id_rights_registrations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_certificates")),
    sa.UniqueConstraint("number", name=op.f("uq_rights_certificates_number")),
    sa.UniqueConstraint("registration_id", name=op.f("uq_rights_certificates_registration_id"))
    )
    op.create_table("rights_objections",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("registration_id", sa.Integer(), nullable=False),
    sa.Column("objector_id", sa.Integer(), nullable=True),
    sa.Column("raised_by_id", sa.Integer(), nullable=True),
    sa.Column("reasons", sa.Text(), nullable=False),
    sa.Column("conflicting_registration_id", sa.Integer(), nullable=True),
    sa.Column("status", sa.Enum("open", "upheld", "dismissed", name="objection_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("decided_by_id", sa.Integer(), nullable=True),
    sa.Column("decision_reason", sa.Text(), nullable=True),
    sa.Column("decided_at", UTC_TIME, nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("decision_seq", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["conflicting_registration_id"], ["rights_registrations.id"], name=op.f("fk_rights_objections_conflicting_registration_id_rights_registrations")),
    sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_rights_objections_decided_by_id_users")),
    sa.ForeignKeyConstraint(["objector_id"], ["organisations.id"], name=op.f("fk_rights_objections_objector_id_organisations")),
    sa.ForeignKeyConstraint(["raised_by_id"], ["users.id"], name=op.f("fk_rights_objections_raised_by_id_users")),
    sa.ForeignKeyConstraint(["registration_id"], ["rights_registrations.id"], name=op.f("fk_rights_objections_registration_id_rights_registrations")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_objections"))
    )
    with op.batch_alter_table("rights_objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_objections_registration_id"), ["registration_id"], unique=False)

    op.create_table("rights_records",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("registration_id", sa.Integer(), nullable=True),
    sa.Column("right", sa.Enum("holding", "processing", "operation", name="right_kind", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("holder_id", sa.Integer(), nullable=False),
    sa.Column("uses", sa.JSON(), nullable=False),
    sa.Column("territory", sa.Enum("jiangxi", "mainland", "global", name="territory", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("exclusive", sa.Boolean(), nullable=False),
    sa.Column("starts_on", sa.Date(), nullable=False),
    sa.Column("ends_on", sa.Date(), nullable=True),
    sa.Column("status", sa.Enum("pending", "active", "closed", "refused", name="record_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("transferred_from_id", sa.Integer(), nullable=True),
    sa.Column("contract_ref", sa.String(length=64), nullable=True),
    sa.Column("closed_by_contract", sa.String(length=64), nullable=True),
    sa.Column("closed_at", UTC_TIME, nullable=True),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["holder_id"], ["organisations.id"], name=op.f("fk_rights_records_holder_id_organisations")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_rights_records_product_id_data_products")),
    sa.ForeignKeyConstraint(["registration_id"], ["rights_registrations.id"], name=op.f("fk_rights_records_registration_id_rights_registrations")),
    sa.ForeignKeyConstraint(["transferred_from_id"], ["rights_records.id"], name=op.f("fk_rights_records_transferred_from_id_rights_records")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_records"))
    )
    with op.batch_alter_table("rights_records", schema=None) as batch_op:
        batch_op.create_index("ix_rights_records_claims", ["product_id", "right", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_rights_records_holder_id"), ["holder_id"], unique=False)

    op.create_table("licence_grants",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("record_id", sa.Integer(), nullable=False),
    sa.Column("grantor_id", sa.Integer(), nullable=False),
    sa.Column("grantee_id", sa.Integer(), nullable=False),
    sa.Column("uses", sa.JSON(), nullable=False),
    sa.Column("territory", sa.Enum("jiangxi", "mainland", "global", name="territory", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("starts_on", sa.Date(), nullable=False),
    sa.Column("ends_on", sa.Date(), nullable=False),
    sa.Column("derivative", sa.Boolean(), nullable=False),
    sa.Column("contract_ref", sa.String(length=64), nullable=False),
    sa.Column("status", sa.Enum("active", "ended", name="grant_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["grantee_id"], ["organisations.id"], name=op.f("fk_licence_grants_grantee_id_organisations")),
    sa.ForeignKeyConstraint(["grantor_id"], ["organisations.id"], name=op.f("fk_licence_grants_grantor_id_organisations")),
    sa.ForeignKeyConstraint(["product_id"], ["data_products.id"], name=op.f("fk_licence_grants_product_id_data_products")),
    sa.ForeignKeyConstraint(["record_id"], ["rights_records.id"], name=op.f("fk_licence_grants_record_id_rights_records")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_grants"))
    )
    with op.batch_alter_table("licence_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_grants_grantee_id"), ["grantee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_grants_product_id"), ["product_id"], unique=False)

    op.create_table("rights_documents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("registration_id", sa.Integer(), nullable=False),
    sa.Column("objection_id", sa.Integer(), nullable=True),
    sa.Column("file_name", sa.String(length=200), nullable=False),
    sa.Column("content_type", sa.String(length=64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("object_key", sa.String(length=512), nullable=False),
    sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["objection_id"], ["rights_objections.id"], name=op.f("fk_rights_documents_objection_id_rights_objections")),
    sa.ForeignKeyConstraint(["registration_id"], ["rights_registrations.id"], name=op.f("fk_rights_documents_registration_id_rights_registrations")),
    sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_rights_documents_uploaded_by_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_documents"))
    )
    with op.batch_alter_table("rights_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_documents_registration_id"), ["registration_id"], unique=False)



def downgrade():
    with op.batch_alter_table("rights_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_documents_registration_id"))

    op.drop_table("rights_documents")
    with op.batch_alter_table("licence_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_grants_product_id"))
        batch_op.drop_index(batch_op.f("ix_licence_grants_grantee_id"))

    op.drop_table("licence_grants")
    with op.batch_alter_table("rights_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_records_holder_id"))
        batch_op.drop_index("ix_rights_records_claims")

    op.drop_table("rights_records")
    with op.batch_alter_table("rights_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_objections_registration_id"))

    op.drop_table("rights_objections")
    op.drop_table("rights_certificates")
    with op.batch_alter_table("rights_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_registrations_status"))
        batch_op.drop_index(batch_op.f("ix_rights_registrations_product_id"))
        batch_op.drop_index(batch_op.f("ix_rights_registrations_notice_ends_at"))
        batch_op.drop_index(batch_op.f("ix_rights_registrations_data_sha256"))
        batch_op.drop_index(batch_op.f("ix_rights_registrations_applicant_id"))

    op.drop_table("rights_registrations")
