"""Oversight alerts: each finding with its evidence, the organisations and contracts it
concerns, and the regulators' notes.

Revision ID: 0013_oversight_alerts
Revises: 0012_trading
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_oversight_alerts"
down_revision = "0012_trading"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table("oversight_alerts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Enum("price_deviation", "circular_trade", "related_parties", "purchase_burst", "download_burst", "important_data", "leak", name="alert_kind", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("status", sa.Enum("open", "acknowledged", "closed", name="alert_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("dedup_key", sa.String(length=160), nullable=False),
    sa.Column("evidence", sa.JSON(), nullable=False),
    sa.Column("acknowledged_at", UTC_TIME, nullable=True),
    sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
    sa.Column("closed_at", UTC_TIME, nullable=True),
    sa.Column("closed_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.Column("updated_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"], name=op.f("fk_oversight_alerts_acknowledged_by_id_users")),
    sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_oversight_alerts_closed_by_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_alerts")),
    sa.UniqueConstraint("dedup_key", name=op.f("uq_oversight_alerts_dedup_key"))
    )
    with op.batch_alter_table("oversight_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oversight_alerts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oversight_alerts_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_oversight_alerts_status"), ["status"], unique=False)

    op.create_table("oversight_alert_organisations",
    sa.Column("alert_id", sa.Integer(), nullable=False),
    sa.Column("organisation_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["alert_id"], ["oversight_alerts.id"], name=op.f("fk_oversight_alert_organisations_alert_id_oversight_alerts"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_oversight_alert_organisations_organisation_id_organisations")),
    sa.PrimaryKeyConstraint("alert_id", "organisation_id", name=op.f("pk_oversight_alert_organisations"))
    )
    with op.batch_alter_table("oversight_alert_organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oversight_alert_organisations_organisation_id"), ["organisation_id"], unique=False)

    op.create_table("oversight_notes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("alert_id", sa.Integer(), nullable=False),
    sa.Column("author_id", sa.Integer(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("created_at", UTC_TIME, nullable=False),
    sa.ForeignKeyConstraint(["alert_id"], ["oversight_alerts.id"], name=op.f("fk_oversight_notes_alert_id_oversight_alerts"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_oversight_notes_author_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_notes"))
    )
    with op.batch_alter_table("oversight_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oversight_notes_alert_id"), ["alert_id"], unique=False)

    op.create_table("oversight_alert_contracts",
    sa.Column("alert_id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["alert_id"], ["oversight_alerts.id"], name=op.f("fk_oversight_alert_contracts_alert_id_oversight_alerts"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["contract_id"], ["trade_contracts.id"], name=op.f("fk_oversight_alert_contracts_contract_id_trade_contracts")),
    sa.PrimaryKeyConstraint("alert_id", "contract_id", name=op.f("pk_oversight_alert_contracts"))
    )
    with op.batch_alter_table("oversight_alert_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oversight_alert_contracts_contract_id"), ["contract_id"], unique=False)



def downgrade():
    with op.batch_alter_table("oversight_alert_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oversight_alert_contracts_contract_id"))

    op.drop_table("oversight_alert_contracts")
    with op.batch_alter_table("oversight_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oversight_notes_alert_id"))

    op.drop_table("oversight_notes")
    with op.batch_alter_table("oversight_alert_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oversight_alert_organisations_organisation_id"))

    op.drop_table("oversight_alert_organisations")
    with op.batch_alter_table("oversight_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oversight_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_oversight_alerts_kind"))
        batch_op.drop_index(batch_op.f("ix_oversight_alerts_created_at"))

    op.drop_table("oversight_alerts")
