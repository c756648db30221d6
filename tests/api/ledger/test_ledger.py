"""The ledger API: parties see their own entries, supervisors see and verify everything."""

from __future__ import annotations

import pytest

from contracts import merkle
from contracts.anchoring import anchor_pending
from contracts.verify import verify_bundle
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from tests.api.helpers import assert_problem, field_errors
from tests.databases import tamper
from tests.factories import bearer, make_member

ENTRIES = "/api/v1/ledger/entries"


@pytest.fixture
def world(app, client):
    """An operator who verified one vendor; a regulator; a vendor with nothing on the ledger."""
    operator = make_member(app, [Role.OPERATOR])
    vendor = make_member(app, [Role.VENDOR], verified=False)
    headers = {
        "operator": bearer(client, operator),
        "vendor": bearer(client, vendor),
        "regulator": bearer(client, make_member(app, [Role.REGULATOR])),
        "stranger": bearer(client, make_member(app, [Role.BUYER])),
    }
    response = client.post(
        f"/api/v1/organisations/{vendor.organisation_id}/verification",
        json={"decision": "verified"},
        headers=headers["operator"],
    )
    assert response.status_code == 200
    return {"vendor": vendor, "headers": headers}


def test_the_party_sees_its_entry(client, world):
    [entry] = client.get(ENTRIES, headers=world["headers"]["vendor"]).get_json()
    assert entry["entry_type"] == "organisation.verification_decided"
    assert entry["parties"] == [world["vendor"].organisation_id]
    assert entry["body"]["decision"] == "verified"


@pytest.mark.parametrize("who", ["regulator", "operator"])
def test_supervisors_see_every_entry(client, world, who):
    assert len(client.get(ENTRIES, headers=world["headers"][who]).get_json()) == 1


def test_others_see_nothing_of_it(client, world):
    assert client.get(ENTRIES, headers=world["headers"]["stranger"]).get_json() == []
    assert_problem(client.get(f"{ENTRIES}/0", headers=world["headers"]["stranger"]), 404)


def test_reading_the_ledger_needs_a_token(client, world):
    assert_problem(client.get(ENTRIES), 401)


def test_an_entry_comes_with_a_proof_into_the_current_tree(client, world):
    detail = client.get(f"{ENTRIES}/0", headers=world["headers"]["vendor"]).get_json()
    proof = [bytes.fromhex(node[2:]) for node in detail["inclusion_proof"]]
    assert merkle.verify_inclusion(
        merkle.SHA256,
        0,
        detail["tree_size"],
        bytes.fromhex(detail["leaf_hash"][2:]),
        proof,
        bytes.fromhex(detail["root"][2:]),
    )
    assert detail["anchor"] == {"status": "pending"}


def test_a_bundle_before_anchoring_says_it_is_not_anchored_yet(client, world):
    response = client.get(f"{ENTRIES}/0/proof", headers=world["headers"]["vendor"])
    assert response.status_code == 200
    assert verify_bundle(response.get_json(), None).reason == "not anchored yet"


def test_an_anchored_entrys_bundle_checks_out_against_the_chain(app, client, world):
    with app.app_context():
        run = anchor_pending(db.engine, chain_of(app), force=True)
    assert run.anchored_size == 1
    bundle = client.get(f"{ENTRIES}/0/proof", headers=world["headers"]["vendor"]).get_json()
    verdict = verify_bundle(bundle, chain_of(app))
    assert verdict.ok, verdict.reason
    detail = client.get(f"{ENTRIES}/0", headers=world["headers"]["vendor"]).get_json()
    assert detail["anchor"]["status"] == "confirmed"
    assert detail["anchor"]["tx_hash"] == bundle["anchor"]["tx_hash"]


def test_an_unknown_entry_is_not_found(client, world):
    assert_problem(client.get(f"{ENTRIES}/99", headers=world["headers"]["regulator"]), 404)


def test_a_backwards_date_range_is_refused(client, world):
    response = client.get(
        ENTRIES,
        query_string={"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
        headers=world["headers"]["regulator"],
    )
    assert "until" in field_errors(response)


def test_a_regulator_verifies_the_whole_ledger(client, world):
    response = client.post("/api/v1/ledger/verification", headers=world["headers"]["regulator"])
    assert response.status_code == 200
    report = response.get_json()
    assert report["ok"] is True and report["entries"] == 1 and report["problems"] == []


def test_verification_checks_the_stored_anchors_against_the_chain(app, client, world):
    with app.app_context():
        assert anchor_pending(db.engine, chain_of(app), force=True).anchored_size == 1
        zero = "'\\x" + "00" * 32 + "'" if db.engine.dialect.name == "postgresql" else None
        tamper(db.engine, f"UPDATE ledger_anchors SET root = {zero or 'zeroblob(32)'}")
    response = client.post("/api/v1/ledger/verification", headers=world["headers"]["regulator"])
    report = response.get_json()
    assert report["ok"] is False
    assert [p["kind"] for p in report["problems"]] == ["altered_anchor"]


@pytest.mark.parametrize("who", ["vendor", "stranger"])
def test_only_supervisors_verify_the_ledger(client, world, who):
    assert_problem(client.post("/api/v1/ledger/verification", headers=world["headers"][who]), 403)
