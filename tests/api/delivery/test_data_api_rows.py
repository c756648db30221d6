"""The data API through HTTP on SQLite and PostgreSQL: a buyer's key reads its product's rows by
fields, typed filters and a signed cursor; the rows are the buyer's fingerprinted, desensitised
copy; refused calls are not metered, served ones spend exactly one unit each, even at once."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.delivery.models import DataApiCall, Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.api.delivery.test_api_product_keys import issue, revoke
from tests.api.helpers import assert_problem
from tests.catalog import person
from tests.delivery import Trade, copper_prices, grant, link, trade
from tests.integration.delivery.test_personal_delivery import bare, customers_csv
from tests.rights import actor

URL = "/api/v1/data-api"
DATE, PRICE, STOCK = "日期", "阴极铜现货价(元/吨)", "库存(吨)"
HEADER = [DATE, PRICE, STOCK]
ROWS = 300  # copper_prices()' rows


@dataclass(frozen=True)
class Keyed:
    """An API product bought, its entitlement granted and its key issued to the buyer."""

    trade: Trade
    entitlement_id: int
    key: str

    @property
    def product_id(self) -> int:
        return self.trade.product_id


def keyed(app: Flask, client: FlaskClient, *, quota: int = 100, **kwargs: Any) -> Keyed:
    bought = trade(app, client, product_type="api", **kwargs)
    entitlement_id = grant(app, bought.contract_id, api_quota=quota).entitlement_id
    key = issue(client, bought.buyer, entitlement_id).get_json()["api_key"]
    return Keyed(bought, entitlement_id, key)


def another_buyer(app: Flask, client: FlaskClient, first: Keyed, *, quota: int = 100) -> Keyed:
    """A second buyer of the same product, with a key of its own."""
    return keyed(app, client, quota=quota, vendor=first.trade.vendor, product_id=first.product_id)


def call(client: FlaskClient, key: str | None, product_id: int, **params: Any) -> TestResponse:
    headers = {} if key is None else {"X-Api-Key": key}
    return client.get(f"{URL}/{product_id}/rows", query_string=params, headers=headers)


def all_rows(client: FlaskClient, bought: Keyed, **params: Any) -> list[dict[str, Any]]:
    """Every row of the buyer's copy in one call."""
    response = call(client, bought.key, bought.product_id, limit=1000, **params)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["next_cursor"] is None
    rows: list[dict[str, Any]] = body["rows"]
    return rows


def metered(app: Flask, entitlement_id: int) -> tuple[int, list[int]]:
    """The units the entitlement has used, and the rows of each metered call in order."""
    with app.app_context():
        entitlement = db.session.get(Entitlement, entitlement_id)
        assert entitlement is not None
        used = entitlement.used
        rows = db.session.scalars(
            select(DataApiCall.rows)
            .where(DataApiCall.entitlement_id == entitlement_id)
            .order_by(DataApiCall.id)
        ).all()
        db.session.remove()
    return used, list(rows)


def problem_type(response: TestResponse, status: int) -> str:
    kind: str = assert_problem(response, status)["type"]
    return kind.removeprefix("urn:ganshu:problem:")


def field_errors(response: TestResponse) -> dict[str, list[str]]:
    body = assert_problem(response, 422)
    errors: dict[str, list[str]] = body["errors"]
    return errors


