"""The regulators' API reading one trade made through the services from offer to settlement,
on SQLite and PostgreSQL: the dashboard, the page of trades, the exports, the dossier and the
ledger's verification. The trade is made once per backend for the whole module: every test here
only reads it (each view adds its audit event, read back per regulator, never a trade)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import openpyxl
import pytest
from flask import Flask
from flask_babel import force_locale, gettext

from exchange.app import create_app
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.oversight.export import COLUMNS
from tests.api.helpers import english_client
from tests.catalog import person
from tests.oversight import TRADE_ENTRIES, audit_actions, settled_trade
from tests.trading import Market

URL = "/api/v1/oversight"


@pytest.fixture(scope="module")
def app(migrated_database, tmp_path_factory) -> Iterator[Flask]:  # noqa: ANN001
    """The exchange on a database of the module's own, emptied after it."""
    url = migrated_database.fresh(tmp_path_factory.mktemp("database"))
    instance = tmp_path_factory.mktemp("oversight-api-instance")
    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    try:
        yield app
    finally:
        chain = app.extensions.get("chain")
        if chain is not None and hasattr(chain, "close"):
            chain.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        migrated_database.release(url)


@pytest.fixture(scope="module")
def settled(app: Flask) -> tuple[Market, int]:
    """A trade from offer to settlement, downloaded once; (market, contract id)."""
    return settled_trade(app, english_client(app))


@pytest.fixture
def regulator(app):
    return person(app, [Role.REGULATOR])


def get(client, path, who, **params):
    return client.get(URL + path, query_string=params, headers=who.headers)


def post(client, path, who, **kwargs):
    return client.post(URL + path, headers=who.headers, **kwargs)


def test_the_dashboard_renders_every_series_of_the_last_twelve_months(
    app, client, settled, regulator
):
    found, _ = settled
    body = get(client, "/dashboard", regulator).get_json()

    today = datetime.now(UTC).date()
    assert body["period"]["date_to"] == today.isoformat()
    assert (body["trades"], body["value"]) == (1, "10000.00")
    assert len(body["by_month"]) == 12
    assert body["by_month"][-1] == {
        "month": today.strftime("%Y-%m"),
        "trades": 1,
        "value": "10000.00",
    }
    assert [(b["code"], b["trades"]) for b in body["by_board"]] == [("nonferrous", 1)]
    assert [(r["region"], r["label"]) for r in body["by_region"]] == [("yingtan", "Yingtan")]
    assert [v["organisation_id"] for v in body["top_vendors"]] == [found.vendor.organisation_id]
    assert [b["organisation_id"] for b in body["top_buyers"]] == [found.buyer.organisation_id]
    assert [(g["grade"], g["label"], g["trades"]) for g in body["by_grade"]] == [
        ("general", "General data", 1),
        ("important", "Important data", 0),
        ("core", "Core data", 0),
    ]
    assert body["review_queue"] == {
        "awaiting_operator": 0,
        "awaiting_regulator": 0,
        "important": 0,
        "waiting": 0,
        "oldest_since": None,
    }
    assert audit_actions(app, regulator.user_id) == ["oversight.dashboard.view"]


def test_the_dashboard_covers_the_period_asked_for(app, client, settled, regulator):
    body = get(client, "/dashboard", regulator, date_from="2025-01-15", date_to="2025-03-01")
    assert body.status_code == 200
    seen = body.get_json()
    assert seen["period"] == {"date_from": "2025-01-15", "date_to": "2025-03-01"}
    assert [m["month"] for m in seen["by_month"]] == ["2025-01", "2025-02", "2025-03"]
    assert seen["trades"] == 0 and seen["by_board"] == []


