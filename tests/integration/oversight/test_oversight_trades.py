"""The regulators' trade browser and its export, on SQLite and PostgreSQL: four real trades made
through the services, every filter, order and page, each refusal (writing nothing), who may
read, the audit events, and the CSV and XLSX files read back."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import event, func, select

from exchange.accounts.actors import load_actor
from exchange.accounts.models import Organisation, User
from exchange.app import create_app
from exchange.catalog.domain import Grade
from exchange.catalog.models import LicenceOffer
from exchange.extensions import db
from exchange.http.context import uow
from exchange.http.i18n import translate
from exchange.kernel.actors import Actor
from exchange.kernel.errors import PermissionDenied, ValidationFailed
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.oversight.export import COLUMNS, EXPORTED, export_trades, write_csv, write_xlsx
from exchange.oversight.trade_query import TradeFilters, TradeQuery
from exchange.oversight.trades import LISTED, list_trades
from exchange.payments.domain import Gateway, PaymentStatus
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.domain import ContractStatus
from tests.catalog import Person, person, review, submit
from tests.rights import actor, application, certify, claim, own_product
from tests.trading import accept, act, propose, sign, terms

_nobodies = itertools.count(1)


@dataclass(frozen=True)
class Trade:
    contract_id: int
    vendor: Person
    buyer: Person
    product_id: int
    price: Decimal
    created_at: datetime


@dataclass(frozen=True)
class World:
    """Two vendors (B seated in Yingtan), two buyers, an operator, a regulator, four trades."""

    app: Flask
    operator: Person
    regulator: Person
    vendor_a: Person
    vendor_b: Person
    buyer_a: Person
    buyer_b: Person
    trades: dict[str, Trade]  # T1 settled, T2 in escrow, T3 awaiting payment, T4 signing

    def ids(self, *keys: str) -> list[int]:
        return [self.trades[key].contract_id for key in keys]


def listed(app: Flask, vendor: Person, operator: Person, regulator: Person, **data: Any) -> int:
    """A product of the vendor's with these catalog fields, reviewed, listed and certified."""
    client = app.test_client()
    product = own_product(client, vendor, **data)
    assert submit(client, vendor, product["id"]).status_code == 200
    status = review(client, operator, product["id"]).get_json()["status"]
    if status == "in_review":  # important data: a regulator signs off too
        status = review(client, regulator, product["id"]).get_json()["status"]
    assert status == "listed"
    # Rights held since before the earliest trade date, so back-dated contracts are covered.
    since = date(2024, 1, 1)
    claims = [claim(right, starts_on=since) for right in ("holding", "processing", "operation")]
    certify(app, vendor, product["id"], application(*claims))
    return int(product["id"])


def offer_of(app: Flask, product_id: int) -> int:
    with app.app_context():
        offer_id = db.session.scalar(
            select(LicenceOffer.id).where(LicenceOffer.product_id == product_id)
        )
        db.session.remove()
    return int(offer_id)


def trade(
    app: Flask, vendor: Person, buyer: Person, product_id: int, price: str, at: datetime
) -> Trade:
    """A contract agreed at a given moment (its trade date) and at a price."""
    negotiation_id = propose(
        app, buyer, offer_of(app, product_id), terms(price=Decimal(price)), now=at
    )
    contract_id = accept(app, vendor, negotiation_id, now=at + timedelta(minutes=5))
    return Trade(contract_id, vendor, buyer, product_id, Decimal(price), at + timedelta(minutes=5))


def signed(app: Flask, deal: Trade) -> None:
    sign(app, deal.vendor, deal.contract_id)
    sign(app, deal.buyer, deal.contract_id)


def started_payment(app: Flask, deal: Trade) -> int:
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, deal.buyer, payment_start.start_payment, deal.contract_id, gateway=bank)
    return int(started["id"])


