"""Proof bundles: made from an in-memory ledger, checked offline and against a fake chain."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, insert, text

from contracts import ledger
from contracts.bundle import FORMAT, NoSuchEntry, make_bundle
from contracts.chain import AnchorCall, AnchorReceipt, ChainUnavailable
from contracts.merkle import SHA256
from contracts.schema import ledger_anchors, ledger_deployments, metadata
from contracts.verify import MalformedBundle, main, verify_bundle

CHAIN_ID = 31337
ADDRESS = "0x" + "ab" * 20
ALTERED = "the entry was altered (leaf hash does not match)"
NOT_INCLUDED = "the inclusion proof does not lead to the checkpoint root"
INCONSISTENT = "the checkpoint is not consistent with the anchored checkpoint"
WRONG_ANCHOR = "the anchor is not for the checkpoint the proofs lead to"


@pytest.fixture
def connection() -> Iterator[Connection]:
    """A ledger in SQLite memory: the tables and the state row the migration would seed."""
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(
            text("INSERT INTO ledger_state (id, tree_size, hash_name) VALUES (1, 0, 'sha256')")
        )
        yield connection
    engine.dispose()


def grow(connection: Connection, count: int, *, checkpoint: bool = True) -> None:
    size, _ = ledger.state(connection)
    for n in range(size, size + count):
        ledger.append(connection, "trade.signed", {"n": n, "板块": "铜"})
    if checkpoint:
        ledger.checkpoint(connection)


def anchor(
    connection: Connection, tree_size: int, *, status: str = "confirmed", retired: bool = False
) -> str:
    """Record an anchor row as the worker would after a mined transaction; return its hash."""
    now = datetime.now(UTC)
    deployment = connection.execute(
        insert(ledger_deployments)
        .values(
            chain_id=CHAIN_ID,
            contract_address=ADDRESS,
            operator="0x" + "cd" * 20,
            deployed_at=now,
            retired_at=now if retired else None,
        )
        .returning(ledger_deployments.c.id)
    ).scalar_one()
    tx_hash = f"0x{tree_size:064x}"
    connection.execute(
        insert(ledger_anchors).values(
            deployment_id=deployment,
            tree_size=tree_size,
            root=ledger.tree_head(connection, tree_size).root,
            status=status,
            tx_hash=tx_hash,
            block_number=tree_size,
            gas_used=50_000,
            attempts=1,
            created_at=now,
            updated_at=now,
        )
    )
    return tx_hash


@pytest.fixture
def grown(connection: Connection) -> Connection:
    """Checkpoints at 3 and 8; only 8 anchored, so entries below 3 need a consistency proof."""
    grow(connection, 3)
    grow(connection, 5)
    anchor(connection, 8)
    return connection


class FakeChain:
    """The read side of the Chain port over plain dicts, holding what the worker anchored."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        fields = bundle["anchor"]
        self.id = fields["chain_id"]
        self.code = {fields["contract_address"]}
        self.receipts = {
            fields["tx_hash"]: AnchorReceipt(fields["tx_hash"], 7, True, 50_000, 2),
        }
        self.roots = {fields["tree_size"]: bytes.fromhex(fields["root"][2:])}
        self.calls = {
            fields["tx_hash"]: AnchorCall(
                fields["contract_address"], fields["tree_size"], self.roots[fields["tree_size"]]
            )
        }

    def chain_id(self) -> int:
        return self.id

    def has_anchor(self, address: str) -> bool:
        return address in self.code

    def receipt(self, tx_hash: str) -> AnchorReceipt | None:
        return self.receipts.get(tx_hash)

    def root_of(self, address: str, tree_size: int) -> bytes:
        return self.roots.get(tree_size, bytes(32))

    def anchor_call(self, tx_hash: str) -> AnchorCall | None:
        return self.calls.get(tx_hash)


def forge_call(**changes: Any) -> Callable[[FakeChain], None]:
    """The bundle's transaction exists and succeeded, but is some other transaction."""

    def change(chain: FakeChain) -> None:
        for tx, call in chain.calls.items():
            chain.calls[tx] = AnchorCall(**{**call.__dict__, **changes})

    return change


def flip(value: str) -> str:
    """The same hex with its last byte changed."""
    return value[:-2] + f"{int(value[-2:], 16) ^ 1:02x}"


