"""Settlement: the buyer accepts delivery or disputes it within the window; escrow goes to the
vendor less the fee, or back to the buyer when an operator upholds a dispute.

Acceptance, or the window's end with no dispute, releases escrow (vendor payable and fee
revenue) and settles the contract. A dispute holds the money until an operator decides it:
upheld, the buyer is refunded, the entitlement revoked and the rights moved back (an exclusive
licence's operation right returns to the vendor; a licence grant ends); rejected, escrow is
released as on acceptance. Each step is a ledger entry in the same unit of work as its change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.delivery.domain import EntitlementStatus
from exchange.delivery.models import Entitlement
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event
from exchange.payments import escrow
from exchange.payments.domain import fee_of
from exchange.payments.gateways import PaymentGateway
from exchange.rights import transfers as rights_transfers
from exchange.rights.domain import GrantStatus, RightKind
from exchange.rights.models import LicenceGrant
from exchange.trading import payment_outcomes
from exchange.trading.domain import ContractStatus, DisputeStatus
from exchange.trading.flow import contract_scope
from exchange.trading.models import Dispute, TradeContract

DECISIONS = ("uphold", "reject")
MAX_REASON = 4000


def accept_delivery(
    uow: UnitOfWork, actor: Actor, contract_id: int, *, now: datetime | None = None
) -> TradeContract:
    """The buyer accepts what was delivered: escrow is released to the vendor at once."""
    session = uow.session
    now = now or utcnow()
    contract = _buyers_contract(session, actor, contract_id)
    _require_in_escrow(contract)
    entry = record_event(
        session,
        "trade.acceptance",
        {"contract_id": contract.id, "contract_number": contract.number},
        parties=_parties(contract),
    )
    _release(session, contract, f"accepted in ledger entry {entry.seq}", now)
    audit.record(
        session,
        "trade.accepted",
        actor=actor,
        organisation_id=contract.buyer_id,
        subject=contract.number,
    )
    uow.commit()
    return contract


def open_dispute(
    uow: UnitOfWork, actor: Actor, contract_id: int, reason: str, *, now: datetime | None = None
) -> Dispute:
    """The buyer disputes delivery within the acceptance window; escrow waits for an operator."""
    session = uow.session
    now = now or utcnow()
    contract = _buyers_contract(session, actor, contract_id)
    _require_in_escrow(contract)
    if contract.acceptance_due_at is not None and now >= contract.acceptance_due_at:
        raise Conflict(
            N_("The window to dispute this delivery closed on %(day)s."),
            day=contract.acceptance_due_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    reason = _reason(reason)
    entry = record_event(
        session,
        "trade.dispute",
        {"contract_id": contract.id, "contract_number": contract.number, "reason": reason},
        parties=_parties(contract),
    )
    dispute = Dispute(
        contract_id=contract.id,
        raised_by_id=actor.user_id,
        reason=reason,
        status=DisputeStatus.OPEN,
        ledger_seq=entry.seq,
        created_at=now,
    )
    session.add(dispute)
    contract.status = ContractStatus.DISPUTED
    contract.updated_at = now
    audit.record(
        session,
        "trade.disputed",
        actor=actor,
        organisation_id=contract.buyer_id,
        subject=contract.number,
    )
    uow.commit()
    return dispute


def decide_dispute(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    decision: str,
    reason: str,
    *,
    gateway: PaymentGateway | None = None,
    now: datetime | None = None,
) -> TradeContract:
    """An operator upholds (refund) or rejects (release) the buyer's dispute."""
    require_role(actor, Role.OPERATOR)
    session = uow.session
    now = now or utcnow()
    contract = _locked(session, contract_id)
    if decision not in DECISIONS:
        raise ValidationFailed.on("decision", N_("Choose uphold or reject."))
    reason = _reason(reason)
    dispute = session.scalar(select(Dispute).where(Dispute.contract_id == contract.id))
    if contract.status != ContractStatus.DISPUTED or dispute is None:
        raise Conflict(N_("This contract has no dispute awaiting a decision."))
    upheld = decision == "uphold"
    entry = record_event(
        session,
        "trade.dispute_decision",
        {
            "contract_id": contract.id,
            "contract_number": contract.number,
            "decision": "upheld" if upheld else "rejected",
            "reason": reason,
        },
        parties=_parties(contract),
    )
    dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    dispute.decided_by_id = actor.user_id
    dispute.decision_reason = reason
    dispute.decided_at = now
    if upheld:
        _unwind(session, contract, now)
        payment_outcomes.refund(session, contract, reason=reason, now=now, gateway=gateway)
    else:
        _release(session, contract, f"dispute rejected in ledger entry {entry.seq}", now)
    audit.record(
        session,
        "trade.dispute_decided",
        actor=actor,
        subject=contract.number,
        decision=decision,
    )
    uow.commit()
    return contract


