"""The audit names each kind of tampering behind the application's back, and only that."""

from __future__ import annotations

from sqlalchemy import Engine

from contracts import ledger
from contracts.audit import Finding, audit_ledger
from contracts.schema import node_pos
from tests.databases import tamper


def fill(engine: Engine, count: int, *, changed: int | None = None) -> None:
    with engine.begin() as connection:
        for n in range(count):
            body = {"n": n, "price": "99.00" if n != changed else "1.00"}
            ledger.append(connection, "trade.signed", body)
        ledger.checkpoint(connection)


def audit(engine: Engine, anchored=None):  # noqa: ANN001, ANN201
    with engine.connect() as connection:
        return audit_ledger(connection, anchored=anchored)


def test_an_untouched_ledger_passes(engine):
    fill(engine, 37)
    report = audit(engine)
    with engine.connect() as connection:
        assert report.root == ledger.tree_head(connection).root
    assert report.ok
    assert (report.entries, report.checkpoints) == (37, 1)


def test_an_empty_ledger_passes(engine):
    assert audit(engine).ok


def test_an_edited_body_is_a_modified_entry_at_its_sequence_number(engine):
    fill(engine, 20)
    tamper(engine, "UPDATE ledger_entries SET body = replace(body, '99.00', '1.00') WHERE seq = 13")
    report = audit(engine)
    first = report.first(Finding.MODIFIED_ENTRY)
    assert first is not None and first.seq == 13
    assert {p.kind for p in report.problems} == {Finding.MODIFIED_ENTRY}


def test_a_deleted_middle_entry_is_reported_as_missing(engine):
    fill(engine, 20)
    tamper(engine, "DELETE FROM ledger_entries WHERE seq = 7")
    report = audit(engine)
    missing = report.first(Finding.MISSING_ENTRIES)
    assert missing is not None and missing.seq == 7


def test_deleted_newest_entries_are_a_deleted_tail(engine):
    fill(engine, 20)
    tamper(engine, "DELETE FROM ledger_entries WHERE seq >= 17")
    report = audit(engine)
    tail = report.first(Finding.DELETED_TAIL)
    assert tail is not None and tail.seq == 17
    assert Finding.MODIFIED_ENTRY not in {p.kind for p in report.problems}


def test_a_wrong_stored_subtree_is_a_corrupt_node(engine):
    fill(engine, 16)
    tamper(
        engine,
        "UPDATE ledger_nodes SET hash = "
        + ("'\\x" + "00" * 32 + "'" if engine.dialect.name == "postgresql" else "zeroblob(32)")
        + f" WHERE pos = {node_pos(2, 1)}",
    )
    report = audit(engine)
    assert report.first(Finding.CORRUPT_NODE) is not None


def test_an_altered_checkpoint_is_rewritten_history(engine):
    fill(engine, 10)
    zero = "'\\x" + "00" * 32 + "'" if engine.dialect.name == "postgresql" else "zeroblob(32)"
    tamper(engine, f"UPDATE ledger_checkpoints SET root = {zero}")
    report = audit(engine)
    rewritten = report.first(Finding.REWRITTEN_HISTORY)
    assert rewritten is not None and rewritten.tree_size == 10


def test_a_ledger_rebuilt_with_other_facts_contradicts_the_chain(engine):
    fill(engine, 12)
    with engine.connect() as connection:
        anchored = {12: ledger.tree_head(connection).root}
    tamper(
        engine,
        "DELETE FROM ledger_checkpoints",
        "DELETE FROM ledger_nodes",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_state SET tree_size = 0",
    )
    fill(engine, 12, changed=5)  # every row and subtree consistent, but not what was anchored
    report = audit(engine, anchored)
    assert [p.kind for p in report.problems] == [Finding.REWRITTEN_HISTORY]
    assert report.problems[0].tree_size == 12


def test_an_anchor_the_chain_lost_is_a_missing_anchor(engine):
    fill(engine, 5)
    report = audit(engine, {5: None})
    assert [p.kind for p in report.problems] == [Finding.MISSING_ANCHOR]


def test_the_chains_roots_agreeing_pass(engine):
    fill(engine, 5)
    with engine.connect() as connection:
        anchored = {5: ledger.tree_head(connection).root}
    assert audit(engine, anchored).ok
