"""The regulators' market dashboard's tallies over one floor of trades made through the real
services (see tests.integration.oversight.dashboard_floor), built once per backend for the
whole module: every test here only reads it (a view adds an audit event, never a trade)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from exchange.app import create_app
from exchange.catalog.domain import Grade
from exchange.extensions import db
from exchange.http.context import uow
from exchange.oversight.dashboard import market_dashboard
from exchange.trading.contracts import add_months
from exchange.trading.models import TradeContract
from tests.integration.oversight.dashboard_floor import (
    THIS_MONTH,
    TWO_MONTHS_AGO,
    ZERO,
    Floor,
    build_floor,
    dashboard,
    tallies,
)
from tests.rights import actor


@pytest.fixture(scope="module")
def app(migrated_database, tmp_path_factory) -> Iterator[Flask]:  # noqa: ANN001
    """The exchange on a database of the module's own, emptied after it."""
    url = migrated_database.fresh(tmp_path_factory.mktemp("database"))
    instance = tmp_path_factory.mktemp("dashboard-instance")
    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        migrated_database.release(url)


@pytest.fixture(scope="module")
def floor(app: Flask) -> Floor:
    """The market the tally tests read (see Floor)."""
    return build_floor(app)


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
