"""The demo market's mechanics: who acts for each demo organisation, what may be traded, and one
trade walked through the real services step by step, then dated back to when it happened.

Every step runs as a page would run it, in its own unit of work with its ledger entries, at the
seed's own clock. Afterwards the trade's business rows (negotiation and rounds, contract,
signatures, payment, escrow journals, entitlement, downloads, dispute, licence grant) are given
the moments of the planned story. The ledger and the audit log are left alone: the ledger's
tables refuse updates, and both truthfully say when the seed recorded each step. The contract's
canonical text and licence period, being hashed and signed, also keep the seed's day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import IntEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contracts.signing import SigningDomain
from exchange.accounts.actors import load_actor
from exchange.accounts.models import Membership
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.domain import Grade, LicenceKind, ListingStatus, Territory
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.delivery import entitlements as delivery
from exchange.delivery.entitlements import add_months
from exchange.delivery.models import Download, Entitlement
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.payments.domain import JournalKind, PaymentStatus
from exchange.payments.models import EscrowJournal, Payment
from exchange.rights.domain import RegistrationStatus
from exchange.rights.models import LicenceGrant, RightsRegistration
from exchange.trading import negotiations, payment_outcomes, payment_start, settlement, signing_keys
from exchange.trading.domain import ContractStatus, DisputeStatus, NegotiationStatus, Side, Terms
from exchange.trading.models import (
    ContractSignature,
    Dispute,
    Negotiation,
    NegotiationRound,
    TradeContract,
)
from exchange.trading.negotiations import PROPOSING
from exchange.trading.settings import TradingSettings

PROPOSAL = "我方拟采购该数据用于业务分析，请考虑此报价。"
COUNTER = "结合采购规模与使用期限，建议按此价格成交。"
AGREED = "同意按此条件成交。"
DISPUTE = "交付文件缺少合同约定期间的部分数据，字段与样例说明不一致，申请暂缓结算。"
UPHOLD = "经核实，交付数据缺少约定期间，支持需方退款。"
DISMISS = "经核实，交付文件与合同约定一致，驳回争议，款项结算给数据商。"
# The audit action that marks one planned demo trade complete, in the commit that completes it.
TRADED = "demo.traded"


class Step(IntEnum):
    """How far a trade goes; the last four are the ways a paid delivery ends."""

    WALKED_AWAY = -1  # the vendor rejected, or the buyer withdrew from the vendor's counter
    OPEN = 0  # the negotiation waits for the side whose turn it is
    AGREED = 1  # contract awaiting signatures
    SIGNED = 2  # awaiting payment
    PAYING = 3  # bank transfer awaiting the operator
    PAID = 4  # in escrow, delivered, inside the acceptance window
    ACCEPTED = 5
    DISPUTED = 6
    UPHELD = 7
    DISMISSED = 8


@dataclass(frozen=True)
class Offer:
    """A licence offer the demo may trade: non-exclusive, on a listed, certified product."""

    product_id: int
    offer_id: int
    vendor_id: int
    grade: Grade
    terms: Terms  # at the list price


@dataclass
class Moments:
    """When each step of one trade happened; None for steps it never reached."""

    rounds: list[datetime]  # each round, the closing one (accept, reject, withdraw) included
    signed: tuple[datetime, datetime] | None = None  # vendor, then buyer
    payment: datetime | None = None  # bank transfer started
    paid: datetime | None = None  # confirmed by the operator: delivered
    closed: datetime | None = None  # delivery accepted or disputed
    decided: datetime | None = None  # dispute decided
    downloads: list[datetime] = field(default_factory=list)

    def last(self) -> datetime:
        """The latest moment of the trade."""
        found: list[datetime] = [*self.rounds, *(self.signed or ()), *self.downloads]
        found += [m for m in (self.payment, self.paid, self.closed, self.decided) if m]
        return max(found)


@dataclass(frozen=True)
class Desk:
    """What the demo's trades need from the app: trading settings, keys, the signing domain."""

    trading: TradingSettings
    domain: SigningDomain
    master_key: str
    secret: str  # signs download links
    files: DataFiles


