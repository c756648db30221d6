"""The suite's databases: each test starts from the migrated schema with its seed and nothing a
test before it wrote: not its rows, not its edits to seeded rows, not its used-up ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def borrowed(template: TemplateDatabase, folder: Path) -> Iterator[str]:
    """A fresh database for the block, given back at its end, as a test's own would be."""
    url = template.fresh(folder)
    try:
        yield url
    finally:
        template.release(url)


def test_a_fresh_database_holds_only_what_the_migrations_seeded(
    migrated_database: TemplateDatabase, tmp_path: Path
) -> None:
    with borrowed(migrated_database, tmp_path / "db") as url:
        counts = row_counts(url)
    assert {name: n for name, n in counts.items() if n} == SEEDED
    assert len(counts) >= 45


def test_what_one_test_wrote_never_reaches_the_next(
    migrated_database: TemplateDatabase, tmp_path: Path
) -> None:
    with borrowed(migrated_database, tmp_path / "first") as first:
        before = row_counts(first)
        write_a_little_of_everything(first)
        assert row_counts(first)["ledger_entries"] == 3
    with borrowed(migrated_database, tmp_path / "second") as second:
        after = row_counts(second)
        engine = create_engine(second, poolclass=NullPool)
        with engine.connect() as connection:
            name = connection.execute(
                text("SELECT name_en FROM industry_boards WHERE code = 'steel'")
            ).scalar_one()
            state = connection.execute(select(ledger_state)).one()
        engine.dispose()
        # Ids start again from 1, as they did after TRUNCATE … RESTART IDENTITY.
        new_id = next_deployment_id(second)
    assert after == before
    assert name != "Tampered"
    assert state.tree_size == 0
    assert new_id == 1


def test_the_ledger_of_a_fresh_database_appends_from_the_start(
    migrated_database: TemplateDatabase, tmp_path: Path
) -> None:
    with borrowed(migrated_database, tmp_path / "first") as first:
        write_a_little_of_everything(first)
    with borrowed(migrated_database, tmp_path / "second") as second:
        engine = create_engine(second, poolclass=NullPool)
        with engine.begin() as connection:
            entry = ledger.append(connection, "trade.signed", {"n": 0})
            head = ledger.tree_head(connection, 1)
        engine.dispose()
    assert entry.seq == 0
    assert head.root == merkle.root([entry.leaf_hash])
