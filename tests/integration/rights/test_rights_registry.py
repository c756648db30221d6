"""The rights registry through its services, on SQLite and PostgreSQL: applications on notice,
objections and decisions, certificates and their verification, transfers, grants, derivatives."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from contracts.anchoring import anchor_pending
from contracts.certificates import registration_hash, verify_signature
from contracts.merkle import hasher_named
from contracts.schema import ledger_entries
from exchange.catalog.extension import data_files
from exchange.extensions import db
from exchange.kernel.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from exchange.rights import certificates as rights_certificates
from exchange.rights import transfers as rights_transfers
from exchange.rights.domain import ObjectionStatus, RecordStatus, RegistrationStatus
from exchange.rights.extension import rights_settings
from exchange.rights.models import (
    LicenceGrant,
    RightsCertificate,
    RightsDocument,
    RightsObjection,
    RightsRecord,
    RightsRegistration,
)
from tests.catalog import person
from tests.rights import (
    PNG,
    application,
    apply_for,
    certify,
    claim,
    decide,
    document,
    grant,
    object_to,
    own_product,
    scope,
    settle,
)


@pytest.fixture
def vendor(app):
    return person(app, [Role.VENDOR])


@pytest.fixture
def operator(app):
    return person(app, [Role.OPERATOR])


@pytest.fixture
def rival(app):
    return person(app, [Role.VENDOR, Role.BUYER])


@pytest.fixture
def product(client, vendor):
    return own_product(client, vendor)


def registration(app, registration_id: int) -> dict:
    with app.app_context():
        row = db.session.get(RightsRegistration, registration_id)
        found = {
            "number": row.number,
            "status": row.status,
            "records": [(r.right.value, r.status) for r in row.records],
            "hash": row.registration_hash,
            "hash_name": row.hash_name,
            "canonical": row.canonical,
            "seq": row.ledger_seq,
            "certificate": row.certificate.number if row.certificate else None,
            "objections": [o.status for o in row.objections],
        }
        db.session.remove()
    return found


def counts(app) -> dict[str, int]:
    with app.app_context():
        found = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (RightsRegistration, RightsRecord, RightsDocument, RightsObjection)
        }
        found["ledger"] = db.session.scalar(select(func.count()).select_from(ledger_entries))
        db.session.remove()
    return found


def ledger_body(app, seq: int) -> tuple[str, dict]:
    with app.app_context():
        row = db.session.execute(
            select(ledger_entries.c.entry_type, ledger_entries.c.body).where(
                ledger_entries.c.seq == seq
            )
        ).one()
        db.session.remove()
    return row.entry_type, json.loads(row.body)


def refused(app, error: type[Exception], step, *args, **kwargs) -> Exception:
    """The step is refused with this error and changes nothing."""
    before = counts(app)
    with pytest.raises(error) as caught:
        step(*args, **kwargs)
    assert counts(app) == before
    return caught.value


# Applying


def test_an_application_goes_on_notice_with_its_hash_on_the_ledger(app, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])

    found = registration(app, registration_id)
    assert found["number"].startswith("GSR-") and found["status"] == RegistrationStatus.NOTICE
    assert found["records"] == [
        ("holding", RecordStatus.PENDING),
        ("processing", RecordStatus.PENDING),
        ("operation", RecordStatus.PENDING),
    ]
    body = json.loads(found["canonical"])
    assert found["hash"] == registration_hash(hasher_named(found["hash_name"]), body)
    assert body["data_sha256"] == product["versions"][-1]["sha256"]
    assert body["documents"][0]["name"] == "数据来源说明.pdf"
    entry_type, entry = ledger_body(app, found["seq"])
    assert entry_type == "rights.application"
    assert entry["registration_hash"] == found["hash"] and entry["registration"] == found["number"]


def test_a_basis_document_is_stored_encrypted_and_hashed(app, vendor, product):
    from tests.rights import PDF

    registration_id = apply_for(app, vendor, product["id"])

    with app.app_context():
        stored = db.session.scalars(
            select(RightsDocument).where(RightsDocument.registration_id == registration_id)
        ).one()
        files = data_files()
        on_disk = (files.store.root / stored.object_key).read_bytes()
        db.session.remove()
    assert PDF not in on_disk and b"%PDF" not in on_disk
    assert stored.size_bytes == len(PDF) and stored.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("documents", "field"),
    [
        ([], "documents"),
        ([document("契约.pdf", PNG)], "documents"),
        ([document("deed.exe", b"MZ\x90\x00")], "documents"),
        ([document(claimed_sha256="0" * 64)], "documents"),
    ],
    ids=["none", "png-named-pdf", "not-a-document", "wrong-stated-hash"],
)
def test_a_missing_or_false_document_is_refused(app, vendor, product, documents, field):
    error = refused(app, ValidationFailed, apply_for, app, vendor, product["id"], None, documents)
    assert field in error.errors


def test_a_product_without_its_data_file_cannot_be_registered(app, client, vendor):
    from tests.catalog import create_product

    bare = create_product(client, vendor.headers, with_file=False)
    error = refused(app, ValidationFailed, apply_for, app, vendor, bare["id"])
    assert "product_id" in error.errors


def test_only_the_vendors_members_apply(app, vendor, rival, product):
    refused(
        app,
        PermissionDenied,
        apply_for,
        app,
        person(app, [Role.BUYER], organisation_id=vendor.organisation_id),
        product["id"],
    )
    # another organisation cannot even see a draft
    from exchange.kernel.errors import NotFound

    refused(app, NotFound, apply_for, app, rival, product["id"])


def test_a_source_by_contract_names_its_contract(app, vendor, product):
    data = application(source="contract")
    error = refused(app, ValidationFailed, apply_for, app, vendor, product["id"], data)
    assert "source_reference" in error.errors


def test_a_right_cannot_end_before_it_starts(app, vendor, product):
    data = application(claim(starts_on=date(2027, 1, 1), ends_on=date(2026, 1, 1)))
    refused(app, ValidationFailed, apply_for, app, vendor, product["id"], data)


# Conflicts


def test_an_overlapping_exclusive_claim_is_refused(app, vendor, product):
    apply_for(app, vendor, product["id"], application(claim("operation")))

    error = refused(
        app,
        Conflict,
        apply_for,
        app,
        vendor,
        product["id"],
        application(claim("operation", uses=["commercial"], exclusive=False)),
    )
    assert "rights" in error.errors


def test_claims_over_different_uses_or_periods_stand_side_by_side(app, vendor, product):
    first = date.today()
    apply_for(
        app,
        vendor,
        product["id"],
        application(claim("operation", uses=["commercial"], ends_on=first + timedelta(days=365))),
    )
    apply_for(app, vendor, product["id"], application(claim("operation", uses=["research"])))
    later = claim("operation", uses=["commercial"], starts_on=first + timedelta(days=366))
    apply_for(app, vendor, product["id"], application(later))
    assert counts(app)["RightsRegistration"] == 3


def test_non_exclusive_claims_never_collide(app, vendor, product):
    apply_for(app, vendor, product["id"], application(claim("processing", exclusive=False)))
    apply_for(app, vendor, product["id"], application(claim("processing", exclusive=False)))
    assert counts(app)["RightsRegistration"] == 2


def test_the_same_data_registered_by_another_organisation_is_flagged(
    app, client, vendor, rival, operator
):
    from tests.catalog import COPPER_CSV, create_product, upload

    mine = create_product(client, vendor.headers, with_file=False)
    upload(client, vendor.headers, mine["id"], COPPER_CSV + b"2026-10-12,1.00,1,13512345678\n")
    theirs = create_product(client, rival.headers, with_file=False)
    upload(client, rival.headers, theirs["id"], COPPER_CSV + b"2026-10-12,1.00,1,13512345678\n")
    first = apply_for(app, vendor, mine["id"], notice_seconds=0)

    second = apply_for(app, rival, theirs["id"], notice_seconds=0)

    assert registration(app, first)["objections"] == []
    assert registration(app, second)["objections"] == [ObjectionStatus.OPEN]
    assert settle(app) == 1  # only the first: the flag holds the second
    assert registration(app, second)["status"] == RegistrationStatus.NOTICE
    with app.app_context():
        flag = db.session.scalars(
            select(RightsObjection).where(RightsObjection.registration_id == second)
        ).one()
        assert flag.objector_id is None and flag.conflicting_registration_id == first
        flag_id = flag.id
        db.session.remove()
    decide(app, operator, flag_id, "uphold")
    assert registration(app, second)["status"] == RegistrationStatus.REFUSED


# Objections and decisions


def test_an_objection_holds_the_certificate_until_dismissed(app, vendor, rival, operator, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)

    assert settle(app, later=timedelta(days=11)) == 0
    decide(app, operator, objection_id, "dismiss")
    assert registration(app, registration_id)["certificate"] is None  # the period still runs
    assert settle(app, later=timedelta(days=11)) == 1

    found = registration(app, registration_id)
    assert found["status"] == RegistrationStatus.CERTIFIED and found["certificate"]
    assert {status for _, status in found["records"]} == {RecordStatus.ACTIVE}


def test_dismissing_the_last_objection_after_the_period_certifies_at_once(
    app, vendor, rival, operator, product
):
    registration_id = apply_for(app, vendor, product["id"], notice_seconds=2)
    objection_id = object_to(app, rival, registration_id)
    with app.app_context():
        db.session.execute(
            update(RightsRegistration)
            .where(RightsRegistration.id == registration_id)
            .values(notice_ends_at=RightsRegistration.created_at)
        )
        db.session.commit()
        db.session.remove()

    decide(app, operator, objection_id, "dismiss")

    assert registration(app, registration_id)["status"] == RegistrationStatus.CERTIFIED


def test_an_upheld_objection_refuses_the_registration(app, vendor, rival, operator, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)

    decide(app, operator, objection_id, "uphold")

    found = registration(app, registration_id)
    assert found["status"] == RegistrationStatus.REFUSED
    assert {status for _, status in found["records"]} == {RecordStatus.REFUSED}
    assert settle(app, later=timedelta(days=30)) == 0
    # the refused claims no longer block a fresh application
    apply_for(app, vendor, product["id"])


def test_an_objection_after_the_period_is_refused(app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"], notice_seconds=0)
    error = refused(app, Conflict, object_to, app, rival, registration_id)
    assert "ended" in str(error.detail)


def test_the_applicant_cannot_object_to_itself(app, vendor, product):
    registration_id = apply_for(app, vendor, product["id"])
    refused(app, PermissionDenied, object_to, app, vendor, registration_id)


def test_one_open_objection_per_organisation(app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    object_to(app, rival, registration_id)
    refused(app, Conflict, object_to, app, rival, registration_id)


def test_an_objection_needs_reasons(app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    error = refused(app, ValidationFailed, object_to, app, rival, registration_id, "   ")
    assert "reasons" in error.errors


def test_only_operators_decide(app, vendor, rival, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    regulator = person(app, [Role.REGULATOR])
    for someone in (vendor, rival, regulator):
        refused(app, PermissionDenied, decide, app, someone, objection_id, "dismiss")


def test_a_decision_is_made_once(app, vendor, rival, operator, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    decide(app, operator, objection_id, "dismiss")
    refused(app, Conflict, decide, app, operator, objection_id, "uphold")


def test_every_step_is_on_the_ledger(app, vendor, rival, operator, product):
    registration_id = apply_for(app, vendor, product["id"])
    objection_id = object_to(app, rival, registration_id)
    decide(app, operator, objection_id, "dismiss")
    settle(app, later=timedelta(days=11))

    with app.app_context():
        types = db.session.scalars(
            select(ledger_entries.c.entry_type)
            .where(ledger_entries.c.entry_type.like("rights.%"))
            .order_by(ledger_entries.c.seq)
        ).all()
        db.session.remove()
    assert types == [
        "rights.application",
        "rights.objection",
        "rights.decision",
        "rights.certificate",
    ]


def test_an_unsigned_visitor_cannot_object(app, vendor, product):
    from exchange.http.context import uow
    from exchange.rights import notice as rights_notice

    registration_id = apply_for(app, vendor, product["id"])
    with app.app_context(), pytest.raises(NotAuthenticated):
        rights_notice.object_to(
            uow(), None, registration_id, "x", files=data_files(), max_document_bytes=100
        )


# Certificates


def test_a_certificate_is_signed_and_verifies_once_anchored(app, vendor, product):
    registration_id = certify(app, vendor, product["id"])
    setup = rights_settings(app)

    with app.app_context():
        certificate = db.session.scalars(
            select(RightsCertificate).where(RightsCertificate.registration_id == registration_id)
        ).one()
        assert verify_signature(setup.signer.public_key, certificate.payload, certificate.signature)
        assert certificate.payload["holder"]["id"] == vendor.organisation_id
        before = rights_certificates.verify_certificate(
            db.session, certificate, setup.signer.public_key, chain_of(app)
        )
        assert before["status"] == "pending"
        anchor_pending(db.engine, chain_of(app), force=True)
        after = rights_certificates.verify_certificate(
            db.session, certificate, setup.signer.public_key, chain_of(app)
        )
        db.session.remove()
    assert after["status"] == "verified", after
    assert [c["name"] for c in after["checks"][:3]] == ["signature", "registration", "ledger_entry"]
    assert all(c["ok"] for c in after["checks"])


def test_a_tampered_registration_fails_verification(app, vendor, product):
    registration_id = certify(app, vendor, product["id"])
    setup = rights_settings(app)
    with app.app_context():
        row = db.session.get(RightsRegistration, registration_id)
        row.canonical = row.canonical.replace('"exclusive":true', '"exclusive":false', 1)
        db.session.commit()
        report = rights_certificates.verify_certificate(
            db.session, row.certificate, setup.signer.public_key, None
        )
        db.session.remove()
    assert report["status"] == "failed"
    assert report["checks"][-1]["name"] == "registration" and not report["checks"][-1]["ok"]


def test_a_certificate_signed_by_another_key_fails(app, vendor, product):
    from contracts.certificates import CertificateSigner

    registration_id = certify(app, vendor, product["id"])
    stranger = CertificateSigner.from_master_key("not the exchange's key")
    with app.app_context():
        row = db.session.get(RightsRegistration, registration_id)
        report = rights_certificates.verify_certificate(
            db.session, row.certificate, stranger.public_key, None
        )
        db.session.remove()
    assert report["status"] == "failed" and report["checks"][0]["name"] == "signature"


# Transfers and grants


def records_of(app, product_id: int) -> list[tuple[str, int, str, list[str], RecordStatus]]:
    with app.app_context():
        rows = db.session.scalars(
            select(RightsRecord)
            .where(RightsRecord.product_id == product_id, RightsRecord.right == "operation")
            .order_by(RightsRecord.id)
        ).all()
        found = [(r.right.value, r.holder_id, r.contract_ref, r.uses, r.status) for r in rows]
        db.session.remove()
    return found


def transfer(app, vendor, buyer, product_id: int, **kwargs):
    with app.app_context():
        try:
            record = rights_transfers.transfer_right(
                db.session,
                product_id=product_id,
                right=kwargs.pop("right", "operation"),
                seller_id=vendor.organisation_id,
                buyer_id=buyer.organisation_id,
                scope=kwargs.pop("scope", scope()),
                contract_ref=kwargs.pop("contract_ref", "GSC-TEST-9"),
            )
            db.session.commit()
            return record.id
        finally:
            db.session.rollback()
            db.session.remove()


def test_an_exclusive_transfer_moves_the_right_and_keeps_the_rest(app, vendor, rival, product):
    certify(app, vendor, product["id"])

    transfer(app, vendor, rival, product["id"])

    found = records_of(app, product["id"])
    assert found[0][4] == RecordStatus.CLOSED
    opened = [r for r in found if r[1] == rival.organisation_id]
    assert opened == [
        ("operation", rival.organisation_id, "GSC-TEST-9", ["commercial"], RecordStatus.ACTIVE)
    ]
    kept = [r for r in found[1:] if r[1] == vendor.organisation_id]
    assert [r[3] for r in kept] == [["internal", "research"], ["commercial"]]


def test_an_exclusive_right_cannot_be_sold_twice(app, vendor, rival, product):
    certify(app, vendor, product["id"])
    transfer(app, vendor, rival, product["id"])
    third = person(app, [Role.BUYER])

    with pytest.raises(rights_transfers.RightsNotHeld):
        transfer(app, vendor, third, product["id"], contract_ref="GSC-TEST-10")
    assert len(records_of(app, product["id"])) == 4


def test_rights_under_notice_cannot_be_transferred(app, vendor, rival, product):
    apply_for(app, vendor, product["id"])
    with pytest.raises(rights_transfers.RightsNotHeld):
        transfer(app, vendor, rival, product["id"])


def test_a_licence_grant_leaves_the_holder_unchanged(app, vendor, rival, product):
    certify(app, vendor, product["id"])

    grant_id = grant(app, vendor, rival, product["id"])

    assert {r[4] for r in records_of(app, product["id"])} == {RecordStatus.ACTIVE}
    with app.app_context():
        made = db.session.get(LicenceGrant, grant_id)
        assert made.grantee_id == rival.organisation_id and made.uses == ["commercial"]
        db.session.remove()


def test_a_licence_beyond_the_right_held_is_refused(app, vendor, rival, product):
    certify(app, vendor, product["id"], application(claim("operation", territory="jiangxi")))
    with pytest.raises(rights_transfers.RightsNotHeld):
        grant(app, vendor, rival, product["id"], scope=scope(territory="global"))


# Derivative products


def test_a_derivative_claims_within_its_licence(app, client, vendor, rival, product):
    certify(app, vendor, product["id"])
    grant_id = grant(app, vendor, rival, product["id"], scope=scope(months=24))
    derived = own_product(client, rival)
    within = claim("holding", uses=["commercial"], ends_on=date.today() + timedelta(days=300))

    registration_id = apply_for(
        app, rival, derived["id"], application(within, source="derived", basis_grant_ids=[grant_id])
    )

    assert registration(app, registration_id)["status"] == RegistrationStatus.NOTICE


@pytest.mark.parametrize(
    "overreach",
    [
        {"uses": ["commercial", "research"]},
        {"ends_on": None},
        {"territory": "global"},
    ],
    ids=["more-uses", "longer", "wider"],
)
def test_a_derivative_cannot_claim_more_than_acquired(
    app, client, vendor, rival, product, overreach
):
    certify(app, vendor, product["id"])
    grant_id = grant(app, vendor, rival, product["id"], scope=scope(months=24))
    derived = own_product(client, rival)
    beyond = claim("holding", uses=["commercial"], ends_on=date.today() + timedelta(days=300))
    data = application(beyond | overreach, source="derived", basis_grant_ids=[grant_id])

    error = refused(app, ValidationFailed, apply_for, app, rival, derived["id"], data)
    assert "rights" in error.errors


def test_a_derivative_needs_a_licence_allowing_derivatives(app, client, vendor, rival, product):
    certify(app, vendor, product["id"])
    grant_id = grant(app, vendor, rival, product["id"], derivative=False)
    derived = own_product(client, rival)
    data = application(
        claim("holding", uses=["commercial"], ends_on=date.today() + timedelta(days=200)),
        source="derived",
        basis_grant_ids=[grant_id],
    )
    error = refused(app, ValidationFailed, apply_for, app, rival, derived["id"], data)
    assert "basis_grant_ids" in error.errors


def test_the_applicant_withdraws_during_notice(app, vendor, product):
    from exchange.http.context import uow
    from exchange.rights import registration as rights
    from tests.rights import actor

    registration_id = apply_for(app, vendor, product["id"])
    with app.app_context():
        rights.withdraw(uow(), actor(vendor), registration_id)
        db.session.remove()
    found = registration(app, registration_id)
    assert found["status"] == RegistrationStatus.WITHDRAWN
    assert {status for _, status in found["records"]} == {RecordStatus.CLOSED}
    apply_for(app, vendor, product["id"])  # nothing blocks a fresh application


def test_the_worker_lapses_rights_and_licences_past_their_end(app, vendor, rival, product):
    from exchange.rights.tasks import settle_once

    today = date.today()
    yesterday = today - timedelta(days=1)
    lapsing = claim("holding", starts_on=today - timedelta(days=90), ends_on=yesterday)
    registration_id = certify(app, vendor, product["id"], application(lapsing))
    since = claim("operation", starts_on=today - timedelta(days=90))
    certify(app, vendor, product["id"], application(since))
    past = scope(start=today - timedelta(days=60), months=1)  # ended some 30 days ago
    grant_id = grant(app, vendor, rival, product["id"], scope=past)

    settle_once(app)

    assert registration(app, registration_id)["records"] == [("holding", RecordStatus.CLOSED)]
    with app.app_context():
        assert db.session.get(LicenceGrant, grant_id).status == "ended"
        db.session.remove()


def test_a_dead_chain_node_leaves_an_anchored_certificate_pending(app, vendor, product):
    from contracts.chain import RpcChain

    registration_id = certify(app, vendor, product["id"])
    setup = rights_settings(app)
    dead = RpcChain("http://127.0.0.1:9", "0x" + "11" * 32, timeout=2)
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
        row = db.session.get(RightsRegistration, registration_id)
        report = rights_certificates.verify_certificate(
            db.session, row.certificate, setup.signer.public_key, dead
        )
        db.session.remove()
    assert report["status"] == "pending"
    chain = next(c for c in report["checks"] if c["name"] == "chain")
    assert chain["ok"] is None and "could not be reached" in chain["detail"]
    assert all(c["ok"] for c in report["checks"] if c["name"] != "chain")
