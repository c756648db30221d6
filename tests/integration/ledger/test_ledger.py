"""The append-only ledger over real SQLite and PostgreSQL: appends, proofs, guards, checkpoints."""

from __future__ import annotations

import math
import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from contracts import ledger, merkle
from contracts.merkle import SM3


def append_many(engine: Engine, count: int, entry_type: str = "test.event") -> list[ledger.Entry]:
    with engine.begin() as connection:
        return [ledger.append(connection, entry_type, {"n": n, "板块": "铜"}) for n in range(count)]


def test_appends_take_consecutive_sequence_numbers(engine):
    entries = append_many(engine, 5)
    assert [e.seq for e in entries] == [0, 1, 2, 3, 4]


def test_entry_body_is_canonical_json(engine):
    with engine.begin() as connection:
        entry = ledger.append(connection, "t", {"b": 2, "a": "铜", "c": [True, None]})
    assert entry.body == '{"a":"铜","b":2,"c":[true,null]}'


def test_stored_entry_hashes_to_its_leaf(engine):
    append_many(engine, 3)
    with engine.connect() as connection:
        stored = ledger.entry(connection, 2)
    recomputed = ledger.leaf_hash(
        merkle.SHA256, stored.seq, stored.entry_type, stored.body, stored.recorded_at
    )
    assert recomputed == stored.leaf_hash


def test_tree_head_matches_a_rebuilt_tree_at_every_size(engine):
    entries = append_many(engine, 37)
    leaves = [e.leaf_hash for e in entries]
    with engine.connect() as connection:
        for size in range(38):
            assert ledger.tree_head(connection, size).root == merkle.root(leaves[:size])


def test_every_inclusion_proof_verifies(engine):
    entries = append_many(engine, 21)
    with engine.connect() as connection:
        for size in range(1, 22):
            head = ledger.tree_head(connection, size)
            for seq in range(size):
                proof = ledger.inclusion_proof(connection, seq, size)
                assert merkle.verify_inclusion(
                    merkle.SHA256, seq, size, entries[seq].leaf_hash, proof, head.root
                )


def test_every_consistency_proof_verifies(engine):
    append_many(engine, 19)
    with engine.connect() as connection:
        heads = [ledger.tree_head(connection, size) for size in range(20)]
        for old in range(1, 20):
            for new in range(old, 20):
                proof = ledger.consistency_proof(connection, old, new)
                assert merkle.verify_consistency(
                    merkle.SHA256, old, new, heads[old].root, heads[new].root, proof
                )


def test_a_proof_reads_a_logarithmic_number_of_rows(engine):
    append_many(engine, 1000)
    with engine.connect() as connection:
        source = ledger.StoredNodes(connection, merkle.SHA256)
        merkle.inclusion_proof(source, 517, 1000)
        assert source.reads <= 2 * math.ceil(math.log2(1000)) + 2


def test_proof_for_an_entry_beyond_the_tree_is_refused(engine):
    append_many(engine, 3)
    with engine.connect() as connection, pytest.raises(ledger.UnknownEntry):
        ledger.inclusion_proof(connection, 3)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET body = '{}'",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_nodes SET pos = pos + 1000000",
        "DELETE FROM ledger_nodes",
        "DELETE FROM ledger_checkpoints",
        "UPDATE ledger_checkpoints SET tree_size = tree_size + 1",
    ],
)
def test_the_database_refuses_to_change_written_entries(engine, statement):
    append_many(engine, 4)
    with engine.begin() as connection:
        ledger.checkpoint(connection)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))


def test_emptying_the_ledger_wholesale_is_refused(engine):
    append_many(engine, 1)
    # PostgreSQL's TRUNCATE bypasses row triggers, so it has a guard of its own.
    wholesale = (
        "TRUNCATE ledger_entries CASCADE"
        if engine.dialect.name == "postgresql"
        else ("DELETE FROM ledger_entries")
    )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(wholesale))


def test_a_rolled_back_change_leaves_no_entry(engine):
    append_many(engine, 2)
    with pytest.raises(RuntimeError), engine.begin() as connection:
        ledger.append(connection, "trade.signed", {"contract": 7})
        raise RuntimeError("the business change failed")
    with engine.connect() as connection:
        assert ledger.tree_head(connection).size == 2


def test_checkpoint_records_a_grown_tree_only(engine):
    with engine.begin() as connection:
        assert ledger.checkpoint(connection) is None
    append_many(engine, 3)
    with engine.begin() as connection:
        head = ledger.checkpoint(connection)
        assert head is not None and head.size == 3
        assert ledger.checkpoint(connection) is None
        assert ledger.latest_checkpoint(connection) == head


def test_an_empty_ledger_can_switch_to_sm3(engine):
    with engine.begin() as connection:
        ledger.choose_hash(connection, "sm3")
    entries = append_many(engine, 5)
    with engine.connect() as connection:
        head = ledger.tree_head(connection)
    assert head.hash_name == "sm3"
    assert head.root == merkle.root([e.leaf_hash for e in entries], SM3)


def test_a_grown_ledger_keeps_its_hash(engine):
    append_many(engine, 1)
    with pytest.raises(ledger.LedgerError, match="already holds"), engine.begin() as connection:
        ledger.choose_hash(connection, "sm3")


def test_concurrent_appends_leave_no_gap(engine):
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(15):
                with engine.begin() as connection:
                    ledger.append(connection, "concurrent", {"n": n})
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        entries = [ledger.entry(connection, seq) for seq in range(45)]
        head = ledger.tree_head(connection)
    assert head.size == 45
    assert head.root == merkle.root([e.leaf_hash for e in entries])
