"""Anchor, deployment and state rows append-only like the entries: only the changes the
anchoring worker and the ledger make are accepted (checkpoints were protected by 0004).

- ledger_anchors: never deleted; size, root, deployment and creation time never change; the
  status only moves forward (sending → sent → anchored → confirmed, or rejected); a transaction
  hash is filled in once, or replaced while the anchor is still being sent (a re-send); a
  confirmed anchor keeps its block and gas.
- ledger_deployments: never deleted; only retired, once.
- ledger_state: one row, never deleted; the tree size grows by one at a time; the hash may only
  change while the tree is empty.

Revision ID: 0020_ledger_append_only
Revises: 0019_api_product_keys
Create Date: 2026-12-07
"""

from alembic import op

revision = "0020_ledger_append_only"
down_revision = "0019_api_product_keys"
branch_labels = None
depends_on = None

STEPS = {
    "sending": ("sending", "sent", "anchored", "confirmed", "rejected"),
    "sent": ("sent", "anchored", "confirmed", "rejected"),
    "anchored": ("anchored", "confirmed", "rejected"),
    "confirmed": ("confirmed",),
    "rejected": ("rejected",),
}
ALLOWED_STEPS = ", ".join(f"'{old}>{new}'" for old, news in STEPS.items() for new in news)


def _refused_update(table: str, ne: str, concat: str) -> str:
    """When an UPDATE of `table` is refused; `ne` is the dialect's null-safe "differs"."""
    if table == "ledger_anchors":
        fixed = ("id", "deployment_id", "tree_size", "root", "created_at")
        return " OR ".join(
            [f"NEW.{column} {ne} OLD.{column}" for column in fixed]
            + [
                f"(OLD.status {concat} '>' {concat} NEW.status) NOT IN ({ALLOWED_STEPS})",
                f"(NEW.tx_hash {ne} OLD.tx_hash AND OLD.tx_hash IS NOT NULL"
                " AND OLD.status NOT IN ('sending', 'sent'))",
                f"(OLD.status = 'confirmed' AND (NEW.block_number {ne} OLD.block_number"
                f" OR NEW.gas_used {ne} OLD.gas_used))",
            ]
        )
    if table == "ledger_deployments":
        fixed = ("id", "chain_id", "contract_address", "operator", "deployed_at")
        return " OR ".join(
            [f"NEW.{column} {ne} OLD.{column}" for column in fixed]
            + [f"(OLD.retired_at IS NOT NULL AND NEW.retired_at {ne} OLD.retired_at)"]
        )
    return (  # ledger_state
        f"NEW.id {ne} OLD.id OR NEW.tree_size NOT IN (OLD.tree_size, OLD.tree_size + 1)"
        f" OR (NEW.hash_name {ne} OLD.hash_name AND OLD.tree_size <> 0)"
    )


TABLES = ("ledger_anchors", "ledger_deployments", "ledger_state")
MESSAGE = "the ledger is append-only"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
        return
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_guarded_update BEFORE UPDATE ON {table} "
            f"WHEN {_refused_update(table, 'IS NOT', '||')} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: this UPDATE on {table} refused'); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on {table} refused'); END"
        )
    op.execute(
        "CREATE TRIGGER ledger_state_one_row BEFORE INSERT ON ledger_state "
        "WHEN EXISTS (SELECT 1 FROM ledger_state) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: a second state row refused'); END"
    )


def _upgrade_postgresql():
    for table in TABLES:
        op.execute(
            f"""
            CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF {_refused_update(table, "IS DISTINCT FROM", "||")} THEN
                        RAISE EXCEPTION '{MESSAGE}: this UPDATE on % refused', TG_TABLE_NAME
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NEW;
                END IF;
                IF TG_OP = 'INSERT' THEN
                    IF EXISTS (SELECT 1 FROM ledger_state) THEN
                        RAISE EXCEPTION '{MESSAGE}: a second state row refused'
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$
            """
        )
        events = "INSERT OR UPDATE OR DELETE" if table == "ledger_state" else "UPDATE OR DELETE"
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION {table}_guard()")
        return
    op.execute("DROP TRIGGER ledger_state_one_row")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_no_delete")
        op.execute(f"DROP TRIGGER {table}_guarded_update")