def test_a_bundle_is_plain_json_naming_its_format_and_hash(grown):
    bundle = make_bundle(grown, 1)
    assert json.loads(json.dumps(bundle)) == bundle
    assert bundle["format"] == FORMAT and bundle["hash"] == "sha256"
    assert bundle["entry"]["seq"] == 1 and bundle["entry"]["type"] == "trade.signed"
    assert bundle["entry"]["body"] == '{"n":1,"板块":"铜"}'
    recorded = datetime.fromisoformat(bundle["entry"]["recorded_at"])
    assert bundle["entry"]["recorded_at"].endswith("+00:00") and recorded.tzinfo is not None
    assert len(bundle["entry"]["recorded_at"].split(".")[1]) == len("123456+00:00")


def test_an_unknown_entry_has_no_bundle(grown):
    with pytest.raises(NoSuchEntry, match="no entry 99"):
        make_bundle(grown, 99)


def test_the_inclusion_proof_goes_to_the_smallest_checkpoint_covering_the_entry(grown):
    assert make_bundle(grown, 2)["checkpoint"]["tree_size"] == 3
    assert make_bundle(grown, 3)["checkpoint"]["tree_size"] == 8


def test_an_unanchored_checkpoint_comes_with_consistency_to_the_anchored_one(grown):
    bundle = make_bundle(grown, 1)
    assert bundle["anchored_checkpoint"]["tree_size"] == 8
    assert len(bundle["anchored_checkpoint"]["consistency_proof"]) > 0
    assert bundle["anchor"] == {
        "chain_id": CHAIN_ID,
        "contract_address": ADDRESS,
        "tx_hash": f"0x{8:064x}",
        "tree_size": 8,
        "root": "0x" + ledger.tree_head(grown, 8).root.hex(),
        "status": "confirmed",
    }
    assert bundle["status"] == "confirmed"


def test_an_anchored_checkpoint_needs_no_consistency_proof(grown):
    bundle = make_bundle(grown, 5)
    assert bundle["checkpoint"]["tree_size"] == 8 and bundle["anchored_checkpoint"] is None


def test_an_entry_no_checkpoint_covers_is_pending(connection):
    grow(connection, 2, checkpoint=False)
    bundle = make_bundle(connection, 0)
    assert (bundle["status"], bundle["checkpoint"], bundle["anchor"]) == ("pending", None, None)
    verdict = verify_bundle(bundle, None)
    assert not verdict.ok and verdict.reason == "not anchored yet"
    assert [(s.name, s.ok) for s in verdict.steps] == [("leaf", True), ("checkpoint", False)]


@pytest.mark.parametrize(
    "how",
    [
        {"status": "sent"},
        {"status": "sending"},
        {"status": "rejected"},
        {"retired": True},
    ],
)
def test_only_anchors_on_chain_on_an_active_deployment_count(connection, how):
    grow(connection, 4)
    anchor(connection, 4, **how)
    bundle = make_bundle(connection, 0)
    assert bundle["anchor"] is None and bundle["status"] == "pending"
    verdict = verify_bundle(bundle, None)
    assert verdict.reason == "not anchored yet"
    assert [(s.name, s.ok) for s in verdict.steps] == [
        ("leaf", True),
        ("inclusion", True),
        ("anchor", False),
    ]


def test_a_sound_bundle_holds_offline_and_says_the_chain_was_skipped(grown):
    verdict = verify_bundle(make_bundle(grown, 1), None)
    assert verdict.ok and "the on-chain step was skipped" in verdict.reason
    assert [(s.name, s.ok) for s in verdict.steps] == [
        ("leaf", True),
        ("inclusion", True),
        ("consistency", True),
        ("anchor", True),
        ("chain", None),
    ]


@pytest.mark.parametrize("seq", range(8))
def test_every_entry_verifies_against_a_chain_holding_its_root(grown, seq):
    bundle = make_bundle(grown, seq)
    verdict = verify_bundle(bundle, FakeChain(bundle))
    assert verdict.ok, verdict
    assert [s.name for s in verdict.steps][-4:] == ["chain", "contract", "transaction", "root"]