def settle_due(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Release every contract whose acceptance window ended undisputed; how many."""
    session = uow.session
    now = now or utcnow()
    due = session.scalars(
        select(TradeContract.id).where(
            TradeContract.status == ContractStatus.IN_ESCROW,
            TradeContract.acceptance_due_at <= now,
        )
    ).all()
    settled = 0
    for contract_id in due:
        contract = _locked(session, contract_id)
        if contract.status != ContractStatus.IN_ESCROW:  # decided meanwhile
            session.rollback()
            continue
        _release(session, contract, "the acceptance window ended", now)
        uow.commit()
        settled += 1
    return settled


def _release(session: Session, contract: TradeContract, why: str, now: datetime) -> None:
    fee = fee_of(contract.price, contract.fee_rate)
    entry = record_event(
        session,
        "trade.settlement",
        {
            "contract_id": contract.id,
            "contract_number": contract.number,
            "price": f"{contract.price:.2f}",
            "fee": f"{fee:.2f}",
            "to_vendor": f"{contract.price - fee:.2f}",
            "why": why,
        },
        parties=_parties(contract),
    )
    escrow.post_release(session, contract, ledger_seq=entry.seq, now=now)
    contract.status = ContractStatus.SETTLED
    contract.settled_at = now
    contract.updated_at = now


def _unwind(session: Session, contract: TradeContract, now: datetime) -> None:
    """An upheld dispute takes back what the payment gave: the data and the rights."""
    entitlement = session.scalar(select(Entitlement).where(Entitlement.contract_id == contract.id))
    if entitlement is not None:
        entitlement.status = EntitlementStatus.REVOKED
    if contract.terms["exclusive"]:
        rights_transfers.transfer_right(
            session,
            product_id=contract.product_id,
            right=RightKind.OPERATION,
            seller_id=contract.buyer_id,
            buyer_id=contract.vendor_id,
            scope=contract_scope(contract),
            contract_ref=contract.number,
            now=now,
        )
        return
    for grant in session.scalars(
        select(LicenceGrant).where(LicenceGrant.contract_ref == contract.number)
    ):
        grant.status = GrantStatus.ENDED


def _buyers_contract(session: Session, actor: Actor, contract_id: int) -> TradeContract:
    contract = _locked(session, contract_id)
    membership = actor.membership(contract.buyer_id)
    if membership is None:
        if actor.is_member(contract.vendor_id):
            raise PermissionDenied(N_("Only the buyer accepts or disputes a delivery."))
        raise NotFound()
    if Role.BUYER not in membership.roles:
        raise PermissionDenied(N_("Only the buyer accepts or disputes a delivery."))
    return contract


def _require_in_escrow(contract: TradeContract) -> None:
    if contract.status != ContractStatus.IN_ESCROW:
        raise Conflict(
            N_("Only a delivery paid into escrow and not yet settled can be accepted or disputed.")
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.on("reason", N_("Give a reason."))
    if len(reason) > MAX_REASON:
        raise ValidationFailed.on(
            "reason", N_("Keep the reason within %(count)s characters."), count=MAX_REASON
        )
    return reason


def _parties(contract: TradeContract) -> list[int]:
    return [contract.buyer_id, contract.vendor_id]


def _locked(session: Session, contract_id: int) -> TradeContract:
    return require_found(
        session.scalar(
            select(TradeContract)
            .where(TradeContract.id == contract_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
