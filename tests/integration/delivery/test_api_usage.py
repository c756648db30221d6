"""The data API's meter: each closed day of a contract's calls becomes one ledger entry (count,
rows, a hash over the calls), once; its vendor and the regulators see the usage by day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from contracts.schema import ledger_entries
from exchange.catalog.extension import data_files
from exchange.delivery import data_api, usage
from exchange.delivery.extension import call_rate, copy_cache
from exchange.delivery.models import ApiUsageDay, DataApiCall
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.oversight.dossier import trade_entries
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.models import TradeContract
from tests.catalog import person
from tests.delivery import grant, trade
from tests.integration.catalog_pages import english, sign_in_as

URL = "/api/v1"


def api_buyer(app, client, quota=50):
    bought = trade(app, client, product_type="api")
    entitlement_id = grant(app, bought.contract_id, api_quota=quota).entitlement_id
    issued = client.post(
        f"{URL}/entitlements/{entitlement_id}/api-key", headers=bought.buyer.headers
    )
    return bought, entitlement_id, issued.get_json()["api_key"]


def call(app, key, product_id, when, limit=5):
    with app.app_context():
        try:
            return data_api.serve_rows(
                uow(),
                key,
                data_api.RowsRequest(product_id=product_id, limit=limit),
                files=data_files(),
                cache=copy_cache(),
                rate=call_rate(),
                secret=app.config["SECRET_KEY"],
                contracts=trade_contract,
                now=when,
            )
        finally:
            db.session.remove()


def summarise(app, when):
    with app.app_context():
        try:
            return usage.summarise_closed_days(uow(), contracts=trade_contract, now=when)
        finally:
            db.session.remove()


def test_a_closed_day_becomes_one_ledger_entry_with_its_count_rows_and_hash(app, client):
    bought, entitlement_id, key = api_buyer(app, client)
    now = utcnow()
    yesterday = now - timedelta(days=1)
    for limit in (5, 3, 2):
        call(app, key, bought.product_id, yesterday, limit)
    call(app, key, bought.product_id, now)  # today's: the day is still open

    assert summarise(app, now) == 1
    assert summarise(app, now) == 0  # never twice
    with app.app_context():
        [summary] = db.session.scalars(select(ApiUsageDay)).all()
        calls = db.session.scalars(
            select(DataApiCall)
            .where(DataApiCall.day == summary.day)
            .order_by(DataApiCall.id)
        ).all()
        entry = db.session.execute(
            select(ledger_entries).where(ledger_entries.c.seq == summary.ledger_seq)
        ).one()
        number = db.session.get(TradeContract, bought.contract_id).number
        db.session.remove()
    assert (summary.entitlement_id, summary.calls, summary.rows) == (entitlement_id, 3, 10)
    assert summary.day == data_api.business_day(yesterday)
    assert summary.calls_hash == usage.calls_hash(list(calls))
    assert entry.entry_type == "trade.api_usage"
    body = json.loads(entry.body)
    assert body["contract"] == number
    assert (body["calls"], body["rows"], body["calls_hash"]) == (3, 10, summary.calls_hash)
    assert body["day"] == summary.day.isoformat()


def test_the_hash_changes_when_a_call_is_altered():
    first = DataApiCall(
        id=1,
        called_at=utcnow(),
        key_hint="abcd",
        version_number=1,
        rows=5,
        request_digest="0" * 64,
    )
    altered = DataApiCall(
        id=1,
        called_at=first.called_at,
        key_hint="abcd",
        version_number=1,
        rows=6,
        request_digest="0" * 64,
    )
    assert usage.calls_hash([first]) != usage.calls_hash([altered])
    assert usage.calls_hash([first, altered]) != usage.calls_hash([altered, first])


def test_the_usage_entry_is_in_the_trade_dossier(app, client):
    bought, _, key = api_buyer(app, client)
    now = utcnow()
    call(app, key, bought.product_id, now - timedelta(days=2))
    assert summarise(app, now) == 1
    with app.app_context():
        contract = db.session.get(TradeContract, bought.contract_id)
        types = [entry["entry_type"] for entry in trade_entries(db.session, contract)]
        db.session.remove()
    assert "trade.api_usage" in types


def test_the_vendor_reads_usage_by_day_and_outsiders_get_404(app, client):
    bought, _, key = api_buyer(app, client)
    now = utcnow()
    call(app, key, bought.product_id, now - timedelta(days=1), 4)
    call(app, key, bought.product_id, now, 2)
    summarise(app, now)
    path = f"{URL}/products/{bought.product_id}/api-usage"

    answer = client.get(path, headers=bought.vendor.headers)
    assert answer.status_code == 200
    [contract] = answer.get_json()["contracts"]
    assert (contract["quota"], contract["used"], contract["key_live"]) == (50, 2, True)
    today, closed = contract["days"]
    assert (today["calls"], today["rows"], today["ledger_seq"]) == (1, 2, None)
    assert (closed["calls"], closed["rows"]) == (1, 4) and closed["ledger_seq"] > 0
    assert client.get(path, headers=person(app, [Role.REGULATOR]).headers).status_code == 200
    for outsider in (bought.buyer, person(app, [Role.VENDOR])):
        assert client.get(path, headers=outsider.headers).status_code == 404


def test_the_vendor_page_lists_each_contracts_days_with_their_ledger_entries(app, client):
    bought, _, key = api_buyer(app, client)
    now = utcnow()
    call(app, key, bought.product_id, now - timedelta(days=1))
    summarise(app, now)
    sign_in_as(client, bought.vendor)
    english(client)
    products = client.get("/vendor/products").get_data(as_text=True)
    assert f'/products/{bought.product_id}/api-usage' in products
    page = client.get(f"/products/{bought.product_id}/api-usage")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('data-testid="usage-day"') == 1
    assert "Ledger entry #" in text and "Calls used: 1 of 50." in text
    sign_in_as(client, bought.buyer)
    assert client.get(f"/products/{bought.product_id}/api-usage").status_code == 404


def test_a_day_is_summarised_only_once_a_call_begun_before_midnight_can_have_committed(
    app, client
):
    bought, _, key = api_buyer(app, client)
    midnight = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 00:00 on 8 December, China time
    call(app, key, bought.product_id, midnight - timedelta(seconds=30))
    assert summarise(app, midnight + timedelta(minutes=5)) == 0
    assert summarise(app, midnight + timedelta(minutes=11)) == 1
