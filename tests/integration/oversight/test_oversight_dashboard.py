"""The regulators' market dashboard over trades made through the real services, on SQLite and
PostgreSQL: the monthly, board, region, party and grade tallies, the review queue, the period's
checks, who may read it, and the audit event each view leaves.

Trades are made today by the services; to place one in another month the test then moves its
contract's `created_at` (the trade date the dashboard reads). Ledger rows are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, update

from exchange.catalog.domain import Grade
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import PermissionDenied, ValidationFailed
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.oversight.dashboard import MarketDashboard, market_dashboard
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.contracts import add_months
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.api.helpers import MATRIX_ROLES, RolePeople
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


@pytest.fixture
def floor(app, client) -> Floor:
    """The market the tally tests read (see Floor)."""
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


# The tallies


def test_only_paid_trades_of_the_period_count_at_their_contract_price(app, floor):
    seen = dashboard(app, floor.regulator)
    assert (seen.trades, seen.value) == (3, Decimal("45000.00"))


def test_every_month_of_the_period_appears_with_zero_where_nothing_traded(app, floor):
    months = dashboard(app, floor.regulator).by_month

    assert len(months) == 12
    assert months[0].month == add_months(THIS_MONTH, -11)
    assert [row.month for row in months] == [add_months(THIS_MONTH, n) for n in range(-11, 1)]
    traded = {row.month: (row.trades, row.value) for row in months if row.trades}
    assert traded == {
        TWO_MONTHS_AGO.replace(day=1): (1, Decimal("10000.00")),
        THIS_MONTH: (2, Decimal("35000.00")),
    }
    assert all(row.value == ZERO for row in months if not row.trades)
    assert months[-1].key == THIS_MONTH.strftime("%Y-%m")


def test_boards_are_tallied_by_the_products_board_highest_value_first(app, floor):
    boards = dashboard(app, floor.regulator).by_board
    assert [(b.code, b.name_zh, b.name_en, b.trades, b.value) for b in boards] == [
        ("lithium", "锂电", "Lithium battery", 1, Decimal("30000.00")),
        ("nonferrous", "有色金属", "Non-ferrous metals", 2, Decimal("15000.00")),
    ]


def test_a_trade_counts_in_each_of_its_products_regions(app, floor):
    regions = dashboard(app, floor.regulator).by_region
    assert tallies(regions, "region") == [
        ("yichun", 1, Decimal("30000.00")),
        ("nanchang", 1, Decimal("10000.00")),  # ties go in the regions' own order
        ("yingtan", 1, Decimal("10000.00")),
        (None, 1, Decimal("5000.00")),  # the product naming no region
    ]
    assert [r.label for r in regions] == ["Yichun", "Nanchang", "Yingtan", "No region given"]


def test_top_vendors_rank_by_value_with_their_counts(app, floor):
    vendors = dashboard(app, floor.regulator).top_vendors
    assert tallies(vendors, "organisation_id") == [
        (floor.copper.organisation_id, 2, Decimal("40000.00")),
        (floor.tungsten.organisation_id, 1, Decimal("5000.00")),
    ]
    assert all(v.name_zh and v.name_en for v in vendors)


def test_top_buyers_rank_by_value_not_by_count(app, floor):
    buyers = dashboard(app, floor.regulator).top_buyers
    assert tallies(buyers, "organisation_id") == [
        (floor.battery_maker.organisation_id, 1, Decimal("30000.00")),
        (floor.smelter.organisation_id, 2, Decimal("15000.00")),
    ]


def test_only_the_ten_biggest_buyers_are_shown(app, client):
    floor = people(app)
    offer_id = listed(client, floor.copper, floor.operator, floor.regulator)
    buyers = [person(app, [Role.BUYER]) for _ in range(11)]
    for n, buyer in enumerate(buyers, start=1):  # the first buys least
        paid(app, floor, floor.copper, buyer, offer_id, f"{n * 1000}.00")

    top = dashboard(app, floor.regulator).top_buyers

    assert [b.organisation_id for b in top] == [b.organisation_id for b in buyers[:0:-1]]
    assert (top[0].value, top[-1].value) == (Decimal("11000.00"), Decimal("2000.00"))


def test_every_grade_appears_with_its_count_and_value(app, floor):
    grades = dashboard(app, floor.regulator).by_grade
    assert tallies(grades, "grade") == [
        (Grade.GENERAL, 2, Decimal("15000.00")),
        (Grade.IMPORTANT, 1, Decimal("30000.00")),
        (Grade.CORE, 0, ZERO),
    ]
    assert [g.label for g in grades] == ["General data", "Important data", "Core data"]


def test_a_period_restricts_every_tally(app, floor):
    seen = dashboard(
        app, floor.regulator, date_from=add_months(THIS_MONTH, -12), date_to=TWO_MONTHS_AGO
    )
    assert (seen.trades, seen.value) == (2, Decimal("17000.00"))
    assert len(seen.by_month) == 11
    assert [(row.trades, row.value) for row in seen.by_month if row.trades] == [
        (1, Decimal("7000.00")),
        (1, Decimal("10000.00")),
    ]
    assert tallies(seen.top_vendors, "organisation_id") == [
        (floor.copper.organisation_id, 2, Decimal("17000.00"))
    ]
    assert tallies(seen.by_board, "code") == [
        ("nonferrous", 1, Decimal("10000.00")),
        ("lithium", 1, Decimal("7000.00")),
    ]
    assert [(g.trades, g.value) for g in seen.by_grade] == [
        (1, Decimal("10000.00")),
        (1, Decimal("7000.00")),
        (0, ZERO),
    ]


def test_the_database_groups_the_trades_in_one_statement(app, floor):
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement.lower())

    with app.app_context():
        regulator = actor(floor.regulator)
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            market_dashboard(uow(), regulator)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
            db.session.remove()

    reads = [s for s in statements if s.lstrip().startswith(("select", "with"))]
    assert len(reads) == 5  # the tallies, board names, vendor and buyer names, the queue
    [tallies] = [s for s in reads if "trade_contracts" in s]  # the trades are read once
    assert tallies.count("group by") == 7 and "sum(" in tallies


# The review queue


def test_the_review_queue_counts_what_waits_and_how_much_is_important(app, client):
    vendor, operator = person(app, [Role.VENDOR]), person(app, [Role.OPERATOR])
    regulator = person(app, [Role.REGULATOR])
    important = {"grade": "important", "grade_justification": "涉及产业链产能布局，属重要数据。"}
    general = own_product(client, vendor)
    waiting_operator = own_product(client, vendor, **important)
    waiting_regulator = own_product(client, vendor, **important)
    own_product(client, vendor)  # a draft: not waiting
    for made in (general, waiting_operator, waiting_regulator):
        assert submit(client, vendor, made["id"]).status_code == 200
    assert review(client, operator, waiting_regulator["id"]).get_json()["status"] == "in_review"

    queue = dashboard(app, regulator).review_queue

    assert (queue.awaiting_operator, queue.awaiting_regulator) == (2, 1)
    assert (queue.waiting, queue.important) == (3, 2)
    assert queue.oldest_since is not None and queue.oldest_since.tzinfo is not None


def test_an_empty_market_shows_twelve_zero_months_and_an_empty_queue(app):
    seen = dashboard(app, person(app, [Role.REGULATOR]))
    assert (seen.period.date_from, seen.period.date_to) == (add_months(THIS_MONTH, -11), TODAY)
    assert [(row.trades, row.value) for row in seen.by_month] == [(0, ZERO)] * 12
    assert seen.by_board == seen.by_region == seen.top_vendors == seen.top_buyers == ()
    assert (seen.trades, seen.value, seen.review_queue.waiting) == (0, ZERO, 0)


# The period's checks


def test_a_period_that_ends_before_it_starts_is_refused_and_writes_nothing(app):
    regulator = person(app, [Role.REGULATOR])
    with pytest.raises(ValidationFailed) as refused:
        dashboard(app, regulator, date_from=date(2026, 5, 2), date_to=date(2026, 5, 1))
    assert set(refused.value.errors) == {"date_from"}
    assert audit_events(app) == []


def test_a_period_longer_than_ten_years_is_refused_and_writes_nothing(app):
    regulator = person(app, [Role.REGULATOR])
    with pytest.raises(ValidationFailed) as refused:
        dashboard(app, regulator, date_from=date(2016, 1, 1), date_to=date(2026, 1, 1))
    assert set(refused.value.errors) == {"date_to"}
    assert refused.value.params == {"years": 10}
    assert audit_events(app) == []


@pytest.mark.parametrize(
    ("field", "period"),
    [
        ("date_from", {"date_from": date(1999, 12, 31)}),
        ("date_from", {"date_from": date(9990, 1, 1), "date_to": date(9999, 12, 31)}),
        ("date_to", {"date_to": date(9999, 12, 31)}),
    ],
)
def test_a_date_no_trade_could_have_is_refused_and_writes_nothing(app, field, period):
    regulator = person(app, [Role.REGULATOR])
    with pytest.raises(ValidationFailed) as refused:
        dashboard(app, regulator, **period)
    assert set(refused.value.errors) == {field}
    assert audit_events(app) == []


def test_a_period_of_exactly_ten_years_is_allowed(app):
    seen = dashboard(
        app,
        person(app, [Role.REGULATOR]),
        date_from=date(2016, 1, 1),
        date_to=date(2025, 12, 31),
    )
    assert len(seen.by_month) == 120


def test_a_period_given_only_its_end_covers_the_twelve_months_before(app):
    seen = dashboard(app, person(app, [Role.REGULATOR]), date_to=date(2026, 3, 10))
    assert seen.period.date_from == date(2025, 4, 1)
    assert seen.by_month[-1].month == date(2026, 3, 1)


# Who may read it, and the audit trail


@pytest.mark.parametrize("role", [role for role in MATRIX_ROLES if role != "anonymous"])
def test_only_regulators_and_operators_may_read_the_dashboard(app, client, role):
    # Anonymous visitors never reach a service: the web layer refuses them with 401 first.
    who = getattr(RolePeople(app, client), role)
    if role in ("regulator", "operator"):
        assert dashboard(app, who).trades == 0
        assert [e.actor_id for e in audit_events(app)] == [who.user_id]
    else:
        with pytest.raises(PermissionDenied):
            dashboard(app, who)
        assert audit_events(app) == []


def test_each_view_is_audited_with_the_reader_and_the_period(app):
    regulator = person(app, [Role.REGULATOR])
    dashboard(app, regulator)
    dashboard(app, regulator, date_from=date(2026, 1, 1), date_to=date(2026, 6, 30))

    first, second = audit_events(app)
    assert (first.actor_id, first.organisation_id) == (
        regulator.user_id,
        regulator.organisation_id,
    )
    assert first.detail == {
        "date_from": add_months(THIS_MONTH, -11).isoformat(),
        "date_to": TODAY.isoformat(),
    }
    assert second.subject == "2026-01-01/2026-06-30"
    assert second.detail == {"date_from": "2026-01-01", "date_to": "2026-06-30"}


def test_reading_the_dashboard_changes_no_trade(app, floor):
    def contracts():
        with app.app_context():
            rows = db.session.execute(
                select(TradeContract.id, TradeContract.status, TradeContract.updated_at)
            ).all()
            total = db.session.scalar(select(func.count()).select_from(TradeContract))
            db.session.remove()
        return sorted(rows), total

    before = contracts()
    dashboard(app, floor.regulator)
    assert contracts() == before
