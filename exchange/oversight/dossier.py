"""One trade as a regulator reads it: the contract and its signatures (verified), the valuation
band the parties saw, the negotiation, escrow postings, payments, delivery and every download,
rights changes — and each ledger entry of the trade with its anchor state, whose proofs can be
checked against the chain in one action. Reading is audited; nothing else is written."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contracts import ledger
from contracts.bundle import make_bundle
from contracts.schema import ledger_entries
from contracts.verify import verify_bundle
from exchange.accounts.names import party_names
from exchange.catalog.models import DataProduct
from exchange.compute.reading import QueryView, contract_queries
from exchange.delivery.models import Download, Entitlement
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.ledger.events import anchor_statuses
from exchange.ledger.models import LedgerParty
from exchange.oversight.trades import require_reader
from exchange.payments import escrow
from exchange.payments.escrow import JournalView
from exchange.payments.models import EscrowAccount, Payment
from exchange.rights.display import GrantView, RecordView, grant_view, record_view
from exchange.rights.models import LicenceGrant, RightsRecord
from exchange.trading.contracts import ContractView, contract_view
from exchange.trading.models import Negotiation, TradeContract
from exchange.trading.payment_outcomes import PaymentView, payment_view
from exchange.trading.reading import ContractProgress, contract_progress

if TYPE_CHECKING:
    from contracts.chain import Chain
    from contracts.signing import SigningDomain


class TradeEntry(TypedDict):
    """One of the trade's ledger entries, its body parsed, with its anchor state."""

    seq: int
    entry_type: str
    body: Any
    leaf_hash: str
    recorded_at: datetime
    anchor_status: str


class RoundView(TypedDict):
    """One round of the negotiation that led to the trade."""

    number: int
    side: str
    action: str
    price: Decimal | None
    quota: int | None  # calls or queries proposed with the price; None for a copy
    message: str | None
    created_at: datetime


class NegotiationView(TypedDict):
    """The negotiation that led to the trade, round by round."""

    id: int
    status: str
    ledger_seq: int | None
    rounds: list[RoundView]


class DownloadView(TypedDict):
    """One download of the traded data, with the fingerprint it carried."""

    at: datetime
    user_id: int | None
    version: int
    fingerprint: str
    size_bytes: int
    client_address: str | None


class DeliveryView(TypedDict):
    """The buyer's entitlement from the trade and every download under it."""

    entitlement_id: int
    status: str
    quota: int | None
    used: int
    expires_at: datetime
    ledger_seq: int
    downloads: list[DownloadView]


class TradeRecord(RecordView):
    """A rights record the trade opened or closed, saying which."""

    closed_by_this: bool


class TradeRights(TypedDict):
    """The rights records the trade opened or closed, and the licences it granted."""

    records: list[TradeRecord]
    grants: list[GrantView]


class DossierProduct(TypedDict):
    """The traded product, by id, title, board and grade."""

    id: int
    title_zh: str
    title_en: str
    board_id: int
    grade: str


class TradeDossier(TypedDict):
    """Everything about one trade, as the regulators' trade page and API read it."""

    contract: ContractView
    progress: ContractProgress
    product: DossierProduct
    negotiation: NegotiationView
    payments: list[PaymentView]
    escrow: list[JournalView]
    delivery: DeliveryView | None
    rights: TradeRights
    computations: list[QueryView]  # a computation licence's queries, refused ones included
    ledger: list[TradeEntry]


class ProofStep(TypedDict):
    """One step of checking an entry's proofs and how it went (None when skipped)."""

    name: str
    ok: bool | None
    detail: str


class EntryCheck(TypedDict):
    """One ledger entry's proofs checked: verified, failed, or neither (None) and why."""

    seq: int
    entry_type: str
    anchor_status: str
    ok: bool | None
    reason: str
    steps: list[ProofStep]


