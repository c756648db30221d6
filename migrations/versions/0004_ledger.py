"""The append-only ledger: entries, perfect-subtree nodes, checkpoints, and the triggers
that refuse any change to what was written.

Revision ID: 0004_ledger
Revises: 0003_audit_events
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_ledger"
down_revision = "0003_audit_events"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)
# Tables whose rows, once written, are never changed or removed.
PROTECTED = {
    "ledger_entries": ("UPDATE", "DELETE"),
    "ledger_nodes": ("UPDATE", "DELETE"),
    "ledger_checkpoints": ("UPDATE", "DELETE"),
}


def upgrade():
    op.create_table(
        "ledger_state",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("tree_size", SEQ, nullable=False),
        sa.Column("hash_name", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_state")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("entry_type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
    )
    op.create_index(op.f("ix_ledger_entries_entry_type"), "ledger_entries", ["entry_type"])
    op.create_index(op.f("ix_ledger_entries_recorded_at"), "ledger_entries", ["recorded_at"])
    op.create_table(
        "ledger_nodes",
        sa.Column("pos", SEQ, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("pos", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", SEQ, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash_name", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_checkpoints")),
    )
    op.execute("INSERT INTO ledger_state (id, tree_size, hash_name) VALUES (1, 0, 'sha256')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$
            """
        )
        for table in PROTECTED:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
            )
    else:
        for table, statements in PROTECTED.items():
            for statement in statements:
                op.execute(
                    f"CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {statement} on "
                    f"{table} refused'); END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in PROTECTED:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION ledger_refuse_change()")
    else:
        for table, statements in PROTECTED.items():
            for statement in statements:
                op.execute(f"DROP TRIGGER {table}_no_{statement.lower()}")
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_nodes")
    op.drop_index(op.f("ix_ledger_entries_recorded_at"), table_name="ledger_entries")
    op.drop_index(op.f("ix_ledger_entries_entry_type"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_table("ledger_state")
