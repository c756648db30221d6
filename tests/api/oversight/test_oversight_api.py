"""The regulators' API through HTTP, on SQLite and PostgreSQL: real trades made through the
services, each route's answer, each kind of bad input refused as a problem that writes
nothing, the audit event of each view, and the OpenAPI description of every route. The views
that only read one settled trade share it in test_oversight_api_one_trade."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from contracts.anchoring import anchor_pending
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from tests.api.helpers import assert_problem, field_errors
from tests.catalog import person, review, submit
from tests.delivery import copper_prices
from tests.oversight import (
    TRADE_ENTRIES,
    agreed,
    audit_actions,
    leaked_copy,
    oversight_state,
    raised_alert,
    settled_trade,
)
from tests.rights import own_product

URL = "/api/v1/oversight"


@pytest.fixture
def regulator(app):
    return person(app, [Role.REGULATOR])


@pytest.fixture
def settled(app, client):
    """A trade from offer to settlement, downloaded once; (market, contract id)."""
    return settled_trade(app, client)


def get(client, path, who, **params):
    return client.get(URL + path, query_string=params, headers=who.headers)


def post(client, path, who, **kwargs):
    return client.post(URL + path, headers=who.headers, **kwargs)


# The dashboard


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-02-30"}, "date_from"),  # no such day
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_from"),  # backwards
        ({"date_from": "2005-01-01", "date_to": "2020-01-01"}, "date_to"),  # over ten years
        ({"date_from": "9999-06-01", "date_to": "9999-12-31"}, "date_from"),  # the calendar's end
        ({"colour": "red"}, "colour"),  # no such parameter
    ],
    ids=["no_such_day", "not_a_date", "backwards", "too_long", "calendar_end", "unknown"],
)
def test_a_bad_dashboard_period_is_refused_and_writes_nothing(
    app, client, regulator, params, field
):
    before = oversight_state(app)
    errors = field_errors(get(client, "/dashboard", regulator, **params))
    assert field in errors
    assert oversight_state(app) == before


# The trade browser


def test_filters_sort_and_pages_narrow_the_trades(app, client, settled, regulator):
    found, contract_id = settled
    second = agreed(app, found)  # agreed, not yet signed
    newest_first = get(client, "/trades", regulator).get_json()
    assert [r["id"] for r in newest_first["rows"]] == [second, contract_id]

    paged = get(client, "/trades", regulator, sort="date", per_page="1", page="2").get_json()
    assert ([r["id"] for r in paged["rows"]], paged["total"], paged["pages"]) == ([second], 2, 2)

    settled_only = get(client, "/trades", regulator, status="settled,in_escrow").get_json()
    assert [r["id"] for r in settled_only["rows"]] == [contract_id]
    nobody = get(client, "/trades", regulator, vendor=str(found.buyer.organisation_id))
    assert nobody.get_json()["total"] == 0


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"amount_min": "ten"}, {"amount_min"}),
        ({"amount_min": "500", "amount_max": "100"}, {"amount_max"}),
        ({"date_from": "2026-02-30"}, {"date_from"}),
        ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, {"date_to"}),
        ({"date_from": "1999-12-31"}, {"date_from"}),
        ({"status": "sold", "grade": "secret"}, {"status", "grade"}),
        ({"colour": "red"}, {"colour"}),
        ({"sort": "price"}, {"sort"}),
        ({"per_page": "1000", "page": "0"}, {"per_page", "page"}),
        ({"board": "no_such_board"}, {"board"}),
    ],
    ids=[
        "amount_not_a_number",
        "amounts_backwards",
        "no_such_day",
        "dates_backwards",
        "before_2000",
        "unknown_choices",
        "unknown_parameter",
        "bad_sort",
        "bad_paging",
        "unknown_board",
    ],
)
def test_a_bad_trade_query_names_each_bad_field_and_writes_nothing(
    app, client, regulator, params, fields
):
    before = oversight_state(app)
    errors = field_errors(get(client, "/trades", regulator, **params))
    assert set(errors) == fields
    assert oversight_state(app) == before


def test_a_stranger_is_refused_before_the_query_is_judged(app, client):
    buyer = person(app, [Role.BUYER])
    before = oversight_state(app)
    problem = assert_problem(get(client, "/trades", buyer, amount_min="ten"), 403)
    assert problem["type"] == "urn:ganshu:problem:forbidden"
    assert_problem(get(client, "/trades/export", buyer, format="pdf"), 403)
    assert oversight_state(app) == before


# The export


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"sort": "colour"}, "sort"),
        ({"page": "2"}, "page"),  # an export is not paged
        ({"amount_max": "-1"}, "amount_max"),
    ],
    ids=["bad_format", "bad_sort", "paging", "negative_amount"],
)
def test_a_bad_export_is_refused_and_writes_nothing(app, client, regulator, params, field):
    before = oversight_state(app)
    errors = field_errors(get(client, "/trades/export", regulator, **params))
    assert field in errors
    assert oversight_state(app) == before


# One trade


def test_an_unknown_trade_is_not_found_and_nothing_is_written(app, client, regulator):
    before = oversight_state(app)
    assert_problem(get(client, "/trades/987654", regulator), 404)
    assert_problem(post(client, "/trades/987654/verification", regulator), 404)
    assert oversight_state(app) == before


def test_a_trades_proofs_are_pending_until_anchored_then_verified_on_chain(
    app, client, settled, regulator
):
    _, contract_id = settled
    before = post(client, f"/trades/{contract_id}/verification", regulator).get_json()
    assert (before["ok"], before["verified_on_chain"]) == (True, False)
    assert [c["entry_type"] for c in before["checks"]] == TRADE_ENTRIES
    assert {c["ok"] for c in before["checks"]} == {None}

    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
        db.session.remove()
    after = post(client, f"/trades/{contract_id}/verification", regulator).get_json()

    assert (after["ok"], after["verified_on_chain"], after["contract_id"]) == (
        True,
        True,
        contract_id,
    )
    assert all(c["ok"] is True and c["anchor_status"] != "pending" for c in after["checks"])
    assert after["checks"][0]["steps"][-1]["name"] == "root"
    assert audit_actions(app, regulator.user_id) == ["oversight.trade.verified"] * 2


# Alerts


@pytest.fixture
def alert_id(app, client):
    return raised_alert(app, client)


def test_alerts_are_listed_newest_first_and_filtered(app, client, alert_id, regulator):
    everything = get(client, "/alerts", regulator).get_json()
    assert alert_id in [a["id"] for a in everything]
    mine = next(a for a in everything if a["id"] == alert_id)
    assert (mine["kind"], mine["label"], mine["status"]) == (
        "important_data",
        "Trade of important data",
        "open",
    )
    assert len(mine["contract_ids"]) == 1 and len(mine["organisation_ids"]) == 2

    important = get(client, "/alerts", regulator, kind="important_data", status="open")
    assert [a["id"] for a in important.get_json()] == [alert_id]
    assert get(client, "/alerts", regulator, status="closed").get_json() == []
    assert audit_actions(app, regulator.user_id) == ["oversight.alerts_listed"] * 3


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "resolved"}, "status"), ({"kind": "fraud"}, "kind"), ({"limit": "5"}, "limit")],
    ids=["bad_status", "bad_kind", "unknown_parameter"],
)
def test_a_bad_alert_filter_is_refused_and_writes_nothing(app, client, regulator, params, field):
    before = oversight_state(app)
    assert field in field_errors(get(client, "/alerts", regulator, **params))
    assert oversight_state(app) == before


def test_an_alert_shows_its_evidence_parties_and_contracts(app, client, alert_id, regulator):
    seen = get(client, f"/alerts/{alert_id}", regulator).get_json()
    [contract] = seen["contracts"]
    assert contract["number"].startswith("GTC-")
    assert seen["evidence"]["contract"]["id"] == contract["id"]
    assert seen["evidence"]["product"]["grade"] == "important"
    assert {o["id"] for o in seen["organisations"]} == set(seen["organisation_ids"])
    assert seen["notes"] == [] and seen["acknowledged_at"] is None
    assert audit_actions(app, regulator.user_id) == ["oversight.alert_viewed"]


def test_an_alert_is_acknowledged_then_closed_with_notes_on_the_way(
    app, client, alert_id, regulator
):
    acknowledged = post(client, f"/alerts/{alert_id}/acknowledge", regulator)
    assert acknowledged.status_code == 200
    assert acknowledged.get_json()["status"] == "acknowledged"
    assert acknowledged.get_json()["acknowledged_by_id"] == regulator.user_id

    note = post(client, f"/alerts/{alert_id}/notes", regulator, json={"body": " 已联系买方。 "})
    assert note.status_code == 201
    assert note.get_json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "alert_id": alert_id,
        "author_id": regulator.user_id,
        "author": regulator.display_name,
        "body": "已联系买方。",
        "created_at": "",
    }

    closed = post(client, f"/alerts/{alert_id}/close", regulator).get_json()
    assert (closed["status"], closed["closed_by_id"]) == ("closed", regulator.user_id)
    assert [n["body"] for n in closed["notes"]] == ["已联系买方。"]
    assert audit_actions(app, regulator.user_id) == [
        "oversight.alert_acknowledged",
        "oversight.alert_noted",
        "oversight.alert_closed",
    ]


@pytest.mark.parametrize(
    ("done", "refused"),
    [("acknowledge", "acknowledge"), ("close", "acknowledge"), ("close", "close")],
    ids=["acknowledged_twice", "acknowledged_when_closed", "closed_twice"],
)
def test_an_illegal_transition_is_a_conflict_and_writes_nothing(
    app, client, alert_id, regulator, done, refused
):
    assert post(client, f"/alerts/{alert_id}/{done}", regulator).status_code == 200
    before = oversight_state(app)
    problem = assert_problem(post(client, f"/alerts/{alert_id}/{refused}", regulator), 409)
    assert problem["type"] == "urn:ganshu:problem:alert-transition-refused"
    assert oversight_state(app) == before


@pytest.mark.parametrize(
    "body",
    [{"body": "   "}, {}, {"body": "长" * 4001}, {"body": "ok", "urgent": True}, {"body": 7}],
    ids=["blank", "missing", "too_long", "unknown_field", "not_text"],
)
def test_a_bad_note_is_refused_and_writes_nothing(app, client, alert_id, regulator, body):
    before = oversight_state(app)
    errors = field_errors(post(client, f"/alerts/{alert_id}/notes", regulator, json=body))
    assert set(errors) == ({"urgent"} if "urgent" in body else {"body"})
    assert oversight_state(app) == before


def test_a_note_too_large_to_read_is_the_usual_413(app, client, alert_id, regulator):
    before = oversight_state(app)
    body = {"body": "x" * app.config["MAX_CONTENT_LENGTH"]}
    problem = assert_problem(post(client, f"/alerts/{alert_id}/notes", regulator, json=body), 413)
    assert "suspect" not in problem["detail"]
    assert oversight_state(app) == before


def test_an_unknown_alert_is_not_found(app, client, regulator):
    before = oversight_state(app)
    for response in (
        get(client, "/alerts/999999", regulator),
        post(client, "/alerts/999999/acknowledge", regulator),
        post(client, "/alerts/999999/close", regulator),
        post(client, "/alerts/999999/notes", regulator, json={"body": "?"}),
    ):
        assert_problem(response, 404)
    assert oversight_state(app) == before


# Leaked copies


def upload(client, who, content, name="copper.csv"):
    return post(
        client,
        "/leaks",
        who,
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_leaked_copy_names_its_buyer_and_raises_one_alert(app, client, regulator):
    copy = leaked_copy(app, client)

    first = upload(client, regulator, copy.content)

    assert first.status_code == 200
    found = first.get_json()
    assert (found["new"], found["candidates"]) == (True, 1)
    assert found["match"]["buyer"]["id"] == copy.buyer.organisation_id
    assert found["match"]["contract"]["id"] == copy.contract_id
    assert found["match"]["file"]["name"] == "copper.csv"
    again = upload(client, regulator, copy.content).get_json()
    assert (again["alert_id"], again["new"]) == (found["alert_id"], False)
    alert = get(client, f"/alerts/{found['alert_id']}", regulator).get_json()
    assert alert["kind"] == "leak" and alert["contract_ids"] == [copy.contract_id]
    assert audit_actions(app, regulator.user_id) == ["oversight.leak_traced"] * 2 + [
        "oversight.alert_viewed"
    ]


def test_an_unmarked_copy_names_nobody(app, client, regulator):
    found = upload(client, regulator, copper_prices()).get_json()
    assert found == {"match": None, "candidates": 0, "alert_id": None, "new": False}


def test_a_suspect_file_over_the_limit_is_refused_and_writes_nothing(app, client, regulator):
    copy = leaked_copy(app, client)
    app.config["OVERSIGHT_LEAK_MAX_BYTES"] = len(copy.content) - 1
    before = oversight_state(app)

    problem = assert_problem(upload(client, regulator, copy.content), 413)

    assert problem["type"] == "urn:ganshu:problem:payload-too-large"
    assert str(len(copy.content) - 1) in problem["detail"]
    assert oversight_state(app) == before


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(app, client, regulator):
    app.config["OVERSIGHT_LEAK_MAX_BYTES"] = 1000
    before = oversight_state(app)

    problem = assert_problem(upload(client, regulator, b"a,b\n" * 40_000), 413)

    assert problem["type"] == "urn:ganshu:problem:payload-too-large"
    assert "1000" in problem["detail"]
    assert oversight_state(app) == before


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"\x00\x01 not a table", "copper.xlsx"), (b"a,b\n1,2\n", "copper.exe"), (b"", "empty.csv")],
    ids=["unreadable_xlsx", "unsupported_type", "empty"],
)
def test_an_unreadable_suspect_file_is_refused_and_writes_nothing(
    app, client, regulator, content, name
):
    before = oversight_state(app)
    assert list(field_errors(upload(client, regulator, content, name))) == ["file"]
    assert oversight_state(app) == before


def test_a_missing_suspect_file_is_refused(app, client, regulator):
    before = oversight_state(app)
    response = post(client, "/leaks", regulator, data={}, content_type="multipart/form-data")
    assert list(field_errors(response)) == ["file"]
    assert oversight_state(app) == before


# The review queue


def test_the_review_queue_shows_regulators_the_important_data_awaiting_them(app, client, regulator):
    vendor, operator = person(app, [Role.VENDOR]), person(app, [Role.OPERATOR])
    important = own_product(client, vendor, grade="important")
    general = own_product(client, vendor)
    for product in (important, general):
        assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, important["id"]).get_json()["status"] == "in_review"

    waiting = get(client, "/review-queue", regulator).get_json()
    queued = get(client, "/review-queue", operator).get_json()

    assert [(p["id"], p["status"], p["grade"]) for p in waiting] == [
        (important["id"], "in_review", "important")
    ]
    assert "grade_justification" in waiting[0] and waiting[0]["updated_at"]
    assert [p["id"] for p in queued] == [general["id"]]


# OpenAPI

ROUTES = {
    "/dashboard": {"get"},
    "/trades": {"get"},
    "/trades/export": {"get"},
    "/trades/{contract_id}": {"get"},
    "/trades/{contract_id}/verification": {"post"},
    "/verification": {"post"},
    "/review-queue": {"get"},
    "/alerts": {"get"},
    "/alerts/{alert_id}": {"get"},
    "/alerts/{alert_id}/acknowledge": {"post"},
    "/alerts/{alert_id}/close": {"post"},
    "/alerts/{alert_id}/notes": {"post"},
    "/leaks": {"post"},
}


def test_every_route_is_described_in_openapi_behind_the_bearer_scheme(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = {p.removeprefix(URL): v for p, v in spec["paths"].items() if p.startswith(URL)}
    assert {p: set(v) - {"parameters"} for p, v in paths.items()} == ROUTES
    for path, methods in ROUTES.items():
        for method in methods:
            operation = paths[path][method]
            assert operation["security"] == [{"bearerAuth": []}], path
            assert operation["summary"], path
    listed = {p["name"] for p in paths["/trades"]["get"]["parameters"]}
    assert {"board", "region", "status", "date_from", "amount_max", "sort", "page"} <= listed
    exported = {p["name"] for p in paths["/trades/export"]["get"]["parameters"]}
    assert {"format", "sort", "vendor"} <= exported and "page" not in exported
    upload_body = paths["/leaks"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
    dashboard = {p["name"] for p in paths["/dashboard"]["get"]["parameters"]}
    assert dashboard == {"date_from", "date_to"}


def test_a_dashboard_day_more_than_a_year_ahead_is_refused(app, client, regulator):
    latest = date(datetime.now(UTC).year + 2, 1, 1).isoformat()
    assert "date_to" in field_errors(get(client, "/dashboard", regulator, date_to=latest))