class TradeProofs(TypedDict):
    """The trade's entries checked against the tree and the chain, with the overall verdict."""

    contract_id: int
    number: str
    ok: bool
    verified_on_chain: bool
    tree_size: int
    checks: list[EntryCheck]


def _contract(session: Session, contract_id: int) -> TradeContract:
    return require_found(session.get(TradeContract, contract_id))


def trade_entries(session: Session, contract: TradeContract) -> list[TradeEntry]:
    """The trade's ledger entries, oldest first: the negotiation's outcome and every entry
    that names the contract (found among the buyer's entries since the negotiation closed)."""
    negotiation = session.get(Negotiation, contract.negotiation_id)
    first = negotiation.ledger_seq if negotiation and negotiation.ledger_seq is not None else None
    since = min(s for s in (first, contract.ledger_seq) if s is not None)
    rows = session.execute(
        select(ledger_entries)
        .where(
            ledger_entries.c.seq >= since,
            ledger_entries.c.seq.in_(
                select(LedgerParty.seq).where(LedgerParty.organisation_id == contract.buyer_id)
            ),
        )
        .order_by(ledger_entries.c.seq)
    ).all()
    named = f'"{contract.number}"'
    found = [row for row in rows if row.seq == first or named in row.body]
    statuses = anchor_statuses(session, [row.seq for row in found])
    return [
        TradeEntry(
            seq=row.seq,
            entry_type=row.entry_type,
            body=json.loads(row.body),
            leaf_hash="0x" + bytes(row.leaf_hash).hex(),
            recorded_at=row.recorded_at,
            anchor_status=statuses[row.seq],
        )
        for row in found
    ]


def _negotiation(session: Session, negotiation_id: int) -> NegotiationView:
    negotiation = require_found(session.get(Negotiation, negotiation_id))
    return NegotiationView(
        id=negotiation.id,
        status=negotiation.status.value,
        ledger_seq=negotiation.ledger_seq,
        rounds=[
            RoundView(
                number=r.number,
                side=r.side.value,
                action=r.action.value,
                price=r.price,
                quota=r.quota,
                message=r.message,
                created_at=r.created_at,
            )
            for r in negotiation.rounds
        ],
    )


def _journals(session: Session, contract_id: int) -> list[JournalView]:
    """The escrow journals with each posting's account named (kind and organisation)."""
    journals = escrow.journal_of(session, contract_id)
    ids = {p["account_id"] for j in journals for p in j["postings"]}
    accounts = {
        a.id: a for a in session.scalars(select(EscrowAccount).where(EscrowAccount.id.in_(ids)))
    }
    names = party_names(
        session, (a.organisation_id for a in accounts.values() if a.organisation_id)
    )
    for journal in journals:
        for posting in journal["postings"]:
            account = accounts[posting["account_id"]]
            posting["account_kind"] = account.kind.value
            posting["organisation"] = names.get(account.organisation_id or 0)
    return journals


def _delivery(session: Session, contract_id: int) -> DeliveryView | None:
    entitlement = session.scalar(select(Entitlement).where(Entitlement.contract_id == contract_id))
    if entitlement is None:
        return None
    downloads = session.scalars(
        select(Download).where(Download.entitlement_id == entitlement.id).order_by(Download.id)
    )
    return DeliveryView(
        entitlement_id=entitlement.id,
        status=entitlement.status.value,
        quota=entitlement.quota,
        used=entitlement.used,
        expires_at=entitlement.expires_at,
        ledger_seq=entitlement.ledger_seq,
        downloads=[
            DownloadView(
                at=d.created_at,
                user_id=d.user_id,
                version=d.version_number,
                fingerprint=d.fingerprint,
                size_bytes=d.size_bytes,
                client_address=d.client_address,
            )
            for d in downloads
        ],
    )


