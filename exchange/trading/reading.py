"""Reading trades for pages and the API: an organisation's contracts, how far one contract has
got (payment, entitlement, dispute, payout), one payment, an organisation's entitlements, and
the bank transfers operators must confirm."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import or_, select

from exchange.accounts.names import PartyName, party_names
from exchange.catalog.models import DataProduct
from exchange.delivery.api_keys import KeyState, key_state
from exchange.delivery.domain import EntitlementStatus
from exchange.delivery.models import Entitlement
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import PermissionDenied
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.payments.domain import Gateway, PaymentStatus, fee_of
from exchange.payments.models import Payment
from exchange.trading.contracts import load_contract, require_visible
from exchange.trading.domain import ContractStatus, Side
from exchange.trading.models import Dispute, TradeContract
from exchange.trading.payment_outcomes import PaymentView, payment_view


class ProductTitles(TypedDict, total=False):
    """A contract's product by its titles (empty should the product be gone)."""

    title_zh: str
    title_en: str


class ContractLine(TypedDict):
    """A contract as listed for the organisations that buy or sell under it."""

    id: int
    number: str
    status: ContractStatus
    side: Side
    product_id: int
    product: ProductTitles
    buyer: PartyName
    vendor: PartyName
    price: Decimal
    updated_at: datetime


class EntitlementState(TypedDict):
    """The buyer's entitlement as a contract's progress shows it."""

    id: int
    status: str
    expires_at: datetime
    api_key: KeyState | None


class DisputeState(TypedDict):
    """A contract's dispute as its progress shows it."""

    status: str
    reason: str
    decision_reason: str | None
    ledger_seq: int


class Payout(TypedDict):
    """What a settled contract paid the vendor: the price less the exchange's fee."""

    price: Decimal
    fee: Decimal
    net: Decimal


class ContractProgress(TypedDict):
    """How far a signed contract has got: payment, entitlement, dispute, payout and dates."""

    payment: PaymentView | None
    entitlement: EntitlementState | None
    dispute: DisputeState | None
    payout: Payout | None
    delivered_at: datetime | None
    acceptance_due_at: datetime | None
    settled_at: datetime | None


class TransferToConfirm(PaymentView):
    """A bank transfer awaiting an operator, with its contract, price, buyer and start."""

    contract_number: str
    price: Decimal
    buyer: PartyName
    created_at: datetime


class EntitledProduct(TypedDict):
    """The product an entitlement gives access to."""

    id: int
    title_zh: str
    title_en: str


class EntitlementLine(TypedDict):
    """An entitlement as listed for the buying organisation's members."""

    id: int
    contract_id: int
    contract_number: str
    product: EntitledProduct
    status: EntitlementStatus
    expires_at: datetime
    api: bool
    api_key: KeyState | None
    quota: int | None
    used: int
    ledger_seq: int
    created_at: datetime


def _titles(uow: UnitOfWork, product_ids: set[int]) -> dict[int, ProductTitles]:
    rows = uow.session.execute(
        select(DataProduct.id, DataProduct.title_zh, DataProduct.title_en).where(
            DataProduct.id.in_(product_ids)
        )
    )
    return {row.id: ProductTitles(title_zh=row.title_zh, title_en=row.title_en) for row in rows}


def my_contracts(uow: UnitOfWork, actor: Actor) -> list[ContractLine]:
    """The contracts of the organisations the actor buys or sells for, newest change first."""
    buying = [m.organisation_id for m in actor.memberships if Role.BUYER in m.roles]
    selling = [m.organisation_id for m in actor.memberships if Role.VENDOR in m.roles]
    if not buying and not selling:
        raise PermissionDenied()
    rows = uow.session.scalars(
        select(TradeContract)
        .where(or_(TradeContract.buyer_id.in_(buying), TradeContract.vendor_id.in_(selling)))
        .order_by(TradeContract.updated_at.desc(), TradeContract.id.desc())
    ).all()
    names = party_names(uow.session, [o for c in rows for o in (c.buyer_id, c.vendor_id)])
    titles = _titles(uow, {c.product_id for c in rows})
    return [
        ContractLine(
            id=c.id,
            number=c.number,
            status=c.status,
            side=Side.BUYER if c.buyer_id in buying else Side.VENDOR,
            product_id=c.product_id,
            product=titles.get(c.product_id, {}),
            buyer=names[c.buyer_id],
            vendor=names[c.vendor_id],
            price=c.price,
            updated_at=c.updated_at,
        )
        for c in rows
    ]


