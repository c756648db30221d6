"""The regulators' market dashboard in tests: a floor of trades made through the real services
(placed in other months by moving their contracts' `created_at`, the trade date the dashboard
reads; ledger rows are never touched), and the dashboard and its audit events as a person reads
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select, update

from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.oversight.dashboard import MarketDashboard, market_dashboard
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.contracts import add_months
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.catalog import Person, person, review, submit
from tests.rights import actor, certify, own_product
from tests.trading import accept, act, propose, sign, terms

TODAY = datetime.now(UTC).date()
THIS_MONTH = TODAY.replace(day=1)
TWO_MONTHS_AGO = add_months(THIS_MONTH, -2) + timedelta(days=14)
A_YEAR_AGO = add_months(THIS_MONTH, -12) + timedelta(days=14)  # outside the default period
VIEWED = "oversight.dashboard.view"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Floor:
    """Two vendors, two buyers and the supervisors, with three trades in the default period,
    one a year ago, one refunded and one never paid."""

    copper: Person  # vendor of two products
    tungsten: Person  # vendor of one
    smelter: Person  # buyer
    battery_maker: Person  # buyer
    operator: Person
    regulator: Person


def listed(client, vendor: Person, operator: Person, regulator: Person, **product) -> int:
    """A product taken through review (a regulator's too for important data) with its rights
    certified; its offer's id."""
    made = own_product(client, vendor, **product)
    assert submit(client, vendor, made["id"]).status_code == 200
    status = review(client, operator, made["id"]).get_json()["status"]
    if status == "in_review":
        status = review(client, regulator, made["id"]).get_json()["status"]
    assert status == "listed"
    certify(client.application, vendor, made["id"])
    return int(made["offers"][0]["id"])


def signed(app, vendor: Person, buyer: Person, offer_id: int, price: str) -> int:
    """A contract both sides signed at this price; its id."""
    contract_id = accept(app, vendor, propose(app, buyer, offer_id, terms(price=Decimal(price))))
    sign(app, vendor, contract_id)
    sign(app, buyer, contract_id)
    return contract_id


def paid(app, floor: Floor, vendor: Person, buyer: Person, offer_id: int, price: str) -> int:
    """A signed contract paid by bank transfer and confirmed: in escrow; its id."""
    contract_id = signed(app, vendor, buyer, offer_id, price)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, floor.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=price)
    return contract_id


def agreed_on(app, contract_id: int, day: date) -> None:
    """Move the contract's trade date (its created_at) to noon of another day."""
    with app.app_context():
        moment = datetime.combine(day, time(12), tzinfo=UTC)
        db.session.execute(
            update(TradeContract).where(TradeContract.id == contract_id).values(created_at=moment)
        )
        db.session.commit()
        db.session.remove()


def status_of(app, contract_id: int) -> ContractStatus:
    with app.app_context():
        status = db.session.get(TradeContract, contract_id).status
        db.session.remove()
    return status


def people(app) -> Floor:
    return Floor(
        copper=person(app, [Role.VENDOR]),
        tungsten=person(app, [Role.VENDOR]),
        smelter=person(app, [Role.BUYER]),
        battery_maker=person(app, [Role.BUYER]),
        operator=person(app, [Role.OPERATOR]),
        regulator=person(app, [Role.REGULATOR]),
    )


def build_floor(app: Flask) -> Floor:
    """The market the tally tests read (see Floor)."""
    client = app.test_client()
    floor = people(app)
    copper_prices = listed(
        client,
        floor.copper,
        floor.operator,
        floor.regulator,
        board="nonferrous",
        regions=["yingtan", "nanchang"],
    )
    cell_data = listed(
        client,
        floor.copper,
        floor.operator,
        floor.regulator,
        board="lithium",
        regions=["yichun"],
        grade="important",
        grade_justification="涉及产业链产能布局，属重要数据。",
    )
    tungsten_stocks = listed(
        client, floor.tungsten, floor.operator, floor.regulator, board="nonferrous", regions=[]
    )
    # Settled, two months ago: 10,000.
    settled = paid(app, floor, floor.copper, floor.smelter, copper_prices, "10000.00")
    act(app, floor.smelter, settlement.accept_delivery, settled)
    agreed_on(app, settled, TWO_MONTHS_AGO)
    # In escrow, this month: 30,000 of important data.
    paid(app, floor, floor.copper, floor.battery_maker, cell_data, "30000.00")
    # Disputed, this month: 5,000 of a product naming no region.
    disputed = paid(app, floor, floor.tungsten, floor.smelter, tungsten_stocks, "5000.00")
    act(app, floor.smelter, settlement.open_dispute, disputed, "缺少约定的字段。")
    # Paid a year ago: outside the default period.
    old = paid(app, floor, floor.copper, floor.smelter, cell_data, "7000.00")
    agreed_on(app, old, A_YEAR_AGO)
    # Refunded after an upheld dispute, and signed but never paid: neither is a trade.
    refunded = paid(app, floor, floor.copper, floor.battery_maker, copper_prices, "2000.00")
    act(app, floor.battery_maker, settlement.open_dispute, refunded, "数据不符。")
    act(app, floor.operator, settlement.decide_dispute, refunded, "uphold", "卖方交付不符。")
    unpaid = signed(app, floor.tungsten, floor.battery_maker, tungsten_stocks, "900.00")
    assert status_of(app, refunded) == ContractStatus.REFUNDED
    assert status_of(app, unpaid) == ContractStatus.AWAITING_PAYMENT
    assert status_of(app, disputed) == ContractStatus.DISPUTED
    return floor


def dashboard(app, who: Person, **period) -> MarketDashboard:
    """The dashboard as the person sees it, through its own unit of work."""
    with app.app_context():
        try:
            return market_dashboard(uow(), actor(who), **period)
        finally:
            db.session.remove()


def audit_events(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == VIEWED).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        db.session.remove()
    return list(rows)


def tallies(rows, key: str) -> list[tuple]:
    return [(getattr(row, key), row.trades, row.value) for row in rows]