def _rights(session: Session, number: str) -> TradeRights:
    """The rights records the trade opened or closed, and the licence it granted."""
    records = session.scalars(
        select(RightsRecord)
        .where(or_(RightsRecord.contract_ref == number, RightsRecord.closed_by_contract == number))
        .order_by(RightsRecord.id)
    ).all()
    grants = session.scalars(
        select(LicenceGrant).where(LicenceGrant.contract_ref == number).order_by(LicenceGrant.id)
    ).all()
    names = party_names(
        session,
        {r.holder_id for r in records} | {o for g in grants for o in (g.grantor_id, g.grantee_id)},
    )
    return TradeRights(
        records=[
            TradeRecord(**record_view(r, names), closed_by_this=r.closed_by_contract == number)
            for r in records
        ],
        grants=[grant_view(g, names) for g in grants],
    )


def _product(session: Session, product_id: int) -> DossierProduct:
    product = require_found(session.get(DataProduct, product_id))
    return DossierProduct(
        id=product.id,
        title_zh=product.title_zh,
        title_en=product.title_en,
        board_id=product.board_id,
        grade=product.grade.value,
    )


def trade_dossier(
    uow: UnitOfWork, actor: Actor, contract_id: int, *, domain: SigningDomain
) -> TradeDossier:
    """Everything about one trade, for the regulators' trade page and API (audited)."""
    require_reader(actor)
    session = uow.session
    contract = _contract(session, contract_id)
    dossier = TradeDossier(
        contract=contract_view(uow, actor, contract_id, domain=domain),
        progress=contract_progress(uow, actor, contract_id),
        product=_product(session, contract.product_id),
        negotiation=_negotiation(session, contract.negotiation_id),
        payments=[
            payment_view(p)
            for p in session.scalars(
                select(Payment).where(Payment.contract_id == contract.id).order_by(Payment.id)
            )
        ],
        escrow=_journals(session, contract.id),
        delivery=_delivery(session, contract.id),
        rights=_rights(session, contract.number),
        computations=contract_queries(session, contract.id),
        ledger=trade_entries(session, contract),
    )
    audit.record(
        session,
        "oversight.trade.view",
        actor=actor,
        subject=contract.number,
        contract_id=contract.id,
    )
    uow.commit()
    return dossier


def check_trade_proofs(
    uow: UnitOfWork, actor: Actor, contract_id: int, chain: Chain | None
) -> TradeProofs:
    """Check each of the trade's ledger entries: its inclusion in the tree, the tree's
    consistency with the anchored one, and (when the node answers) the root on chain."""
    from contracts.chain import ChainError

    require_reader(actor)
    session = uow.session
    contract = _contract(session, contract_id)
    checks: list[EntryCheck] = []
    for found in trade_entries(session, contract):
        ok: bool | None
        try:
            verdict = verify_bundle(make_bundle(session, found["seq"]), chain)
            ok, reason, steps = verdict.ok, verdict.reason, verdict.steps
            if not ok and not verdict.checkable:
                ok = None  # not on chain yet, or a reset chain: neither verified nor failed
        except ChainError as error:  # the node went away mid-check: say so, not "verified"
            verdict = verify_bundle(make_bundle(session, found["seq"]), None)
            ok, reason, steps = None, f"the chain could not be reached: {error}", verdict.steps
        checks.append(
            EntryCheck(
                seq=found["seq"],
                entry_type=found["entry_type"],
                anchor_status=found["anchor_status"],
                ok=ok,
                reason=reason,
                steps=[ProofStep(name=step.name, ok=step.ok, detail=step.detail) for step in steps],
            )
        )
    failed = [c for c in checks if c["ok"] is False]
    verified = bool(checks) and all(c["ok"] for c in checks) and chain is not None
    audit.record(
        session,
        "oversight.trade.verified",
        actor=actor,
        subject=contract.number,
        contract_id=contract.id,
        entries=len(checks),
        failed=len(failed),
    )
    uow.commit()
    return TradeProofs(
        contract_id=contract.id,
        number=contract.number,
        ok=not failed,
        verified_on_chain=verified,
        tree_size=ledger.state(session)[0],
        checks=checks,
    )