@dataclass(frozen=True)
class Done:
    """A trade as the services left it."""

    negotiation_id: int
    contract_id: int | None
    number: str | None


def tradable_offers(session: Session) -> list[Offer]:
    """Every offer a vendor may contract on now: certified rights, not exclusive, not global."""
    rows = session.execute(
        select(LicenceOffer, DataProduct.vendor_id, DataProduct.grade)
        .join(DataProduct, DataProduct.id == LicenceOffer.product_id)
        .join(RightsRegistration, RightsRegistration.product_id == DataProduct.id)
        .where(
            DataProduct.status == ListingStatus.LISTED,
            RightsRegistration.status == RegistrationStatus.CERTIFIED,
            LicenceOffer.is_active.is_(True),
            LicenceOffer.kind == LicenceKind.NON_EXCLUSIVE,
            LicenceOffer.territory != Territory.GLOBAL,
        )
        .order_by(LicenceOffer.id)
    ).all()
    return [
        Offer(
            o.product_id,
            o.id,
            vendor_id,
            Grade(grade),
            Terms(o.price, o.scope, o.term_months, o.territory, False, o.seats, o.derivative),
        )
        for o, vendor_id, grade in rows
    ]


class Market:
    """Trades between demo organisations, each acted by the organisation's first member."""

    def __init__(self, uow: UnitOfWork, desk: Desk, operator: Actor) -> None:
        self.uow, self.desk, self.operator = uow, desk, operator
        self._actors: dict[int, Actor] = {}

    def actor(self, organisation_id: int) -> Actor:
        """The organisation's first member, who acts for it in the demo."""
        if organisation_id not in self._actors:
            user_id = self.uow.session.scalar(
                select(Membership.user_id)
                .where(Membership.organisation_id == organisation_id)
                .order_by(Membership.id)
                .limit(1)
            )
            found = load_actor(self.uow.session, user_id or 0)
            assert found is not None, organisation_id
            self._actors[organisation_id] = found
        return self._actors[organisation_id]

    def trade(
        self,
        buyer_id: int,
        offer: Offer,
        prices: list[Decimal],
        moments: Moments,
        until: Step,
        *,
        key: str | None = None,
        resume: int | None = None,
    ) -> Done:
        """Negotiate over `prices` (the buyer's proposal, then alternate counters), go on as
        far as `until`, and give the rows the planned moments. With `resume`, the negotiation
        an interrupted seed began: only the steps it has not taken yet are taken. With `key`,
        the trade is marked complete under it in the commit that completes it."""
        done = self._negotiate(buyer_id, offer, prices, until, resume)
        if done.contract_id is not None:
            self._carry_out(buyer_id, offer, done.contract_id, until, len(moments.downloads))
        backdate(self.uow.session, done, moments, until, self.desk, offer.terms.term_months)
        if key is not None:
            audit.record(self.uow.session, TRADED, subject=key, negotiation_id=done.negotiation_id)
        self.uow.commit()
        return done

    def _negotiate(
        self, buyer_id: int, offer: Offer, prices: list[Decimal], until: Step, resume: int | None
    ) -> Done:
        uow, setup, session = self.uow, self.desk.trading, self.uow.session
        sides = {Side.BUYER: self.actor(buyer_id), Side.VENDOR: self.actor(offer.vendor_id)}
        negotiation_id = resume
        if negotiation_id is None:
            negotiation_id = negotiations.propose(
                uow,
                sides[Side.BUYER],
                offer.offer_id,
                replace(offer.terms, price=prices[0]),
                PROPOSAL,
                expiry_hours=setup.expiry_hours,
            )["id"]
        taken = _rounds(session, negotiation_id)
        turn = Side.VENDOR
        for number, price in enumerate(prices[1:], 2):
            if number > taken:
                negotiations.counter(
                    uow,
                    sides[turn],
                    negotiation_id,
                    replace(offer.terms, price=price),
                    COUNTER,
                    expiry_hours=setup.expiry_hours,
                )
            turn = turn.other
        contract = session.execute(
            select(TradeContract.id, TradeContract.number).where(
                TradeContract.negotiation_id == negotiation_id
            )
        ).first()
        if contract is not None:
            return Done(negotiation_id, contract.id, contract.number)
        if until >= Step.AGREED:
            agreed = negotiations.accept(
                uow,
                sides[turn],
                negotiation_id,
                AGREED,
                fee_rate=setup.fee_rate,
                acceptance_days=setup.acceptance_days,
            )
            return Done(negotiation_id, agreed["contract_id"], agreed["contract_number"])
        still_open = session.scalar(
            select(Negotiation.status).where(Negotiation.id == negotiation_id)
        )
        if until == Step.WALKED_AWAY and still_open == NegotiationStatus.OPEN:
            if turn == Side.VENDOR:
                negotiations.reject(uow, sides[turn], negotiation_id)
            else:
                negotiations.withdraw(uow, sides[turn], negotiation_id)
        return Done(negotiation_id, None, None)

    def _carry_out(
        self, buyer_id: int, offer: Offer, contract_id: int, until: Step, downloads: int
    ) -> None:
        """Sign, pay, confirm, download and close, as far as `until`, skipping each step an
        interrupted seed already took."""
        uow, desk, session = self.uow, self.desk, self.uow.session
        buyer, vendor = self.actor(buyer_id), self.actor(offer.vendor_id)
        if until < Step.SIGNED:
            return
        signed = set(
            session.scalars(
                select(ContractSignature.side).where(ContractSignature.contract_id == contract_id)
            )
        )
        for side, signer in ((Side.VENDOR, vendor), (Side.BUYER, buyer)):
            if side not in signed:
                signing_keys.sign_contract(
                    uow, signer, contract_id, master_key=desk.master_key, domain=desk.domain
                )
        if until < Step.PAYING:
            return
        bank = desk.trading.gateway("bank_transfer")
        payment = session.execute(
            select(Payment.id, Payment.amount, Payment.status)
            .where(Payment.contract_id == contract_id)
            .order_by(Payment.id.desc())
            .limit(1)
        ).first()
        if payment is None:
            started = payment_start.start_payment(uow, buyer, contract_id, gateway=bank)
            payment_id, amount, pending = started["id"], started["amount"], True
        else:
            payment_id, amount = payment.id, payment.amount
            pending = payment.status == PaymentStatus.PENDING
        if until < Step.PAID:
            return
        if pending:
            paid = payment_outcomes.confirm_bank_transfer(
                uow, self.operator, payment_id, amount=amount
            )
            assert paid["status"] == "succeeded", paid
        self._download(buyer, contract_id, downloads)
        status = session.scalar(select(TradeContract.status).where(TradeContract.id == contract_id))
        if until == Step.ACCEPTED and status == ContractStatus.IN_ESCROW:
            settlement.accept_delivery(uow, buyer, contract_id)
        elif until >= Step.DISPUTED and status == ContractStatus.IN_ESCROW:
            settlement.open_dispute(uow, buyer, contract_id, DISPUTE)
        decided = session.scalar(select(Dispute.status).where(Dispute.contract_id == contract_id))
        if until in (Step.UPHELD, Step.DISMISSED) and decided == DisputeStatus.OPEN:
            upheld = until == Step.UPHELD
            settlement.decide_dispute(
                uow,
                self.operator,
                contract_id,
                "uphold" if upheld else "reject",
                UPHOLD if upheld else DISMISS,
                gateway=bank,
            )

    def _download(self, buyer: Actor, contract_id: int, times: int) -> None:
        if not times:
            return
        desk, lifetime = self.desk, self.desk.trading.link_seconds
        entitlement_id = self.uow.session.scalar(
            select(Entitlement.id).where(Entitlement.contract_id == contract_id)
        )
        assert entitlement_id is not None
        made = self.uow.session.scalar(
            select(func.count())
            .select_from(Download)
            .where(Download.entitlement_id == entitlement_id)
        )
        for _ in range(times - (made or 0)):
            link = delivery.download_link(
                self.uow, buyer, entitlement_id, secret=desk.secret, lifetime=lifetime
            )
            delivery.open_download(
                self.uow, link.token, secret=desk.secret, lifetime=lifetime, files=desk.files
            )


