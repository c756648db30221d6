"""Business changes write their ledger entry in the same transaction, or neither happens."""

from __future__ import annotations

import json

from contracts import ledger, merkle
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.factories import bearer, make_member


def ledger_entries(app) -> list[ledger.Entry]:  # noqa: ANN001
    with app.app_context():
        size = ledger.tree_head(db.session).size
        return [ledger.entry(db.session, seq) for seq in range(size)]


def decide(client, headers, organisation_id, **body):  # noqa: ANN001, ANN003
    return client.post(
        f"/api/v1/organisations/{organisation_id}/verification", json=body, headers=headers
    )


def test_a_verification_decision_is_a_ledger_entry(app, client):
    operator = make_member(app, [Role.OPERATOR])
    applicant = make_member(app, [Role.VENDOR], verified=False)
    response = decide(
        client, bearer(client, operator), applicant.organisation_id, decision="verified"
    )
    assert response.status_code == 200
    [entry] = ledger_entries(app)
    body = json.loads(entry.body)
    assert entry.entry_type == "organisation.verification_decided"
    assert body["organisation_id"] == applicant.organisation_id
    assert body["decision"] == "verified"
    assert body["decided_by"] == operator.user_id


def test_a_refused_decision_writes_no_ledger_entry(app, client):
    operator = make_member(app, [Role.OPERATOR])
    applicant = make_member(app, [Role.VENDOR], verified=False)
    response = decide(
        client, bearer(client, operator), applicant.organisation_id, decision="rejected"
    )
    assert response.status_code == 422
    assert ledger_entries(app) == []


def test_the_entry_proves_into_the_tree_head(app, client):
    operator = make_member(app, [Role.OPERATOR])
    headers = bearer(client, operator)
    for _ in range(3):
        applicant = make_member(app, [Role.VENDOR], verified=False)
        decide(client, headers, applicant.organisation_id, decision="verified")
    entries = ledger_entries(app)
    with app.app_context():
        head = ledger.tree_head(db.session)
        proof = ledger.inclusion_proof(db.session, 1)
    assert merkle.verify_inclusion(
        merkle.SHA256, 1, head.size, entries[1].leaf_hash, proof, head.root
    )
