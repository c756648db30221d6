"""The demo market's mechanics: who acts for each demo organisation, what may be traded, and one
trade walked through the real services step by step, each at the moment its story says.

Every step runs as a page would run it, in its own unit of work with its ledger entries, and is
given its planned moment as the service's `now`: the services write every business row of the
step (negotiation and rounds, contract with its canonical text and licence period, signatures
and signing keys, payment, escrow journals, entitlement, downloads, dispute, licence grant) at
that moment, so nothing is rewritten afterwards. The ledger and the audit log keep the real
clock: the services never pass `now` to them, so both truthfully say when the seed recorded
each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import IntEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contracts.signing import SigningDomain
from exchange.accounts.actors import load_actor
from exchange.accounts.models import Membership
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.domain import Access, Grade, LicenceKind, ListingStatus, Territory
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.delivery import entitlements as delivery
from exchange.delivery.models import Download, Entitlement
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.payments.domain import PaymentStatus
from exchange.payments.models import Payment
from exchange.rights.domain import RegistrationStatus
from exchange.rights.models import RightsRegistration
from exchange.trading import negotiations, payment_outcomes, payment_start, settlement, signing_keys
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.domain import ContractStatus, DisputeStatus, NegotiationStatus, Side, Terms
from exchange.trading.models import (
    ContractSignature,
    Dispute,
    Negotiation,
    NegotiationRound,
    TradeContract,
)
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
    """Every offer a vendor may contract on now: certified rights, not exclusive, not global,
    and for a copy or API calls (the demo's computation licences are its own: demo.compute)."""
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
            LicenceOffer.access != Access.COMPUTATION,
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


def first_member(session: Session, organisation_id: int) -> Actor:
    """The organisation's first member, who acts for it in the demo."""
    user_id = session.scalar(
        select(Membership.user_id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Membership.id)
        .limit(1)
    )
    found = load_actor(session, user_id or 0)
    assert found is not None, organisation_id
    return found


class Market:
    """Trades between demo organisations, each acted by the organisation's first member; the
    signing keys the exchange makes for them are dated `keys_made`, before any trade's story."""

    def __init__(self, uow: UnitOfWork, desk: Desk, operator: Actor, keys_made: datetime) -> None:
        self.uow, self.desk, self.operator, self.keys_made = uow, desk, operator, keys_made
        self._actors: dict[int, Actor] = {}

    def actor(self, organisation_id: int) -> Actor:
        """The organisation's first member, who acts for it in the demo."""
        if organisation_id not in self._actors:
            self._actors[organisation_id] = first_member(self.uow.session, organisation_id)
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
        """Negotiate over `prices` (the buyer's proposal, then alternate counters) and go on as
        far as `until`, each step at its planned moment. With `resume`, the negotiation an
        interrupted seed began: only the steps it has not taken yet are taken. With `key`, the
        trade is marked complete under it in the commit that completes it."""
        done = self._negotiate(buyer_id, offer, prices, moments, until, resume)
        if done.contract_id is not None:
            self._carry_out(buyer_id, offer, done.contract_id, moments, until)
        if key is not None:
            audit.record(self.uow.session, TRADED, subject=key, negotiation_id=done.negotiation_id)
        self.uow.commit()
        return done

    def _negotiate(
        self,
        buyer_id: int,
        offer: Offer,
        prices: list[Decimal],
        moments: Moments,
        until: Step,
        resume: int | None,
    ) -> Done:
        uow, setup, session, at = self.uow, self.desk.trading, self.uow.session, moments.rounds
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
                now=at[0],
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
                    now=at[number - 1],
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
                now=at[-1],
            )
            return Done(negotiation_id, agreed["contract_id"], agreed["contract_number"])
        still_open = session.scalar(
            select(Negotiation.status).where(Negotiation.id == negotiation_id)
        )
        if until == Step.WALKED_AWAY and still_open == NegotiationStatus.OPEN:
            if turn == Side.VENDOR:
                negotiations.reject(uow, sides[turn], negotiation_id, now=at[-1])
            else:
                negotiations.withdraw(uow, sides[turn], negotiation_id, now=at[-1])
        return Done(negotiation_id, None, None)

    def _carry_out(
        self, buyer_id: int, offer: Offer, contract_id: int, moments: Moments, until: Step
    ) -> None:
        """Sign, pay, confirm, download and close, as far as `until` and each at its moment,
        skipping each step an interrupted seed already took."""
        uow, desk, session, m = self.uow, self.desk, self.uow.session, moments
        buyer, vendor = self.actor(buyer_id), self.actor(offer.vendor_id)
        if until < Step.SIGNED:
            return
        assert m.signed is not None
        for organisation_id in (offer.vendor_id, buyer_id):  # made before any story's trade
            signing_keys.ensure_key(session, organisation_id, desk.master_key, now=self.keys_made)
        signed = set(
            session.scalars(
                select(ContractSignature.side).where(ContractSignature.contract_id == contract_id)
            )
        )
        for side, signer, at in (
            (Side.VENDOR, vendor, m.signed[0]),
            (Side.BUYER, buyer, m.signed[1]),
        ):
            if side not in signed:
                signing_keys.sign_contract(
                    uow, signer, contract_id, master_key=desk.master_key, domain=desk.domain, now=at
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
            started = payment_start.start_payment(
                uow, buyer, contract_id, gateway=bank, now=m.payment
            )
            payment_id, amount, pending = started["id"], started["amount"], True
        else:
            payment_id, amount = payment.id, payment.amount
            pending = payment.status == PaymentStatus.PENDING
        if until < Step.PAID:
            return
        if pending:
            paid = payment_outcomes.confirm_bank_transfer(
                uow, self.operator, payment_id, amount=amount, now=m.paid
            )
            assert paid["status"] == "succeeded", paid
        self._download(buyer, contract_id, m.downloads)
        status = session.scalar(select(TradeContract.status).where(TradeContract.id == contract_id))
        if until == Step.ACCEPTED and status == ContractStatus.IN_ESCROW:
            settlement.accept_delivery(uow, buyer, contract_id, now=m.closed)
        elif until >= Step.DISPUTED and status == ContractStatus.IN_ESCROW:
            settlement.open_dispute(uow, buyer, contract_id, DISPUTE, now=m.closed)
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
                now=m.decided,
            )

    def _download(self, buyer: Actor, contract_id: int, moments: list[datetime]) -> None:
        """The buyer's downloads at their moments, less those an interrupted seed made."""
        if not moments:
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
        for at in moments[made or 0 :]:
            link = delivery.download_link(
                self.uow,
                buyer,
                entitlement_id,
                secret=desk.secret,
                lifetime=lifetime,
                now=at,
                contracts=trade_contract,
            )
            delivery.open_download(
                self.uow,
                link.token,
                secret=desk.secret,
                lifetime=lifetime,
                files=desk.files,
                now=at,
                contracts=trade_contract,
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