def contract_progress(uow: UnitOfWork, actor: Actor, contract_id: int) -> ContractProgress:
    """After signing: the payment, the buyer's entitlement, a dispute and the vendor's payout;
    the parties' members and supervisors only (404 to anyone else)."""
    session = uow.session
    contract = load_contract(session, contract_id)
    require_visible(actor, contract)
    payment = session.scalars(
        select(Payment).where(Payment.contract_id == contract.id).order_by(Payment.id.desc())
    ).first()
    entitlement = session.scalar(select(Entitlement).where(Entitlement.contract_id == contract.id))
    dispute = session.scalar(select(Dispute).where(Dispute.contract_id == contract.id))
    fee = fee_of(contract.price, contract.fee_rate)
    settled = contract.status == ContractStatus.SETTLED
    return ContractProgress(
        payment=payment_view(payment) if payment else None,
        entitlement=(
            EntitlementState(
                id=entitlement.id,
                status=entitlement.status.value,
                expires_at=entitlement.expires_at,
                api_key=key_state(entitlement),
            )
            if entitlement
            else None
        ),
        dispute=(
            DisputeState(
                status=dispute.status.value,
                reason=dispute.reason,
                decision_reason=dispute.decision_reason,
                ledger_seq=dispute.ledger_seq,
            )
            if dispute
            else None
        ),
        payout=(
            Payout(price=contract.price, fee=fee, net=contract.price - fee) if settled else None
        ),
        delivered_at=contract.delivered_at,
        acceptance_due_at=contract.acceptance_due_at,
        settled_at=contract.settled_at,
    )


def transfers_to_confirm(uow: UnitOfWork, actor: Actor) -> list[TransferToConfirm]:
    """Operators: bank transfers still awaiting confirmation, oldest first."""
    require_role(actor, Role.OPERATOR)
    session = uow.session
    rows = session.execute(
        select(Payment, TradeContract.number, TradeContract.buyer_id, TradeContract.price)
        .join(TradeContract, TradeContract.id == Payment.contract_id)
        .where(Payment.gateway == Gateway.BANK_TRANSFER, Payment.status == PaymentStatus.PENDING)
        .order_by(Payment.created_at, Payment.id)
    ).all()
    names = party_names(session, [row.buyer_id for row in rows])
    return [
        TransferToConfirm(
            **payment_view(row.Payment),
            contract_number=row.number,
            price=row.price,
            buyer=names[row.buyer_id],
            created_at=row.Payment.created_at,
        )
        for row in rows
    ]


def payment_detail(uow: UnitOfWork, actor: Actor, payment_id: int) -> PaymentView:
    """A payment, for those who may see its contract (404 to anyone else)."""
    payment = require_found(uow.session.get(Payment, payment_id))
    require_visible(actor, load_contract(uow.session, payment.contract_id))
    return payment_view(payment)


def my_entitlements(uow: UnitOfWork, actor: Actor) -> list[EntitlementLine]:
    """The entitlements of every organisation the actor belongs to, newest first."""
    rows = uow.session.execute(
        select(Entitlement, TradeContract.number, DataProduct.title_zh, DataProduct.title_en)
        .join(TradeContract, TradeContract.id == Entitlement.contract_id)
        .join(DataProduct, DataProduct.id == Entitlement.product_id)
        .where(Entitlement.buyer_id.in_([m.organisation_id for m in actor.memberships]))
        .order_by(Entitlement.created_at.desc(), Entitlement.id.desc())
    ).all()
    return [
        EntitlementLine(
            id=row.Entitlement.id,
            contract_id=row.Entitlement.contract_id,
            contract_number=row.number,
            product=EntitledProduct(
                id=row.Entitlement.product_id,
                title_zh=row.title_zh,
                title_en=row.title_en,
            ),
            status=row.Entitlement.status,
            expires_at=row.Entitlement.expires_at,
            api=row.Entitlement.quota is not None,
            api_key=key_state(row.Entitlement),
            quota=row.Entitlement.quota,
            used=row.Entitlement.used,
            ledger_seq=row.Entitlement.ledger_seq,
            created_at=row.Entitlement.created_at,
        )
        for row in rows
    ]