def build_world(app: Flask) -> World:
    operator = person(app, [Role.OPERATOR])
    regulator = person(app, [Role.REGULATOR])
    vendor_a, vendor_b = person(app, [Role.VENDOR]), person(app, [Role.VENDOR])
    buyer_a, buyer_b = person(app, [Role.BUYER]), person(app, [Role.BUYER])
    with app.app_context():  # vendor B's seat is where vendor A's data is from
        db.session.get(Organisation, vendor_b.organisation_id).region = "yingtan"
        db.session.commit()
        db.session.remove()
    copper = listed(app, vendor_a, operator, regulator)  # nonferrous, yingtan, general
    lithium = listed(
        app,
        vendor_b,
        operator,
        regulator,
        board="lithium",
        regions=["yichun", "ganzhou"],
        grade="important",
        title_zh="宜春碳酸锂现货日价",
        title_en="Yichun lithium carbonate daily spot prices",
    )
    t1 = trade(app, vendor_a, buyer_a, copper, "10000.00", datetime(2025, 3, 10, 9, tzinfo=UTC))
    t2 = trade(app, vendor_a, buyer_b, copper, "5000.00", datetime(2025, 6, 15, 23, 30, tzinfo=UTC))
    t3 = trade(app, vendor_b, buyer_a, lithium, "20000.00", datetime(2026, 1, 20, 8, tzinfo=UTC))
    t4 = trade(app, vendor_b, buyer_b, lithium, "8000.00", datetime.now(UTC) - timedelta(hours=1))
    for deal in (t1, t2, t3):
        signed(app, deal)
    for deal in (t1, t2):
        payment_id = started_payment(app, deal)
        act(app, operator, payment_outcomes.confirm_bank_transfer, payment_id, amount=deal.price)
    act(app, buyer_a, settlement.accept_delivery, t1.contract_id)
    started_payment(app, t3)
    trades = {"T1": t1, "T2": t2, "T3": t3, "T4": t4}
    return World(app, operator, regulator, vendor_a, vendor_b, buyer_a, buyer_b, trades)


@pytest.fixture(scope="module")
def world(migrated_database, tmp_path_factory) -> Iterator[World]:
    """The four trades, made once per backend for the whole module and emptied after it."""
    url = migrated_database.fresh(tmp_path_factory.mktemp("database"))
    instance = tmp_path_factory.mktemp("oversight-instance")
    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    try:
        yield build_world(app)
    finally:
        chain = app.extensions.get("chain")
        if chain is not None and hasattr(chain, "close"):
            chain.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        migrated_database.release(url)


