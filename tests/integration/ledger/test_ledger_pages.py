"""The ledger pages: parties see their own entries, supervisors see and verify everything."""

from __future__ import annotations

import html as markup
import re
from datetime import UTC, datetime, timedelta

import pytest

from contracts.anchoring import anchor_pending
from contracts.verify import verify_bundle
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from tests.databases import tamper
from tests.factories import bearer, csrf_token, make_member, sign_in

LEDGER = "/ledger"


@pytest.fixture
def world(app, client):
    """Two vendors verified by an operator (entries 0 and 1); a regulator; an outsider."""
    operator = make_member(app, [Role.OPERATOR])
    first = make_member(app, [Role.VENDOR], verified=False)
    second = make_member(app, [Role.VENDOR], verified=False)
    headers = bearer(client, operator)
    for vendor in (first, second):
        response = client.post(
            f"/api/v1/organisations/{vendor.organisation_id}/verification",
            json={"decision": "verified"},
            headers=headers,
        )
        assert response.status_code == 200
    return {
        "first": first,
        "second": second,
        "operator": operator,
        "regulator": make_member(app, [Role.REGULATOR]),
        "buyer": make_member(app, [Role.BUYER]),
    }


def in_english(client) -> None:
    with client.session_transaction() as session:
        session["locale"] = "en"


def listed(client, **query) -> list[int]:  # noqa: ANN003
    """The sequence numbers in the ledger table, in page order."""
    html = client.get(LEDGER, query_string=query).get_data(as_text=True)
    return [int(seq) for seq in re.findall(r'<tr data-seq="(\d+)"', html)]


def verify(client):  # noqa: ANN201
    return client.post(f"{LEDGER}/verify", data={"csrf_token": csrf_token(client, LEDGER)})


def test_a_regulator_sees_every_entry_newest_first(client, world):
    sign_in(client, world["regulator"])
    assert listed(client) == [1, 0]


def test_rows_name_the_parties_and_show_the_anchor_state(app, client, world):
    sign_in(client, world["regulator"])
    in_english(client)
    html = client.get(LEDGER).get_data(as_text=True)
    assert "Nanchang Test Data Co." in html
    assert html.count('data-anchor="pending"') == 2
    assert "Organisation verification decided" in html


def test_a_party_sees_its_own_entries_and_not_others(client, world):
    sign_in(client, world["first"])
    assert listed(client) == [0]


def test_a_party_cannot_open_someone_elses_entry(client, world):
    sign_in(client, world["first"])
    assert client.get(f"{LEDGER}/1").status_code == 404
    assert client.get(f"{LEDGER}/1/proof.json").status_code == 404


def test_an_entry_page_shows_the_body_the_proof_and_the_verify_command(client, world):
    sign_in(client, world["first"])
    in_english(client)
    html = markup.unescape(client.get(f"{LEDGER}/0").get_data(as_text=True))
    assert '"decision":"verified"' in html  # the canonical JSON, as hashed
    assert "Inclusion proof" in html and "Leaf hash" in html
    assert "python -m contracts.verify ganshu-ledger-entry-0.json --rpc URL" in html
    assert 'href="/ledger/0/proof.json"' in html


@pytest.mark.parametrize("path", [LEDGER, f"{LEDGER}/0", f"{LEDGER}/0/proof.json"])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_every_signed_in_user_finds_the_ledger_in_the_navigation(client, world):
    sign_in(client, world["buyer"])
    assert f'href="{LEDGER}"' in client.get("/").get_data(as_text=True)


def test_only_supervisors_get_the_verify_button(client, world):
    sign_in(client, world["first"])
    assert 'data-testid="verify-form"' not in client.get(LEDGER).get_data(as_text=True)


def test_a_vendor_may_not_verify_the_ledger(client, world):
    sign_in(client, world["first"])
    assert verify(client).status_code == 403


def test_verifying_needs_a_csrf_token(client, world):
    sign_in(client, world["regulator"])
    assert client.post(f"{LEDGER}/verify").status_code == 400


def test_a_regulator_verifies_an_intact_ledger(client, world):
    sign_in(client, world["regulator"])
    in_english(client)
    response = verify(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-ok="true"' in html and "The ledger is intact" in html


def test_verification_names_an_entry_modified_tamper(app, client, world):
    with app.app_context():
        tamper(
            db.engine,
            "UPDATE ledger_entries SET body = replace(body, 'verified', 'rejected') WHERE seq = 1",
        )
    sign_in(client, world["regulator"])
    in_english(client)
    html = verify(client).get_data(as_text=True)
    assert 'data-ok="false"' in html
    assert 'data-kind="modified_entry"' in html
    assert "Entry 1 was changed after it was recorded" in html


def test_filters_by_organisation_and_entry_type(client, world):
    sign_in(client, world["regulator"])
    assert listed(client, organisation_id=world["second"].organisation_id) == [1]
    assert listed(client, entry_type="organisation.verification_decided") == [1, 0]
    assert listed(client, entry_type="trade.signed") == []


def test_a_party_cannot_filter_its_way_to_others_entries(client, world):
    sign_in(client, world["first"])
    assert listed(client, organisation_id=world["second"].organisation_id) == []


def test_filters_by_whole_days_until_included(client, world):
    sign_in(client, world["regulator"])
    today = datetime.now(UTC).date()
    assert listed(client, until=today.isoformat()) == [1, 0]
    assert listed(client, since=(today + timedelta(days=1)).isoformat()) == []
    assert listed(client, since="", until="", entry_type="") == [1, 0]  # blank means no filter


def test_pages_go_back_by_sequence_number(client, world):
    sign_in(client, world["regulator"])
    assert listed(client, before_seq=1) == [0]
    first_page = client.get(LEDGER, query_string={"limit": 1}).get_data(as_text=True)
    assert 'href="/ledger?limit=1&amp;before_seq=1"' in first_page
    older = client.get(LEDGER, query_string={"limit": 1, "before_seq": 1}).get_data(as_text=True)
    assert 'href="/ledger?limit=1"' in older  # back to the newest


def test_a_backwards_date_range_is_explained_beside_the_field(client, world):
    sign_in(client, world["regulator"])
    in_english(client)
    response = client.get(LEDGER, query_string={"since": "2026-11-02", "until": "2026-11-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="form-error"' in html
    feedback = re.search(r'id="e-until">([^<]+)<', html)
    assert feedback and "must come after its start" in feedback.group(1)
    assert 'value="2026-11-02"' in html  # what was typed is kept


def test_the_proof_bundle_downloads_and_checks_out_once_anchored(app, client, world):
    with app.app_context():
        run = anchor_pending(db.engine, chain_of(app), force=True)
    assert run.anchored_size == 2
    sign_in(client, world["first"])
    response = client.get(f"{LEDGER}/0/proof.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    verdict = verify_bundle(response.get_json(), chain_of(app))
    assert verdict.ok, verdict.reason
    assert 'data-anchor="confirmed"' in client.get(LEDGER).get_data(as_text=True)
    assert response.get_json()["anchor"]["tx_hash"] in client.get(f"{LEDGER}/0").get_data(
        as_text=True
    )


def test_a_malformed_filter_is_named_on_the_page(client, world):
    sign_in(client, world["regulator"])
    response = client.get(LEDGER, query_string={"before_seq": "soon"})
    assert response.status_code == 422
    assert "<code>before_seq</code>" in response.get_data(as_text=True)
