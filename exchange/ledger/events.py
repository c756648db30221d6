"""The exchange's side of the ledger: record events with their parties, browse, prove, verify."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from contracts import ledger
from contracts.anchoring import ON_CHAIN
from contracts.schema import ledger_anchors, ledger_deployments, ledger_entries
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_role
from exchange.kernel.errors import NotFound
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.models import LedgerParty

if TYPE_CHECKING:
    from contracts.chain import Chain

SUPERVISORS = (Role.REGULATOR, Role.OPERATOR)


def record_event(
    session: Session,
    entry_type: str,
    body: Mapping[str, Any],
    *,
    parties: Iterable[int],
) -> ledger.Entry:
    """Append an event in the caller's unit of work and note which organisations it concerns;
    the ledger takes its own clock under its lock, so times follow the order of entries."""
    entry = ledger.append(session, entry_type, body)
    for organisation_id in sorted(set(parties)):
        session.add(LedgerParty(seq=entry.seq, organisation_id=organisation_id))
    return entry


def _visible(actor: Actor) -> list[int] | None:
    """None: every entry (supervisors); otherwise the organisations whose entries they see."""
    if actor.has_role(*SUPERVISORS):
        return None
    return [m.organisation_id for m in actor.memberships]


def _parties(session: Session, seqs: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {seq: [] for seq in seqs}
    rows = session.execute(
        select(LedgerParty.seq, LedgerParty.organisation_id).where(LedgerParty.seq.in_(seqs))
    )
    for seq, organisation_id in rows:
        found[seq].append(organisation_id)
    return found


def _anchored_sizes(session: Session) -> tuple[int, int]:
    """The largest tree sizes on the live chain at all and confirmed, in one query."""
    row = session.execute(
        select(
            func.max(ledger_anchors.c.tree_size),
            func.max(case((ledger_anchors.c.status == "confirmed", ledger_anchors.c.tree_size))),
        )
        .join(ledger_deployments, ledger_deployments.c.id == ledger_anchors.c.deployment_id)
        .where(
            ledger_anchors.c.status.in_(ON_CHAIN),
            ledger_deployments.c.retired_at.is_(None),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def _anchor_status(seq: int, on_chain: int, confirmed: int) -> str:
    """An entry is covered by every anchored tree larger than its sequence number."""
    if seq < confirmed:
        return "confirmed"
    return "anchored" if seq < on_chain else "pending"


def anchor_statuses(session: Session, seqs: Iterable[int]) -> dict[int, str]:
    """Pending, anchored or confirmed for each entry, in one query."""
    on_chain, confirmed = _anchored_sizes(session)
    return {seq: _anchor_status(seq, on_chain, confirmed) for seq in seqs}


class AnchorState(TypedDict):
    """Whether an entry is on chain yet, and by which anchor."""

    status: str
    tree_size: NotRequired[int]
    tx_hash: NotRequired[str | None]
    chain_id: NotRequired[int]
    contract_address: NotRequired[str]
    block_number: NotRequired[int | None]


class EntryView(TypedDict):
    """One ledger entry as listed: its body, hash, time and parties."""

    seq: int
    entry_type: str
    body: Any
    leaf_hash: str
    recorded_at: datetime
    parties: list[int]


class ListedEntry(EntryView):
    """An entry in the browser with its anchoring shown (pages name its parties from accounts)."""

    anchor_status: str


class EntryDetail(EntryView):
    """One entry with its proof into the current tree head and its anchor state."""

    tree_size: int
    root: str
    hash_name: str
    inclusion_proof: list[str]
    anchor: AnchorState
    canonical_body: str


class LedgerProblem(TypedDict):
    """One problem the verification found."""

    kind: str
    detail: str
    seq: int | None
    tree_size: int | None


class LedgerVerification(TypedDict):
    """The whole ledger recomputed and checked against the chain's records."""

    ok: bool
    entries: int
    expected_entries: int
    checkpoints: int
    anchors_checked: int
    hash_name: str
    root: str
    problems: list[LedgerProblem]
    chain_error: str | None


def anchor_state(session: Session, seq: int) -> AnchorState:
    """Whether an entry is on chain yet: pending, anchored or confirmed, and by which anchor."""
    row = session.execute(
        select(ledger_anchors, ledger_deployments.c.chain_id, ledger_deployments.c.contract_address)
        .join(ledger_deployments, ledger_deployments.c.id == ledger_anchors.c.deployment_id)
        .where(
            ledger_anchors.c.tree_size > seq,
            ledger_anchors.c.status.in_(ON_CHAIN),
            ledger_deployments.c.retired_at.is_(None),
        )
        .order_by(ledger_anchors.c.tree_size)
        .limit(1)
    ).first()
    if row is None:
        return AnchorState(status="pending")
    return AnchorState(
        status=row.status,
        tree_size=row.tree_size,
        tx_hash=row.tx_hash,
        chain_id=row.chain_id,
        contract_address=row.contract_address,
        block_number=row.block_number,
    )


