"""The suite's databases: each test starts from the migrated schema with its seed and nothing a
test before it wrote: not its rows, not its edits to seeded rows, not its used-up ids."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.pool import NullPool

from contracts import ledger, merkle
from contracts.schema import ledger_deployments, ledger_state
from tests.databases import TemplateDatabase, reflect_tables, tamper

SEEDED = {"alembic_version": 1, "industry_boards": 24, "ledger_state": 1}


def row_counts(url: str) -> dict[str, int]:
    """How many rows each table holds."""
    engine = create_engine(url, poolclass=NullPool)
    metadata = reflect_tables(engine)
    with engine.connect() as connection:
        counts = {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }
    engine.dispose()
    return counts


def write_a_little_of_everything(url: str) -> None:
    """Ledger entries (append-only tables), an edited seeded row, and a used-up id."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        for n in range(3):
            ledger.append(connection, "trade.signed", {"n": n})
        connection.execute(
            insert(ledger_deployments).values(
                chain_id=1,
                contract_address="0x" + "ab" * 20,
                operator="0x" + "cd" * 20,
                deployed_at=datetime.now(UTC),
            )
        )
    tamper(engine, "UPDATE industry_boards SET name_en = 'Tampered' WHERE code = 'steel'")
    engine.dispose()


def next_deployment_id(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        new_id = connection.execute(
            insert(ledger_deployments)
            .values(
                chain_id=1,
                contract_address="0x" + "ef" * 20,
                operator="0x" + "cd" * 20,
                deployed_at=datetime.now(UTC),
            )
            .returning(ledger_deployments.c.id)
        ).scalar_one()
    engine.dispose()
    return int(new_id)


def test_a_fresh_database_holds_only_what_the_migrations_seeded(
    migrated_database: TemplateDatabase, tmp_path: Path
) -> None:
    url = migrated_database.fresh(tmp_path / "db")
    try:
        counts = row_counts(url)
        assert {name: n for name, n in counts.items() if n} == SEEDED
        assert len(counts) >= 45
    finally:
        migrated_database.release(url)


def test_what_one_test_wrote_never_reaches_the_next(
    migrated_database: TemplateDatabase, tmp_path: Path
) -> None:
    first = migrated_database.fresh(tmp_path / "first")
    try:
        before = row_counts(first)
        write_a_little_of_everything(first)
        assert row_counts(first)["ledger_entries"] == 3
    finally:
        migrated_database.release(first)
    second = migrated_database.fresh(tmp_path / "second")
    try:
        assert row_counts(second) == before
        engine = create_engine(second, poolclass=NullPool)
        with engine.connect() as connection:
            name = connection.execute(
                text("SELECT name_en FROM industry_boards WHERE code = 'steel'")
            ).scalar_one()
            state = connection.execute(select(ledger_state)).one()
        engine.dispose()
        assert name != "Tampered"
        assert state.tree_size == 0
        # Ids start again from 1, as they did after TRUNCATE … RESTART IDENTITY.
        assert next_deployment_id(second) == 1
    finally:
        migrated_database.release(second)


def test_the_ledger_of_a_fresh_database_appends_from_the_start(
    migrated_database: TemplateDatabase, tmp_path: Path
) -> None:
    first = migrated_database.fresh(tmp_path / "first")
    try:
        write_a_little_of_everything(first)
    finally:
        migrated_database.release(first)
    second = migrated_database.fresh(tmp_path / "second")
    try:
        engine = create_engine(second, poolclass=NullPool)
        with engine.begin() as connection:
            entry = ledger.append(connection, "trade.signed", {"n": 0})
            head = ledger.tree_head(connection, 1)
        engine.dispose()
        assert entry.seq == 0
        assert head.root == merkle.root([entry.leaf_hash])
    finally:
        migrated_database.release(second)
