"""Exclusive rules held by the database under concurrency: overlapping exclusive claims are never
both certified, and an exclusive offer never has two live contracts; SQLite and PostgreSQL,
through the API as clients send them at once, and behind the services' back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from exchange.extensions import db
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.rights.domain import ObjectionStatus, RecordStatus, RightKind
from exchange.rights.extension import rights_settings
from exchange.rights.models import (
    RightsCertificate,
    RightsObjection,
    RightsRecord,
    RightsRegistration,
)
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.api.helpers import assert_problem
from tests.api.rights.test_rights_api import application_json, claim_json, post_application
from tests.catalog import Person, person
from tests.rights import application, apply_for, claim, object_to, own_product, settle
from tests.trading import accept, market, propose, terms

AT_ONCE = 10


def at_once(count: int, send: Callable[[FlaskClient, int], Any], app: Flask) -> list[Any]:
    """Send `count` requests together, each from its own client past one barrier; the answers."""
    barrier = threading.Barrier(count)
    answers: list[Any] = []

    def run(number: int) -> None:
        own = app.test_client()
        barrier.wait()
        answers.append(send(own, number))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == count
    return answers


def rows(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        db.session.remove()
    return found


def one_winner(answers: list[tuple[int, str, Any]]) -> None:
    """Exactly one request succeeded; every other is a 409 problem, never a 500."""
    assert len([status for status, _, _ in answers if status < 300]) == 1, answers
    assert all(
        status == 409 and mimetype == "application/problem+json"
        for status, mimetype, _ in answers
        if status >= 300
    ), answers


# Rights: overlapping exclusive claims are never both certified


def test_ten_identical_exclusive_applications_certify_once(app, client):
    vendor = person(app, [Role.VENDOR])
    product = own_product(client, vendor)

    def apply(own: FlaskClient, _: int) -> tuple[int, str, Any]:
        response = post_application(own, vendor.headers, application_json(product["id"]))
        return response.status_code, response.mimetype, response.get_json()

    answers = at_once(AT_ONCE, apply, app)
    one_winner(answers)
    assert all(
        "application.rights" in body["errors"] for status, _, body in answers if status == 409
    )
    notice = timedelta(seconds=rights_settings(app).notice_seconds + 1)
    assert settle(app, later=notice) == 1
    assert rows(app, RightsCertificate) == 1
    assert rows(app, RightsRecord, RightsRecord.product_id == product["id"]) == 3


def test_a_registration_overlapping_a_right_in_force_is_not_certified(app, client):
    vendor = person(app, [Role.VENDOR])
    product = own_product(client, vendor)
    today = date.today()
    first = application(claim("holding", ends_on=today + timedelta(days=30)))
    later = application(claim("holding", starts_on=today + timedelta(days=60)))
    apply_for(app, vendor, product["id"], first, notice_seconds=0)
    second = apply_for(app, vendor, product["id"], later, notice_seconds=0)
    with app.app_context():  # behind the registry's back, the second claim now overlaps
        db.session.execute(
            update(RightsRecord)
            .where(RightsRecord.registration_id == second)
            .values(starts_on=today + timedelta(days=10))
        )
        db.session.commit()
        db.session.remove()
    assert settle(app) == 1
    assert settle(app) == 0  # and never later: it waits on notice for an operator
    assert rows(app, RightsCertificate) == 1
    assert rows(app, RightsRecord, RightsRecord.status == RecordStatus.ACTIVE) == 1


def record(product_id: int, holder_id: int, **overrides: Any) -> RightsRecord:
    values: dict[str, Any] = {
        "product_id": product_id,
        "right": RightKind.HOLDING,
        "holder_id": holder_id,
        "uses": ["commercial", "internal"],
        "territory": "mainland",
        "exclusive": True,
        "starts_on": date.today(),
        "ends_on": None,
        "status": RecordStatus.ACTIVE,
    }
    return RightsRecord(**(values | overrides))


def test_the_database_refuses_a_second_standing_exclusive_claim(app, client):
    vendor = person(app, [Role.VENDOR])
    product_id = own_product(client, vendor)["id"]
    with app.app_context():
        db.session.add(record(product_id, vendor.organisation_id))
        db.session.commit()
        for status in (RecordStatus.ACTIVE, RecordStatus.PENDING):
            db.session.add(record(product_id, vendor.organisation_id, status=status))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
        # What does not stand, or is not exclusive, or claims other uses or days, takes no slot.
        db.session.add_all(
            [
                record(product_id, vendor.organisation_id, status=RecordStatus.CLOSED),
                record(product_id, vendor.organisation_id, status=RecordStatus.REFUSED),
                record(product_id, vendor.organisation_id, exclusive=False),
                record(product_id, vendor.organisation_id, exclusive=False),
                record(product_id, vendor.organisation_id, uses=["research"]),
                record(product_id, vendor.organisation_id, right=RightKind.OPERATION),
            ]
        )
        db.session.commit()
        db.session.remove()


def test_a_closed_claim_frees_its_slot(app, client):
    vendor = person(app, [Role.VENDOR])
    product = own_product(client, vendor)
    registration = apply_for(app, vendor, product["id"], application(claim("holding")))
    withdrawn = client.post(
        f"/api/v1/rights/registrations/{registration}/withdraw", headers=vendor.headers
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    again = post_application(
        client, vendor.headers, application_json(product["id"], rights=[claim_json("holding")])
    )
    assert again.status_code == 201, again.get_json()


# Trading: an exclusive offer has at most one live contract


def exclusive_bids(app: Flask, client: FlaskClient, count: int) -> tuple[Person, list[int]]:
    """A market whose offer `count` buyers each bid on with exclusive terms; (vendor, bids)."""
    trade = market(app, client)
    buyers = [trade.buyer] + [person(app, [Role.BUYER]) for _ in range(count - 1)]
    bids = [propose(app, buyer, trade.offer_id, terms(exclusive=True)) for buyer in buyers]
    return trade.vendor, bids


def accept_over_api(own: FlaskClient, vendor: Person, negotiation_id: int) -> Any:
    return own.post(
        f"/api/v1/negotiations/{negotiation_id}/accept", json={}, headers=vendor.headers
    )


def live_contracts(app: Flask) -> int:
    return rows(app, TradeContract, TradeContract.status.notin_(CLOSED))


CLOSED = (ContractStatus.CANCELLED, ContractStatus.REFUNDED, ContractStatus.SETTLED)


def test_concurrent_accepts_of_an_exclusive_offer_make_one_contract(app, client):
    vendor, bids = exclusive_bids(app, client, 4)

    def accept_one(own: FlaskClient, number: int) -> tuple[int, str, Any]:
        response = accept_over_api(own, vendor, bids[number])
        return response.status_code, response.mimetype, response.get_json()

    answers = at_once(len(bids), accept_one, app)
    one_winner(answers)
    assert rows(app, TradeContract) == 1


def test_a_second_accept_of_an_exclusive_offer_is_refused(app, client):
    vendor, (first, second) = exclusive_bids(app, client, 2)
    contract_id = accept(app, vendor, first)
    response = accept_over_api(client, vendor, second)
    body = assert_problem(response, 409)
    with app.app_context():
        number = db.session.get(TradeContract, contract_id).number
        db.session.remove()
    assert number in body["detail"]
    assert rows(app, TradeContract) == 1
    assert (
        client.get(f"/api/v1/negotiations/{second}", headers=vendor.headers).get_json()["status"]
        == "open"
    )


@pytest.mark.parametrize("ended", [ContractStatus.CANCELLED, ContractStatus.REFUNDED])
def test_an_ended_contract_frees_the_exclusive_offer(app, client, ended):
    vendor, (first, second) = exclusive_bids(app, client, 2)
    contract_id = accept(app, vendor, first)
    with app.app_context():
        db.session.execute(
            update(TradeContract).where(TradeContract.id == contract_id).values(status=ended)
        )
        db.session.commit()
        db.session.remove()
    response = accept_over_api(client, vendor, second)
    assert response.status_code == 201, response.get_json()
    assert live_contracts(app) == 1


def test_non_exclusive_terms_on_one_offer_make_many_contracts(app, client):
    trade = market(app, client)
    other = person(app, [Role.BUYER])
    for buyer in (trade.buyer, other):
        accept(app, trade.vendor, propose(app, buyer, trade.offer_id, terms()))
    assert rows(app, TradeContract) == 2


def test_an_operator_cannot_certify_a_registration_overlapping_a_right_in_force(app, client):
    vendor, rival = person(app, [Role.VENDOR]), person(app, [Role.VENDOR, Role.BUYER])
    operator = person(app, [Role.OPERATOR])
    product = own_product(client, vendor)
    today = date.today()
    first = application(claim("holding", ends_on=today + timedelta(days=30)))
    apply_for(app, vendor, product["id"], first, notice_seconds=0)
    assert settle(app) == 1
    later = application(claim("holding", starts_on=today + timedelta(days=60)))
    second = apply_for(app, vendor, product["id"], later)
    objection = object_to(app, rival, second)
    with app.app_context():  # behind the registry's back: an overlapping claim, notice over
        db.session.execute(
            update(RightsRecord)
            .where(RightsRecord.registration_id == second)
            .values(starts_on=today + timedelta(days=10))
        )
        db.session.execute(
            update(RightsRegistration)
            .where(RightsRegistration.id == second)
            .values(notice_ends_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
        db.session.remove()
    response = client.post(
        f"/api/v1/rights/objections/{objection}/decision",
        json={"decision": "dismiss", "reason": "异议缺乏证据。"},
        headers=operator.headers,
    )
    assert "rights" in assert_problem(response, 409)["errors"]
    assert rows(app, RightsCertificate) == 1
    assert rows(app, RightsObjection, RightsObjection.status == ObjectionStatus.OPEN) == 1


def test_the_database_refuses_a_second_live_contract_on_an_exclusive_offer(app, client):
    vendor, (first, second) = exclusive_bids(app, client, 2)
    contract_id = accept(app, vendor, first)
    with app.app_context():
        contract = db.session.get(TradeContract, contract_id)
        columns = {c.key: getattr(contract, c.key) for c in TradeContract.__table__.columns}
        for status in (ContractStatus.CANCELLED, ContractStatus.AWAITING_PAYMENT):
            copy = columns | {"id": None, "negotiation_id": second, "number": f"copy-{status}"}
            db.session.add(TradeContract(**(copy | {"status": status})))
            if status == ContractStatus.CANCELLED:
                db.session.commit()  # an ended contract holds nothing
                db.session.delete(
                    db.session.scalar(select(TradeContract).filter_by(number=copy["number"]))
                )
                db.session.commit()
                continue
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
        db.session.remove()
    assert rows(app, TradeContract) == 1


def test_the_migration_keeps_the_first_of_duplicates_made_before_the_rule(app, client):
    vendor, (first, second) = exclusive_bids(app, client, 2)
    contract_id = accept(app, vendor, first)
    copied = {"number": "'copy-' || number", "negotiation_id": str(second)}
    with app.app_context():
        flask_migrate.downgrade(revision="0017_personal_information")
        for table in ("rights_records", "trade_contracts"):  # duplicates the old code could make
            columns = [
                c["name"] for c in inspect(db.engine).get_columns(table) if c["name"] != "id"
            ]
            listed = ", ".join(f'"{name}"' for name in columns)
            picked = ", ".join(copied.get(name, f'"{name}"') for name in columns)
            db.session.execute(
                text(f"INSERT INTO {table} ({listed}) SELECT {picked} FROM {table} ORDER BY id")
            )
        db.session.commit()
        flask_migrate.upgrade()
        db.session.remove()
        slots = db.session.execute(
            select(RightsRecord.id, RightsRecord.exclusive_slot).order_by(RightsRecord.id)
        ).all()
        holders = db.session.execute(
            select(TradeContract.id, TradeContract.exclusive_offer_id).order_by(TradeContract.id)
        ).all()
        db.session.remove()
    half = len(slots) // 2
    assert all(slot for _, slot in slots[:half]) and not any(slot for _, slot in slots[half:])
    assert [offer is not None for _, offer in holders] == [True, False]
    assert holders[0][0] == contract_id