def set_in(path: str, change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    """A tampering: replace the field at a dotted path (list items by index) with change(old)."""

    def tamper(bundle: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = bundle
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        key_or_index = int(last) if isinstance(node, list) else last
        node[key_or_index] = change(node[key_or_index])

    return tamper


def rehash_body(bundle: dict[str, Any]) -> None:
    """Change the body and give it a matching leaf hash, as a careful forger would."""
    entry = bundle["entry"]
    entry["body"] = '{"n":1,"板块":"锂"}'
    when = datetime.fromisoformat(entry["recorded_at"])
    leaf = ledger.leaf_hash(SHA256, entry["seq"], entry["type"], entry["body"], when)
    entry["leaf_hash"] = "0x" + leaf.hex()


TAMPERINGS = {
    "body": (set_in("entry.body", lambda _: '{"n":1,"板块":"锂"}'), ALTERED),
    "type": (set_in("entry.type", lambda _: "trade.cancelled"), ALTERED),
    "seq": (set_in("entry.seq", lambda seq: seq + 1), ALTERED),
    "time": (set_in("entry.recorded_at", lambda _: "2020-01-01T00:00:00.000000+00:00"), ALTERED),
    "leaf": (set_in("entry.leaf_hash", flip), ALTERED),
    "body with its leaf": (rehash_body, NOT_INCLUDED),
    "proof hash": (set_in("inclusion_proof.0", flip), NOT_INCLUDED),
    "proof too short": (set_in("inclusion_proof", lambda proof: proof[:-1]), NOT_INCLUDED),
    "checkpoint root": (set_in("checkpoint.root", flip), NOT_INCLUDED),
    "checkpoint size": (set_in("checkpoint.tree_size", lambda size: size + 2), NOT_INCLUDED),
    # Leaf 1's path in a tree of 3 also fits a claimed tree of 4 (same hashing order), so the
    # consistency proof, which binds the size, is what catches this one.
    "checkpoint size + 1": (set_in("checkpoint.tree_size", lambda size: size + 1), INCONSISTENT),
    "checkpoint size below seq": (set_in("checkpoint.tree_size", lambda _: 1), NOT_INCLUDED),
    "consistency hash": (
        set_in("anchored_checkpoint.consistency_proof.0", flip),
        INCONSISTENT,
    ),
    "anchored root": (set_in("anchored_checkpoint.root", flip), INCONSISTENT),
    "anchored size": (set_in("anchored_checkpoint.tree_size", lambda s: s + 1), INCONSISTENT),
    "anchored size shrunk": (set_in("anchored_checkpoint.tree_size", lambda _: 2), INCONSISTENT),
    "anchor root": (set_in("anchor.root", flip), WRONG_ANCHOR),
    "anchor size": (set_in("anchor.tree_size", lambda size: size + 1), WRONG_ANCHOR),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_a_tampered_bundle_fails_with_its_reason(grown, name):
    tamper, reason = TAMPERINGS[name]
    bundle = json.loads(json.dumps(make_bundle(grown, 1)))
    honest_chain = FakeChain(bundle)
    tamper(bundle)
    for chain in (None, honest_chain):
        verdict = verify_bundle(bundle, chain)
        assert (verdict.ok, verdict.reason) == (False, reason)
        assert verdict.steps[-1].ok is False and verdict.steps[-1].detail


def test_dropping_the_anchored_checkpoint_leaves_the_anchor_unproven(grown):
    bundle = make_bundle(grown, 1)
    bundle["anchored_checkpoint"] = None
    assert verify_bundle(bundle, None).reason == WRONG_ANCHOR


# What the chain lacks leaves a bundle unchecked (exit 2); it proves nothing either way.
CHAIN_GAPS: dict[str, tuple[Callable[[FakeChain], None], str]] = {
    "another chain": (lambda chain: setattr(chain, "id", 1), "wrong chain"),
    "no contract": (
        lambda chain: chain.code.clear(),
        "the anchor contract is not on this chain",
    ),
    "no transaction": (
        lambda chain: chain.receipts.clear(),
        "the anchor transaction is not on this chain",
    ),
}


@pytest.mark.parametrize("name", CHAIN_GAPS)
def test_a_chain_that_lacks_the_anchor_leaves_the_bundle_unchecked(grown, name):
    change, reason = CHAIN_GAPS[name]
    bundle = make_bundle(grown, 1)
    chain = FakeChain(bundle)
    change(chain)
    verdict = verify_bundle(bundle, chain)
    assert (verdict.ok, verdict.checkable, verdict.reason) == (False, False, reason)
    assert verdict.exit_code == 2


# What the chain contradicts proves the bundle forged (exit 1).
CHAIN_FAILURES: dict[str, tuple[Callable[[FakeChain], None], str]] = {
    "a deployment": (
        forge_call(to=None, tree_size=None, root=None),
        "the transaction is not a call of the anchor contract",
    ),
    "another contract": (
        forge_call(to="0x" + "ef" * 20),
        "the transaction is not a call of the anchor contract",
    ),
    "another function": (
        forge_call(tree_size=None, root=None),
        "the transaction is not a call of the anchor function",
    ),
    "another checkpoint's size": (
        forge_call(tree_size=5),
        "the transaction anchors another checkpoint",
    ),
    "another root": (
        forge_call(root=b"\x01" * 32),
        "the transaction anchors another checkpoint",
    ),
    "reverted": (
        lambda chain: chain.receipts.update(
            {tx: AnchorReceipt(tx, 7, False, 21_000, 2) for tx in chain.receipts}
        ),
        "the anchor transaction failed",
    ),
    "other root": (
        lambda chain: chain.roots.update({8: b"\x01" * 32}),
        "the chain holds a different root for size 8",
    ),
    "no root": (lambda chain: chain.roots.clear(), "the chain holds no root for size 8"),
}


@pytest.mark.parametrize("name", CHAIN_FAILURES)
def test_a_chain_that_does_not_hold_the_anchor_fails_with_its_reason(grown, name):
    change, reason = CHAIN_FAILURES[name]
    bundle = make_bundle(grown, 1)
    chain = FakeChain(bundle)
    change(chain)
    verdict = verify_bundle(bundle, chain)
    assert (verdict.ok, verdict.checkable, verdict.reason) == (False, True, reason)
    assert verdict.exit_code == 1
    assert [s.ok for s in verdict.steps][:4] == [True, True, True, True]


def test_an_unreachable_chain_is_not_a_verdict(grown):
    class DownChain(FakeChain):
        def chain_id(self) -> int:
            raise ChainUnavailable("connection refused")

    bundle = make_bundle(grown, 1)
    with pytest.raises(ChainUnavailable):
        verify_bundle(bundle, DownChain(bundle))


MALFORMED: dict[str, Callable[[dict[str, Any]], None]] = {
    "format": lambda b: b.update(format="ganshu-ledger-proof/2"),
    "hash": lambda b: b.update(hash="md5"),
    "no entry": lambda b: b.pop("entry"),
    "seq as text": set_in("entry.seq", str),
    "seq as bool": set_in("entry.seq", lambda _: True),
    "naive time": set_in("entry.recorded_at", lambda t: t.removesuffix("+00:00")),
    "not hex": set_in("inclusion_proof.0", lambda h: h[2:]),
    "tx hash": set_in("anchor.tx_hash", lambda h: h[:-2]),
    "checkpoint": lambda b: b.update(checkpoint=[3]),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_bundle_cannot_be_verified(grown, name):
    bundle = copy.deepcopy(make_bundle(grown, 1))
    MALFORMED[name](bundle)
    with pytest.raises(MalformedBundle):
        verify_bundle(bundle, None)


def test_the_command_line_prints_each_step_and_exits_0_for_a_sound_bundle(grown, tmp_path, capsys):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(make_bundle(grown, 1)))
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "ok    leaf" in out
        and "skip  chain" in out
        and out.rstrip().splitlines()[-1].startswith("VALID: ")
    )


def test_the_command_line_exits_1_with_the_reason_for_a_tampered_bundle(grown, tmp_path, capsys):
    bundle = make_bundle(grown, 1)
    bundle["entry"]["body"] = "{}"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    assert main([str(path)]) == 1
    assert capsys.readouterr().out.rstrip().endswith(f"INVALID: {ALTERED}")


@pytest.mark.parametrize("content", [None, "not json", '{"format": "other"}', "[]"])
def test_the_command_line_exits_2_for_unreadable_input(tmp_path, capsys, content):
    path = tmp_path / "bundle.json"
    if content is not None:
        path.write_text(content)
    assert main([str(path)]) == 2
    assert "cannot read the bundle" in capsys.readouterr().err


def test_the_command_line_exits_2_for_a_missing_chain_file(grown, tmp_path, capsys):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(make_bundle(grown, 1)))
    assert main([str(path), "--embedded", str(tmp_path / "nowhere.sqlite")]) == 2
    assert not (tmp_path / "nowhere.sqlite").exists()
    assert "no embedded chain file" in capsys.readouterr().err


def test_the_command_line_exits_2_for_a_file_that_is_not_a_chain(grown, tmp_path, capsys):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(make_bundle(grown, 1)))
    assert main([str(path), "--embedded", str(path)]) == 2
    assert "is not an embedded chain" in capsys.readouterr().err