def as_csv(fields: list[str], rows: list[dict[str, Any]]) -> bytes:
    """Served rows written back as a CSV with the same header, as a leaker would."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([str(row[name]) for name in fields] for row in rows)
    return out.getvalue().encode()


def texts(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{name: str(value) for name, value in row.items()} for row in rows]


# Fields ------------------------------------------------------------------------------------


def test_rows_come_with_every_field_by_default_typed_as_declared(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client)
    response = call(client, bought.key, bought.product_id, limit=5)
    assert response.status_code == 200
    body = response.get_json()
    assert body["fields"] == HEADER
    assert (body["product_id"], body["version"]) == (bought.product_id, 1)
    assert len(body["rows"]) == 5 and body["next_cursor"]
    first = copper_prices().decode().splitlines()[1].split(",")
    row = body["rows"][0]
    assert set(row) == set(HEADER)
    assert row[DATE] == first[0]
    assert isinstance(row[STOCK], int)  # integers as numbers
    assert isinstance(row[PRICE], str)  # decimals as exact strings, moved a fen at most
    assert abs(Decimal(row[PRICE]) - Decimal(first[1])) <= Decimal("0.01")


def test_fields_selects_columns_in_the_order_asked(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    body = call(client, bought.key, bought.product_id, fields=f"{STOCK},{DATE}").get_json()
    assert body["fields"] == [STOCK, DATE]
    assert len(body["rows"]) == 100
    assert all(set(row) == {STOCK, DATE} for row in body["rows"])


def test_an_unknown_field_is_a_422_naming_fields(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    response = call(client, bought.key, bought.product_id, fields=f"{DATE},no-such-column")
    assert "fields" in field_errors(response)


def test_a_refused_request_is_not_metered(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    assert call(client, bought.key, bought.product_id, fields="nope").status_code == 422
    assert call(client, bought.key, bought.product_id, where="nope").status_code == 422
    assert metered(app, bought.entitlement_id) == (0, [])


def test_a_cell_an_integer_column_cannot_read_is_served_as_its_text(
    app: Flask, client: FlaskClient
) -> None:
    lines = [f"{DATE},{STOCK}"] + [f"2026-01-{i % 28 + 1:02d},{1000 + i * 7}" for i in range(40)]
    content = ("\n".join([*lines, "2026-02-01,inf", "2026-02-02,n/a"]) + "\n").encode()
    bought = keyed(app, client, content=content, filename="stock.csv")
    response = call(client, bought.key, bought.product_id, limit=1000)
    assert response.status_code == 200, response.get_json()
    assert [row[STOCK] for row in response.get_json()["rows"][-2:]] == ["inf", "n/a"]


# Filters -----------------------------------------------------------------------------------


def test_a_numeric_filter_compares_prices_as_numbers(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    everything = all_rows(client, bought)
    found = all_rows(client, bought, where=f"{PRICE}:gt:70000")
    expected = [row for row in everything if Decimal(row[PRICE]) > 70000]
    assert found == expected and 0 < len(found) < ROWS


def test_an_integer_filter_is_not_compared_as_text(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    everything = all_rows(client, bought)
    found = all_rows(client, bought, where=f"{STOCK}:lte:50000")
    assert found == [row for row in everything if row[STOCK] <= 50000]
    assert any(row[STOCK] < 10000 for row in found)  # "9271" > "50000" as text


def test_a_date_filter_compares_dates_not_text(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    # 2026/01/01 is not the cells' text, but it is their date.
    found = all_rows(client, bought, where=f"{DATE}:eq:2026/01/01")
    assert [row[DATE] for row in found] == ["2026-01-01"] * 4  # days 0, 84, 168 and 252


def test_a_string_filter_matches_equal_text(app: Flask, client: FlaskClient) -> None:
    lines = ["品种,日期,价格"] + [
        f"{('铜', '铝', '锌')[i % 3]},2026-01-{i % 28 + 1:02d},{60000 + i * 13}.{i % 100:02d}"
        for i in range(60)
    ]
    content = ("\n".join(lines) + "\n").encode()
    bought = keyed(app, client, content=content, filename="metals.csv")
    found = all_rows(client, bought, where="品种:eq:铝")
    assert len(found) == 20 and {row["品种"] for row in found} == {"铝"}


def test_several_filters_must_all_hold(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    everything = all_rows(client, bought)
    found = all_rows(client, bought, where=[f"{PRICE}:gte:65000", f"{DATE}:lt:2026-04-01"])
    expected = [
        row for row in everything if Decimal(row[PRICE]) >= 65000 and row[DATE] < "2026-04-01"
    ]
    assert found == expected
    assert 0 < len(found) < len(all_rows(client, bought, where=f"{PRICE}:gte:65000"))


def test_a_malformed_filter_is_a_422_naming_where(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    for malformed in (PRICE, f"{PRICE}:above:5", f"{PRICE}:GT:5", ":eq:5"):
        response = call(client, bought.key, bought.product_id, where=malformed)
        assert "where" in field_errors(response), malformed


def test_a_non_numeric_value_for_a_numeric_column_is_a_422_naming_where(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client)
    response = call(client, bought.key, bought.product_id, where=f"{PRICE}:gt:cheap")
    assert "where" in field_errors(response)


def test_a_filter_on_an_unknown_column_is_a_422_naming_where(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client)
    response = call(client, bought.key, bought.product_id, where="no-such-column:eq:1")
    assert "where" in field_errors(response)


# Cursor ------------------------------------------------------------------------------------


def test_the_cursor_pages_through_every_row_exactly_once(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    everything = all_rows(client, bought)
    assert len(everything) == ROWS
    paged: list[dict[str, Any]] = []
    cursor: str | None = None
    calls = 0
    while True:
        params: dict[str, Any] = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        body = call(client, bought.key, bought.product_id, **params).get_json()
        calls += 1
        assert len(body["rows"]) <= 7
        paged += body["rows"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert paged == everything
    assert calls == -(-ROWS // 7)
    used, rows = metered(app, bought.entitlement_id)
    assert used == calls + 1 and rows == [ROWS] + [7] * (calls - 1) + [ROWS % 7]


def test_a_tampered_cursor_is_a_400(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    cursor = call(client, bought.key, bought.product_id, limit=7).get_json()["next_cursor"]
    payload, signature = cursor.rsplit(".", 1)
    forged = f"{payload}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
    for bad in (forged, "not-a-cursor"):
        response = call(client, bought.key, bought.product_id, limit=7, cursor=bad)
        assert problem_type(response, 400) == "cursor-invalid"
    assert metered(app, bought.entitlement_id) == (1, [7])


def test_a_cursor_is_refused_with_other_filters(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    first = call(client, bought.key, bought.product_id, limit=7, where=f"{PRICE}:gt:70000")
    cursor = first.get_json()["next_cursor"]
    assert cursor
    again = call(
        client, bought.key, bought.product_id, limit=7, where=f"{PRICE}:gt:60000", cursor=cursor
    )
    assert problem_type(again, 400) == "cursor-invalid"
    unfiltered = call(client, bought.key, bought.product_id, limit=7, cursor=cursor)
    assert problem_type(unfiltered, 400) == "cursor-invalid"
    assert metered(app, bought.entitlement_id) == (1, [7])


def test_a_cursor_is_refused_on_another_buyers_key(app: Flask, client: FlaskClient) -> None:
    first = keyed(app, client)
    second = another_buyer(app, client, first)
    cursor = call(client, first.key, first.product_id, limit=7).get_json()["next_cursor"]
    response = call(client, second.key, second.product_id, limit=7, cursor=cursor)
    assert problem_type(response, 400) == "cursor-invalid"
    assert metered(app, second.entitlement_id) == (0, [])


# The buyer's copy: fingerprinted and desensitised -----------------------------------------


def test_served_rows_written_as_a_csv_trace_back_to_the_buyer(
    app: Flask, client: FlaskClient
) -> None:
    first = keyed(app, client)
    second = another_buyer(app, client, first)
    leaked = as_csv(HEADER, all_rows(client, second))
    all_rows(client, first)
    regulator = person(app, [Role.REGULATOR])
    with app.app_context():
        found = delivery.trace(
            uow(), actor(regulator), leaked, "copper.csv", data_files(), contracts=trade_contract
        )
        db.session.remove()
    match = found["match"]
    assert match is not None
    assert match["entitlement_id"] == second.entitlement_id
    buyer = match["buyer"]
    assert buyer is not None and buyer["id"] == second.trade.buyer.organisation_id
    assert match["evidence"]["marks_agreeing"] == match["evidence"]["marks_read"]


def test_the_api_serves_the_same_copy_as_the_buyers_download(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client)
    token = link(app, bought.trade.buyer, bought.entitlement_id).token
    with app.app_context():
        downloaded = delivery.open_download(
            uow(),
            token,
            secret=app.config["SECRET_KEY"],
            lifetime=app.config["DOWNLOAD_LINK_SECONDS"],
            files=data_files(),
            contracts=trade_contract,
        ).content
        db.session.remove()
    assert downloaded != copper_prices()
    assert texts(all_rows(client, bought)) == list(csv.DictReader(io.StringIO(downloaded.decode())))


def test_two_buyers_rows_differ_only_in_carrier_cells(app: Flask, client: FlaskClient) -> None:
    first = keyed(app, client)
    second = another_buyer(app, client, first)
    mine, theirs = all_rows(client, first), all_rows(client, second)
    original = list(csv.DictReader(io.StringIO(copper_prices().decode())))
    assert [row[DATE] for row in mine] == [row[DATE] for row in theirs]
    assert [row[DATE] for row in mine] == [row[DATE] for row in original]
    assert mine != theirs
    for copy in (mine, theirs):
        for name, unit in ((PRICE, Decimal("0.01")), (STOCK, 1)):
            moved = {
                abs(Decimal(str(served[name])) - Decimal(source[name]))
                for served, source in zip(copy, original, strict=True)
            }
            assert moved == {0, unit}  # marked cells move one unit in the last place, no more


def test_personal_columns_are_served_desensitised_by_default(
    app: Flask, client: FlaskClient
) -> None:
    content, secrets = customers_csv()
    bought = keyed(app, client, content=content, filename="customers.csv")
    response = call(client, bought.key, bought.product_id, limit=1000)
    assert response.status_code == 200
    rows = response.get_json()["rows"]
    assert len(rows) == len(secrets)
    assert all(row["身份证号"].startswith("ID-") for row in rows)
    assert all(row["手机"].startswith("MOB-") for row in rows)
    served = bare(response.get_data(as_text=True))
    for row_secrets in secrets:
        for secret in row_secrets:
            assert bare(secret) not in served


# Access ------------------------------------------------------------------------------------


def test_a_key_on_another_products_path_is_a_404(app: Flask, client: FlaskClient) -> None:
    mine = keyed(app, client)
    other = keyed(app, client, content=copper_prices(seed=5), filename="other.csv")
    assert_problem(call(client, mine.key, other.product_id), 404)
    assert metered(app, mine.entitlement_id) == (0, [])
    assert metered(app, other.entitlement_id) == (0, [])


def test_no_key_or_an_unknown_key_is_a_401(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    for key in (None, "", "gsk_" + "x" * 43, bought.key[:-1]):
        assert_problem(call(client, key, bought.product_id), 401)
    assert metered(app, bought.entitlement_id) == (0, [])


def test_a_revoked_key_is_a_401_and_nothing_is_metered(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    assert revoke(client, bought.trade.buyer, bought.entitlement_id).status_code == 200
    assert_problem(call(client, bought.key, bought.product_id), 401)
    assert metered(app, bought.entitlement_id) == (0, [])


def test_an_ended_licence_is_a_403_and_nothing_is_metered(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    with app.app_context():
        db.session.execute(
            update(Entitlement)
            .where(Entitlement.id == bought.entitlement_id)
            .values(expires_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
        db.session.remove()
    assert problem_type(call(client, bought.key, bought.product_id), 403) == "access-ended"
    assert metered(app, bought.entitlement_id) == (0, [])


def test_a_refunded_contract_is_a_403_and_nothing_is_metered(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client)
    with app.app_context():
        db.session.execute(
            update(TradeContract)
            .where(TradeContract.id == bought.trade.contract_id)
            .values(status=ContractStatus.REFUNDED)
        )
        db.session.commit()
        db.session.remove()
    assert problem_type(call(client, bought.key, bought.product_id), 403) == "access-ended"
    assert metered(app, bought.entitlement_id) == (0, [])


# Quota -------------------------------------------------------------------------------------


def test_each_served_call_spends_one_unit_and_meters_its_rows(
    app: Flask, client: FlaskClient
) -> None:
    bought = keyed(app, client, quota=10)
    first = call(client, bought.key, bought.product_id, limit=5).get_json()
    assert (first["quota"], first["used"], first["remaining"]) == (10, 1, 9)
    second = call(client, bought.key, bought.product_id, where=f"{DATE}:eq:2026-01-01")
    assert second.get_json()["remaining"] == 8 and len(second.get_json()["rows"]) == 4
    assert metered(app, bought.entitlement_id) == (2, [5, 4])


def test_a_spent_quota_is_a_409_and_meters_nothing_more(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client, quota=2)
    for _ in range(2):
        assert call(client, bought.key, bought.product_id, limit=3).status_code == 200
    refused = call(client, bought.key, bought.product_id, limit=3)
    assert problem_type(refused, 409) == "quota-exhausted"
    assert metered(app, bought.entitlement_id) == (2, [3, 3])


def test_concurrent_calls_cannot_overspend_the_quota(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client, quota=5)
    count = 12
    barrier = threading.Barrier(count)
    answers: list[tuple[int, str | None]] = []

    def run() -> None:
        own = app.test_client()
        barrier.wait()
        response = call(own, bought.key, bought.product_id, limit=2)
        kind = response.get_json().get("type") if response.status_code != 200 else None
        answers.append((response.status_code, kind))

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == count
    assert (
        sorted(answers, key=lambda a: a[0])
        == [(200, None)] * 5 + [(409, "urn:ganshu:problem:quota-exhausted")] * 7
    ), answers
    assert metered(app, bought.entitlement_id) == (5, [2] * 5)


# Rate and caching --------------------------------------------------------------------------


def test_calls_past_the_rate_are_a_429_for_that_key_only(
    configured_app: Callable[..., Flask],
) -> None:
    app = configured_app(DATA_API_RATE_LIMIT="2/minute")
    client = app.test_client()
    fast = keyed(app, client)
    other = another_buyer(app, client, fast)
    for _ in range(2):
        assert call(client, fast.key, fast.product_id, limit=1).status_code == 200
    refused = call(client, fast.key, fast.product_id, limit=1)
    assert problem_type(refused, 429) == "rate-limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert call(client, other.key, other.product_id, limit=1).status_code == 200
    assert metered(app, fast.entitlement_id) == (2, [1, 1])


def test_rows_are_not_cached_by_the_client(app: Flask, client: FlaskClient) -> None:
    bought = keyed(app, client)
    response = call(client, bought.key, bought.product_id, limit=1)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_without_a_key_the_answer_is_401_before_the_query_is_read(app: Flask, client: FlaskClient):
    bought = keyed(app, client)
    malformed = {"fields": "x" * 5000, "limit": 0}
    refused = call(client, None, bought.product_id, **malformed)
    assert problem_type(refused, 401) == "not-authenticated"
    assert problem_type(call(client, "not-a-key", bought.product_id, **malformed), 401) == (
        "not-authenticated"
    )
    assert problem_type(call(client, bought.key, bought.product_id, **malformed), 422) == (
        "validation-failed"
    )


def test_without_a_key_an_id_past_every_product_is_401_too(client: FlaskClient) -> None:
    assert problem_type(call(client, None, 10**20), 401) == "not-authenticated"