def _rounds(session: Session, negotiation_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(NegotiationRound)
            .where(NegotiationRound.negotiation_id == negotiation_id)
        )
        or 0
    )


def backdate(
    session: Session,
    done: Done,
    moments: Moments,
    until: Step,
    desk: Desk,
    term_months: int,
) -> None:
    """Give one trade's business rows the moments of its story (never the ledger's rows)."""
    m, n = moments, done.negotiation_id
    for number, at in enumerate(m.rounds, 1):
        session.execute(
            update(NegotiationRound)
            .where(NegotiationRound.negotiation_id == n, NegotiationRound.number == number)
            .values(created_at=at)
        )
    proposals = session.scalar(
        select(func.count())
        .select_from(NegotiationRound)
        .where(NegotiationRound.negotiation_id == n, NegotiationRound.action.in_(PROPOSING))
    )
    proposed = m.rounds[(proposals or 1) - 1]  # the clock restarts with every proposal
    session.execute(
        update(Negotiation)
        .where(Negotiation.id == n)
        .values(
            created_at=m.rounds[0],
            updated_at=m.rounds[-1],
            expires_at=proposed + timedelta(hours=desk.trading.expiry_hours),
        )
    )
    if done.contract_id is None:
        return
    c = done.contract_id
    settled = m.closed if until == Step.ACCEPTED else m.decided if until == Step.DISMISSED else None
    values: dict[str, object] = {"created_at": m.rounds[-1], "updated_at": m.last()}
    if m.paid is not None:
        due = m.paid + timedelta(days=desk.trading.acceptance_days)
        values |= {"delivered_at": m.paid, "acceptance_due_at": due, "settled_at": settled}
    session.execute(update(TradeContract).where(TradeContract.id == c).values(**values))
    for side, at in zip((Side.VENDOR, Side.BUYER), m.signed or (), strict=False):
        session.execute(
            update(ContractSignature)
            .where(ContractSignature.contract_id == c, ContractSignature.side == side)
            .values(created_at=at)
        )
    if m.payment is None:
        return
    refunded = m.decided if until == Step.UPHELD else None
    session.execute(
        update(Payment)
        .where(Payment.contract_id == c)
        .values(
            created_at=m.payment,
            updated_at=refunded or m.paid or m.payment,
            confirmed_at=m.paid,
            refunded_at=refunded,
        )
    )
    if m.paid is None:
        return
    journals: dict[JournalKind, datetime | None] = {
        JournalKind.PAYMENT: m.paid,
        JournalKind.RELEASE: settled,
        JournalKind.REFUND: refunded,
    }
    for kind, moment in journals.items():
        if moment is not None:
            session.execute(
                update(EscrowJournal)
                .where(EscrowJournal.contract_id == c, EscrowJournal.kind == kind)
                .values(created_at=moment)
            )
    session.execute(
        update(Entitlement)
        .where(Entitlement.contract_id == c)
        .values(created_at=m.paid, expires_at=add_months(m.paid, term_months))
    )
    session.execute(
        update(LicenceGrant)
        .where(LicenceGrant.contract_ref == done.number)
        .values(created_at=m.paid)
    )
    ids = session.scalars(
        select(Download.id)
        .join(Entitlement, Entitlement.id == Download.entitlement_id)
        .where(Entitlement.contract_id == c)
        .order_by(Download.id)
    ).all()
    for download_id, at in zip(ids, m.downloads, strict=True):
        session.execute(update(Download).where(Download.id == download_id).values(created_at=at))
    if until >= Step.DISPUTED:
        session.execute(
            update(Dispute)
            .where(Dispute.contract_id == c)
            .values(created_at=m.closed, decided_at=m.decided)
        )