def _entry_view(entry: ledger.Entry, parties: list[int]) -> EntryView:
    return EntryView(
        seq=entry.seq,
        entry_type=entry.entry_type,
        body=json.loads(entry.body),
        leaf_hash="0x" + entry.leaf_hash.hex(),
        recorded_at=entry.recorded_at,
        parties=parties,
    )


def list_entries(
    uow: UnitOfWork,
    actor: Actor,
    *,
    entry_type: str | None = None,
    organisation_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[ListedEntry]:
    """Entries newest first: supervisors see all, everyone else the entries that concern them."""
    query = select(ledger_entries).order_by(ledger_entries.c.seq.desc()).limit(limit)
    visible = _visible(actor)
    party_filter = [organisation_id] if organisation_id is not None else None
    if visible is not None:
        party_filter = [o for o in (party_filter or visible) if o in visible]
    if party_filter is not None:
        query = query.where(
            ledger_entries.c.seq.in_(
                select(LedgerParty.seq).where(LedgerParty.organisation_id.in_(party_filter))
            )
        )
    if entry_type:
        query = query.where(ledger_entries.c.entry_type == entry_type)
    if since:
        query = query.where(ledger_entries.c.recorded_at >= since)
    if until:
        query = query.where(ledger_entries.c.recorded_at < until)
    if before_seq is not None:
        query = query.where(ledger_entries.c.seq < before_seq)
    rows = uow.session.execute(query).all()
    parties = _parties(uow.session, [row.seq for row in rows])
    on_chain, confirmed = _anchored_sizes(uow.session) if rows else (0, 0)
    return [
        ListedEntry(
            **_entry_view(
                ledger.Entry(
                    row.seq, row.entry_type, row.body, bytes(row.leaf_hash), row.recorded_at
                ),
                parties[row.seq],
            ),
            anchor_status=_anchor_status(row.seq, on_chain, confirmed),
        )
        for row in rows
    ]


def entry_detail(uow: UnitOfWork, actor: Actor, seq: int) -> EntryDetail:
    """One entry with its proof into the current tree head and its anchor state."""
    session = uow.session
    try:
        entry = ledger.entry(session, seq)
    except ledger.UnknownEntry:
        raise NotFound() from None
    parties = _parties(session, [seq])[seq]
    visible = _visible(actor)
    if visible is not None and not set(parties) & set(visible):
        raise NotFound()  # someone else's entry is not even confirmed to exist
    head = ledger.tree_head(session)
    proof = ledger.inclusion_proof(session, seq, head.size)
    return EntryDetail(
        **_entry_view(entry, parties),
        tree_size=head.size,
        root="0x" + head.root.hex(),
        hash_name=head.hash_name,
        inclusion_proof=["0x" + node.hex() for node in proof],
        anchor=anchor_state(session, seq),
        canonical_body=entry.body,
    )


def require_supervisor(actor: Actor) -> None:
    """Only regulators and operators act on the ledger as a whole."""
    require_role(actor, *SUPERVISORS)


def verify_ledger(uow: UnitOfWork, actor: Actor, chain: Chain | None) -> LedgerVerification:
    """Recompute the whole ledger and check it against the chain (supervisors only)."""
    from contracts.audit import audit_ledger
    from contracts.chain_records import read_chain_records

    require_supervisor(actor)
    chain_error = None
    # The anchors come from the chain's own records, never from the tables being checked.
    records = read_chain_records(uow.session, chain) if chain is not None else None
    if records is not None and records.unchecked:
        chain_error = "; ".join(records.unchecked)
    report = audit_ledger(uow.session, chain=records)
    audit.record(
        uow.session,
        "ledger.verified",
        actor=actor,
        entries=report.entries,
        ok=report.ok,
        problems=len(report.problems),
    )
    uow.commit()
    return LedgerVerification(
        ok=report.ok,
        entries=report.entries,
        expected_entries=report.expected_entries,
        checkpoints=report.checkpoints,
        anchors_checked=report.anchors_checked,
        hash_name=report.hash_name,
        root="0x" + report.root.hex(),
        problems=[
            LedgerProblem(
                kind=problem.kind,
                detail=problem.detail,
                seq=problem.seq,
                tree_size=problem.tree_size,
            )
            for problem in report.problems
        ],
        chain_error=chain_error,
    )


def proof_bundle(uow: UnitOfWork, actor: Actor, seq: int) -> dict[str, Any]:
    """A self-contained proof of one entry that anyone can check against the chain."""
    from contracts.bundle import NoSuchEntry, make_bundle

    entry_detail(uow, actor, seq)  # the same visibility rule as reading the entry
    try:
        return make_bundle(uow.session, seq)
    except NoSuchEntry:
        raise NotFound() from None