def run(app: Flask, who: Person | Actor, service: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A service called as a person (or an actor loaded beforehand) in its own unit of work."""
    with app.app_context():
        try:
            someone = who if isinstance(who, Actor) else actor(who)
            return service(uow(), someone, *args, **kw)
        finally:
            db.session.remove()


def browse(world: World, query: dict[str, Any] | None = None) -> Any:
    """The regulator's page for a raw query string."""
    parsed = TradeQuery.parse(query or {})
    return run(
        world.app,
        world.regulator,
        list_trades,
        parsed.filters,
        sort=parsed.sort,
        page=parsed.page,
        per_page=parsed.per_page,
    )


def listed_ids(world: World, query: dict[str, Any] | None = None) -> list[int]:
    return [row["id"] for row in browse(world, query)["rows"]]


def audit_events(app: Flask, *actions: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        db.session.remove()
    return list(found)


def audit_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        db.session.remove()
    return count


# Reading the trades


def test_every_trade_is_listed_newest_first(world):
    page = browse(world)
    assert page["total"] == 4
    assert [row["id"] for row in page["rows"]] == world.ids("T4", "T3", "T2", "T1")


def test_a_row_names_the_product_parties_grade_money_and_payment(world):
    rows = {row["id"]: row for row in browse(world)["rows"]}
    settled = rows[world.trades["T1"].contract_id]
    assert settled["number"].startswith("GTC-2025-")
    assert settled["date"] == world.trades["T1"].created_at
    assert settled["board"] == {
        "code": "nonferrous",
        "name_zh": "有色金属",
        "name_en": "Non-ferrous metals",
    }
    assert settled["product"]["id"] == world.trades["T1"].product_id
    assert settled["product"]["title_zh"] == "鹰潭阴极铜现货日价与库存"
    assert settled["vendor"]["id"] == world.vendor_a.organisation_id
    assert settled["buyer"]["id"] == world.buyer_a.organisation_id
    assert settled["vendor"]["name_zh"].startswith("南昌测试数据有限公司")
    assert settled["regions"] == ["yingtan"] and settled["grade"] == Grade.GENERAL
    assert settled["price"] == Decimal("10000.00") and settled["fee"] == Decimal("300.00")
    assert settled["status"] == ContractStatus.SETTLED
    assert settled["payment_status"] == PaymentStatus.SUCCEEDED
    lithium = rows[world.trades["T3"].contract_id]
    assert lithium["regions"] == ["ganzhou", "yichun"] and lithium["grade"] == Grade.IMPORTANT
    assert lithium["board"]["code"] == "lithium"
    assert lithium["status"] == ContractStatus.AWAITING_PAYMENT
    assert lithium["payment_status"] == PaymentStatus.PENDING
    unsigned = rows[world.trades["T4"].contract_id]
    assert unsigned["status"] == ContractStatus.AWAITING_SIGNATURES
    assert unsigned["payment_status"] is None


FILTERS = [
    ({"board": "nonferrous"}, ("T1", "T2")),
    ({"board": "lithium,nonferrous"}, ("T1", "T2", "T3", "T4")),
    ({"board": "steel"}, ()),
    ({"grade": "important"}, ("T3", "T4")),
    ({"grade": "general"}, ("T1", "T2")),
    ({"region": "ganzhou"}, ("T3", "T4")),
    ({"region": "yingtan"}, ("T1", "T2")),  # the data's region, not the vendor's seat
    ({"vendor_region": "yingtan"}, ("T3", "T4")),  # the vendor's seat, not the data's region
    ({"vendor_region": "nanchang"}, ("T1", "T2")),
    ({"region": "nanchang"}, ()),
    ({"status": "settled"}, ("T1",)),
    ({"status": ["in_escrow", "signing"]}, ("T2", "T4")),
    ({"date_from": "2025-06-15", "date_to": "2025-06-15"}, ("T2",)),  # UTC day, both ends
    ({"date_to": "2025-06-14"}, ("T1",)),
    ({"date_from": "2026-01-01"}, ("T3", "T4")),
    ({"amount_min": "8000", "amount_max": "10000.00"}, ("T1", "T4")),  # both ends inclusive
    ({"amount_min": "10000.01"}, ("T3",)),
    ({"amount_max": "4999.99"}, ()),
    ({"board": "lithium", "status": "awaiting_payment", "amount_min": "1"}, ("T3",)),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[str(q) for q, _ in FILTERS])
def test_each_filter_narrows_the_trades(world, query, expected):
    page = browse(world, query | {"sort": "date"})
    assert [row["id"] for row in page["rows"]] == world.ids(*expected)
    assert page["total"] == len(expected)


def test_vendor_and_buyer_filters_take_an_organisation(world):
    vendor = str(world.vendor_b.organisation_id)
    buyer = str(world.buyer_a.organisation_id)
    assert listed_ids(world, {"vendor": vendor, "sort": "date"}) == world.ids("T3", "T4")
    assert listed_ids(world, {"buyer": buyer, "sort": "date"}) == world.ids("T1", "T3")
    assert listed_ids(world, {"vendor": vendor, "buyer": buyer}) == world.ids("T3")
    assert listed_ids(world, {"vendor": str(world.buyer_a.organisation_id)}) == []


SORTS = [
    ("date", ("T1", "T2", "T3", "T4")),
    ("-date", ("T4", "T3", "T2", "T1")),
    ("amount", ("T2", "T4", "T1", "T3")),
    ("-amount", ("T3", "T1", "T4", "T2")),
    ("status", ("T4", "T3", "T2", "T1")),  # the contract's life order
    ("-status", ("T1", "T2", "T3", "T4")),
]


@pytest.mark.parametrize(("sort", "expected"), SORTS)
def test_trades_sort_by_date_amount_and_status(world, sort, expected):
    assert listed_ids(world, {"sort": sort}) == world.ids(*expected)


@pytest.mark.parametrize("side", ["vendor", "buyer"])
def test_party_sorts_follow_the_name_and_break_ties_by_id(world, side):
    by_party: dict[str, list[int]] = {}
    for row in browse(world, {"sort": "date"})["rows"]:
        by_party.setdefault(row[side]["name_zh"], []).append(row["id"])
    ascending = [i for name in sorted(by_party) for i in sorted(by_party[name])]
    assert listed_ids(world, {"sort": side}) == ascending
    assert listed_ids(world, {"sort": "-" + side}) == ascending[::-1]


def test_pages_split_the_order_without_overlap(world):
    first = browse(world, {"per_page": "3"})
    second = browse(world, {"per_page": "3", "page": "2"})
    beyond = browse(world, {"per_page": "3", "page": "3"})
    assert (first["total"], second["total"], beyond["total"]) == (4, 4, 4)
    assert [len(first["rows"]), len(second["rows"]), len(beyond["rows"])] == [3, 1, 0]
    ids = [row["id"] for row in first["rows"] + second["rows"]]
    assert ids == world.ids("T4", "T3", "T2", "T1")
    assert (second["page"], second["per_page"], second["sort"]) == (2, 3, "-date")
    assert len(browse(world, {"per_page": "200"})["rows"]) == 4  # the largest page allowed


def test_a_page_and_an_export_each_read_with_one_query_and_one_count(world):
    statements: list[str] = []

    def seen(connection, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    with world.app.app_context():
        reader = actor(world.regulator)
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            list_trades(uow(), reader, TradeFilters(grades=(Grade.IMPORTANT,)), per_page=1)
            export_trades(uow(), reader, TradeFilters(statuses=(ContractStatus.SETTLED,)))
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
            db.session.remove()
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 4, reads  # no query per row, whatever the rows hold
    assert sum("count(" in s.lower() for s in reads) == 2


# Refusals


INVALID = [
    ({"date_from": "2025-13-01"}, "date_from"),
    ({"date_to": "15/06/2025"}, "date_to"),
    ({"date_from": "20250615"}, "date_from"),
    ({"date_from": "2025-06-15", "date_to": "2025-06-14"}, "date_to"),
    ({"date_from": "2001-01-01", "date_to": "2021-01-02"}, "date_to"),  # over twenty years
    ({"date_from": "1999-12-31"}, "date_from"),
    ({"date_to": "3025-01-01"}, "date_to"),
    ({"amount_min": "-1"}, "amount_min"),
    ({"amount_max": "abc"}, "amount_max"),
    ({"amount_max": "NaN"}, "amount_max"),
    ({"amount_min": "1.001"}, "amount_min"),
    ({"amount_min": "10", "amount_max": "9.99"}, "amount_max"),
    ({"amount_max": "1000000000000"}, "amount_max"),
    ({"board": "Non-Ferrous!"}, "board"),
    ({"grade": "secret"}, "grade"),
    ({"status": "paid"}, "status"),
    ({"region": "beijing"}, "region"),
    ({"vendor_region": "shanghai"}, "vendor_region"),
    ({"vendor": "acme"}, "vendor"),
    ({"buyer": "0"}, "buyer"),
    ({"vendor": ["1", "2"]}, "vendor"),
    ({"sort": "price"}, "sort"),
    ({"sort": "-"}, "sort"),
    ({"page": "0"}, "page"),
    ({"page": "two"}, "page"),
    ({"per_page": "201"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"staus": "settled"}, "staus"),  # a typo never looks like a filter that matched
]


@pytest.mark.parametrize(("query", "field"), INVALID, ids=[str(q) for q, _ in INVALID])
def test_a_bad_query_names_its_field(query, field):
    with pytest.raises(ValidationFailed) as refused:
        TradeQuery.parse(query, today=datetime(2026, 11, 29).date())
    assert list(refused.value.errors) == [field]


def test_every_bad_field_is_named_at_once():
    query = {"date_from": "x", "amount_min": "-5", "grade": "secret", "per_page": "500"}
    with pytest.raises(ValidationFailed) as refused:
        TradeQuery.parse(query)
    assert set(refused.value.errors) == {"date_from", "amount_min", "grade", "per_page"}
    assert refused.value.params["grade"] == "secret"


def test_the_filters_alone_refuse_listing_keys_unless_allowed():
    with pytest.raises(ValidationFailed):
        TradeFilters.parse({"sort": "date"})
    parsed = TradeFilters.parse({"sort": "date", "status": "settled"}, also=("sort",))
    assert parsed.statuses == (ContractStatus.SETTLED,)


def test_an_unknown_board_is_refused_and_nothing_is_written(world):
    before = audit_count(world.app)
    with pytest.raises(ValidationFailed) as refused:
        run(world.app, world.regulator, list_trades, TradeFilters(boards=("quantum",)))
    assert list(refused.value.errors) == ["board"]
    with pytest.raises(ValidationFailed):
        run(world.app, world.regulator, export_trades, TradeFilters(boards=("quantum",)))
    assert audit_count(world.app) == before


@pytest.mark.parametrize(
    ("listing", "field"),
    [({"sort": "size"}, "sort"), ({"page": 0}, "page"), ({"per_page": 201}, "per_page")],
)
def test_the_service_refuses_a_bad_page_and_writes_nothing(world, listing, field):
    before = audit_count(world.app)
    with pytest.raises(ValidationFailed) as refused:
        run(world.app, world.regulator, list_trades, TradeFilters(), **listing)
    assert list(refused.value.errors) == [field]
    assert audit_count(world.app) == before


# Who may read


def no_organisation(world: World) -> Actor:
    """A signed-in user who belongs to no organisation."""
    with world.app.app_context():
        user = User(
            email=f"nobody{next(_nobodies)}@example.cn",
            display_name="无机构用户",
            password_hash="not used",
        )
        db.session.add(user)
        db.session.commit()
        found = load_actor(db.session, user.id)
        db.session.remove()
    assert found is not None and found.memberships == ()
    return found


REFUSED = ["buyer", "vendor", "admin", "no_organisation"]


def someone(world: World, role: str) -> Person | Actor:
    if role == "buyer":
        return world.buyer_a
    if role == "vendor":
        return world.vendor_a
    if role == "admin":  # administers an organisation that buys and sells
        return person(world.app, [Role.VENDOR, Role.BUYER])
    return no_organisation(world)


@pytest.mark.parametrize("role", REFUSED)
def test_only_supervisors_browse_and_export(world, role):
    who = someone(world, role)
    before = audit_count(world.app)
    with pytest.raises(PermissionDenied):
        run(world.app, who, list_trades, TradeFilters())
    with pytest.raises(PermissionDenied):
        run(world.app, who, export_trades, TradeFilters())
    with pytest.raises(PermissionDenied):  # refused before a bad query is even looked at
        run(world.app, who, list_trades, TradeFilters(), per_page=999)
    assert audit_count(world.app) == before


@pytest.mark.parametrize("role", ["regulator", "operator"])
def test_regulators_and_operators_see_every_trade(world, role):
    who = world.regulator if role == "regulator" else world.operator
    page = run(world.app, who, list_trades, TradeFilters())
    assert page["total"] == 4
    made = run(world.app, who, export_trades, TradeFilters())
    assert made.rows == 4


# The audit log


def test_each_view_is_audited_with_the_reader_and_filters(world):
    before = len(audit_events(world.app, LISTED))
    browse(world, {"status": "settled,in_escrow", "amount_min": "1", "sort": "-amount"})
    events = audit_events(world.app, LISTED)
    assert len(events) == before + 1
    event = events[-1]
    assert event.actor_id == world.regulator.user_id
    assert event.detail["filters"] == {"statuses": ["settled", "in_escrow"], "amount_min": "1"}
    assert (event.detail["sort"], event.detail["page"], event.detail["total"]) == ("-amount", 1, 2)


def test_each_export_is_audited_with_its_format_and_rows(world):
    before = len(audit_events(world.app, EXPORTED))
    vendor = world.vendor_b.organisation_id
    run(world.app, world.operator, export_trades, TradeFilters(vendor_id=vendor), fmt="xlsx")
    events = audit_events(world.app, EXPORTED)
    assert len(events) == before + 1
    event = events[-1]
    assert event.actor_id == world.operator.user_id
    assert event.detail["filters"] == {"vendor_id": vendor}
    assert (event.detail["format"], event.detail["rows"]) == ("xlsx", 2)


# The export


def exported(world: World, filters: TradeFilters | None = None, **options: Any) -> Any:
    return run(world.app, world.regulator, export_trades, filters or TradeFilters(), **options)


def test_the_csv_has_a_bom_a_header_and_every_matching_trade(world):
    made = exported(world, TradeFilters(grades=(Grade.GENERAL,)), sort="date", language="en")
    assert made.media_type.startswith("text/csv") and made.filename.endswith(".csv")
    assert made.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert header == list(COLUMNS)
    assert made.rows == len(rows) == 2
    first = dict(zip(header, rows[0], strict=True))
    t1 = world.trades["T1"]
    assert first["Date and time (UTC)"] == t1.created_at.strftime("%Y-%m-%d %H:%M:%S")
    assert first["Industry board"] == "Non-ferrous metals"
    assert first["Title in Chinese"] == "鹰潭阴极铜现货日价与库存"
    assert first["Vendor"].startswith("Nanchang Test Data Co.")
    assert first["Regions"] == "Yingtan" and first["Classification grade"] == "General data"
    assert (first["Price (CNY)"], first["Exchange fee"]) == ("10000.00", "300.00")
    assert (first["Status"], first["Payment"]) == ("Settled", "Received")


def test_the_export_speaks_the_readers_language(world):
    with world.app.test_request_context(), force_locale("zh_CN"):
        made = exported(
            world,
            TradeFilters(statuses=(ContractStatus.AWAITING_PAYMENT,)),
            language="zh_CN",
            translate=translate,
        )
    header, row = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    cells = dict(zip(header, row, strict=True))
    assert {"合同", "行业板块", "数据商", "需方", "数据分级", "状态"} <= set(header)
    assert cells["行业板块"] == "锂电" and cells["数据商"].startswith("南昌测试数据有限公司")
    assert cells["覆盖地区"] == "赣州、宜春" and cells["数据分级"] == "重要数据"
    assert cells["状态"] == "待付款"


def number_of(world: World, key: str) -> str:
    rows = {row["id"]: row["number"] for row in browse(world)["rows"]}
    return rows[world.trades[key].contract_id]


def test_the_xlsx_reads_back_with_numbers_and_times(world):
    made = exported(world, sort="-amount", fmt="xlsx", language="en")
    assert made.filename.endswith(".xlsx") and "spreadsheetml" in made.media_type
    sheet = openpyxl.load_workbook(io.BytesIO(made.content), read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == list(COLUMNS)
    assert [row[0] for row in rows] == [number_of(world, key) for key in ("T3", "T1", "T4", "T2")]
    top = dict(zip(header, rows[0], strict=True))
    assert top["Price (CNY)"] == 20000 and top["Exchange fee"] == 600
    assert top["Date and time (UTC)"] == world.trades["T3"].created_at.replace(tzinfo=None)
    assert top["Data product"] == world.trades["T3"].product_id
    assert top["Regions"] == "Ganzhou, Yichun" and top["Payment"] == "Awaiting payment"


def test_an_export_beyond_its_limit_is_refused_and_writes_nothing(world):
    before = audit_count(world.app)
    with pytest.raises(ValidationFailed) as refused:
        exported(world, limit=3)
    assert list(refused.value.errors) == ["filters"]
    assert refused.value.params == {"total": 4, "limit": 3}
    assert exported(world, TradeFilters(statuses=(ContractStatus.SETTLED,)), limit=1).rows == 1
    assert audit_count(world.app) == before + 1


@pytest.mark.parametrize(
    ("options", "field"),
    [({"fmt": "pdf"}, "format"), ({"sort": "x"}, "sort"), ({"language": "fr"}, "language")],
)
def test_an_export_in_an_unknown_form_is_refused(world, options, field):
    before = audit_count(world.app)
    with pytest.raises(ValidationFailed) as refused:
        exported(world, **options)
    assert list(refused.value.errors) == [field]
    assert audit_count(world.app) == before


def test_text_never_becomes_a_formula_in_either_file():
    hostile = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain"]
    content, rows = write_csv(["a", "b", "c", "d", "e"], [hostile])
    assert rows == 1
    _, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert row == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "plain"]
    content, rows = write_xlsx("Contracts", ["a", "b", "c", "d", "e"], [hostile])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [c.value for c in cells] == hostile
    assert {c.data_type for c in cells} == {"s"}