def test_trades_come_as_a_page_of_rows_with_the_total(app, client, settled, regulator):
    found, contract_id = settled
    body = get(client, "/trades", regulator).get_json()

    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (1, 1, 50, 1)
    assert body["sort"] == "-date"
    [row] = body["rows"]
    assert row["id"] == contract_id and row["number"].startswith("GTC-")
    assert (row["price"], row["fee"], row["currency"]) == ("10000.00", "300.00", "CNY")
    assert (row["status"], row["payment_status"], row["grade"]) == (
        "settled",
        "succeeded",
        "general",
    )
    assert row["vendor"]["id"] == found.vendor.organisation_id
    assert row["buyer"]["id"] == found.buyer.organisation_id
    assert row["product"]["id"] == found.product_id and row["board"]["code"] == "nonferrous"
    assert row["regions"] == ["yingtan"]
    assert audit_actions(app, regulator.user_id) == ["oversight.trades.list"]


def test_the_csv_export_is_an_attachment_headed_in_the_language_asked(
    app, client, settled, regulator
):
    _, contract_id = settled
    response = get(client, "/trades/export", regulator, format="csv", status="settled")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=trades-") and disposition.endswith(".csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)  # the client asked for English
    assert len(rows) == 2 and rows[1][0].startswith("GTC-")
    assert rows[1][12] == "Settled"
    assert audit_actions(app, regulator.user_id) == ["oversight.trades.export"]


def test_the_export_is_headed_in_chinese_by_default(app, settled, regulator):
    client = app.test_client()  # no Accept-Language
    response = client.get(f"{URL}/trades/export", headers=regulator.headers)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    with app.test_request_context(), force_locale("zh_CN"):
        chinese = [gettext(heading) for heading in COLUMNS]
    assert rows[0] == chinese and rows[0] != list(COLUMNS)
    vendor = get(client, "/trades", regulator).get_json()["rows"][0]["vendor"]
    assert rows[1][6] == vendor["name_zh"]  # names in Chinese too


def test_the_xlsx_export_reads_back_as_a_workbook(app, client, settled, regulator):
    _, contract_id = settled
    response = get(client, "/trades/export", regulator, format="xlsx")

    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = list(sheet.values)
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1][0].startswith("GTC-") and float(rows[1][10]) == 10000.0


def test_the_dossier_holds_every_step_of_the_trade(app, client, settled, regulator):
    found, contract_id = settled
    response = get(client, f"/trades/{contract_id}", regulator)
    assert response.status_code == 200
    seen = response.get_json()

    contract = seen["contract"]
    assert (contract["id"], contract["status"], contract["price"]) == (
        contract_id,
        "settled",
        "10000.00",
    )
    assert [s["verifies"] for s in contract["signatures"]] == [True, True]
    product = seen["product"]
    assert product.keys() == {"id", "title_zh", "title_en", "board_id", "grade"}
    assert (product["id"], product["grade"]) == (found.product_id, "general")
    assert [r["action"] for r in seen["negotiation"]["rounds"]] == ["propose", "accept"]
    assert [p["status"] for p in seen["payments"]] == ["succeeded"]
    assert [j["kind"] for j in seen["escrow"]] == ["payment", "release"]
    release = seen["escrow"][1]["postings"]
    assert {p["account_kind"] for p in release} == {"escrow", "vendor_payable", "fee_revenue"}
    [download] = seen["delivery"]["downloads"]
    assert download["fingerprint"] and download["user_id"] == found.buyer.user_id
    assert [g["grantee"]["id"] for g in seen["rights"]["grants"]] == [found.buyer.organisation_id]
    assert [e["entry_type"] for e in seen["ledger"]] == TRADE_ENTRIES
    assert seen["progress"]["payout"]["net"] == "9700.00"
    assert audit_actions(app, regulator.user_id) == ["oversight.trade.view"]


def test_the_whole_ledger_is_verified(app, client, settled, regulator):
    report = post(client, "/verification", regulator)
    assert report.status_code == 200
    body = report.get_json()
    assert body["ok"] is True and body["problems"] == []
    assert body["entries"] == body["expected_entries"] >= len(TRADE_ENTRIES)
    assert body["root"].startswith("0x") and body["chain_error"] is None
    assert audit_actions(app, regulator.user_id) == ["ledger.verified"]
