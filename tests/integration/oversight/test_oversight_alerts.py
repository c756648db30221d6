"""Oversight alerts on SQLite and PostgreSQL: each detector over real trades (one case that
fires with its evidence, one near miss that does not), detection that never raises twice, the
alert's life and notes for regulators only, every view audited, and leaked copies traced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange.accounts import organisations
from exchange.accounts.models import Membership, MembershipRole
from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import (
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.oversight import alert_reading
from exchange.oversight import alerts as oversight_alerts
from exchange.oversight import leaks as oversight_leaks
from exchange.oversight.alerts import AlertTransitionRefused
from exchange.oversight.domain import AlertKind, AlertStatus, Thresholds
from exchange.oversight.models import OversightAlert, OversightNote
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start
from exchange.trading.contract_lookup import trade_contract
from tests.catalog import Person, person, review, submit
from tests.delivery import copper_prices, grant, trade
from tests.rights import actor, certify, own_product
from tests.trading import accept, act, listed_offer, propose, sign, terms

PRICE = Decimal("10000.00")
COST = {
    "planning": "10000",
    "collection": "20000.50",
    "labour": "30000",
    "return_rate": "0.2",
    "total_life_months": 36,
    "remaining_life_months": 30,
}
INCOME = {
    "method": "direct",
    "earnings": "8000",
    "discount": {"risk_free": "0.03", "management": "0.02", "security": "0.03"},
    "growth": "0.02",
    "timeliness_months": 60,
}


@dataclass(frozen=True)
class Listing:
    """A vendor's listed, certified product with its offer, and the operator who listed it."""

    vendor: Person
    operator: Person
    product_id: int
    offer_id: int


def listing(app: Flask, client: FlaskClient, vendor: Person | None = None) -> Listing:
    vendor = vendor or person(app, [Role.VENDOR, Role.BUYER])
    operator = person(app, [Role.OPERATOR])
    product_id, offer_id = listed_offer(app, client, vendor, operator)
    return Listing(vendor, operator, product_id, offer_id)


def buyer(app: Flask) -> Person:
    return person(app, [Role.BUYER, Role.VENDOR])


def buy(app: Flask, seller: Listing, who: Person, *, price=PRICE, paid_at=None) -> int:
    """A trade through the services: offer, acceptance, both signatures, a confirmed payment."""
    negotiation_id = propose(app, who, seller.offer_id, terms(price=price))
    contract_id = accept(app, seller.vendor, negotiation_id)
    sign(app, seller.vendor, contract_id)
    sign(app, who, contract_id)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, who, payment_start.start_payment, contract_id, gateway=bank)
    act(
        app,
        seller.operator,
        payment_outcomes.confirm_bank_transfer,
        started["id"],
        amount=price,
        now=paid_at,
    )
    return contract_id


def detect(app: Flask, *, now=None, **limits: Any) -> list[int]:
    with app.app_context():
        try:
            return oversight_alerts.detect(
                uow(), now=now or utcnow() + timedelta(minutes=1), thresholds=Thresholds(**limits)
            )
        finally:
            db.session.remove()


def alerts(app: Flask, kind: AlertKind | None = None) -> list[dict[str, Any]]:
    """The alerts raised, oldest first, as plain data."""
    with app.app_context():
        query = select(OversightAlert).order_by(OversightAlert.id)
        if kind is not None:
            query = query.where(OversightAlert.kind == kind)
        rows = [
            {
                "id": alert.id,
                "key": alert.dedup_key,
                "status": alert.status,
                "evidence": alert.evidence,
                "organisations": [link.organisation_id for link in alert.organisations],
                "contracts": [link.contract_id for link in alert.contracts],
            }
            for alert in db.session.scalars(query)
        ]
        db.session.remove()
    return rows


def distinct_contacts(app: Flask, *people: Person) -> None:
    """Give each organisation its own phone (the test organisations all share one)."""
    for person_ in people:
        phone = f"0791-{person_.organisation_id:04d} 5678"
        act(
            app,
            person_,
            organisations.update_organisation,
            person_.organisation_id,
            {"contact_phone": phone},
        )


def audit_actions(app: Flask, prefix: str = "oversight.") -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return list(rows)


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model)) or 0
        db.session.remove()
    return found


# 1. Prices far outside the valuation band


def valued_listing(app: Flask, client: FlaskClient) -> tuple[Listing, dict[str, Any]]:
    """A listing whose vendor valued it before any offer, so contracts freeze its band."""
    found = listing(app, client)
    response = client.post(
        f"/api/v1/products/{found.product_id}/valuations",
        json={"cost": COST},
        headers=found.vendor.headers,
    )
    assert response.status_code == 201, response.get_json()
    return found, response.get_json()


def test_a_price_far_above_the_band_raises_an_alert_with_the_band(app, client):
    found, band = valued_listing(app, client)
    ceiling = Decimal(band["ceiling"])
    price = (ceiling * Decimal("1.8")).quantize(Decimal("0.01"))
    contract_id = buy(app, found, buyer(app), price=price)

    detect(app)

    [alert] = alerts(app, AlertKind.PRICE_DEVIATION)
    evidence = alert["evidence"]
    assert evidence["contract"]["id"] == contract_id
    assert evidence["contract"]["price"] == str(price)
    assert evidence["band"]["valuation_id"] == band["id"]
    assert evidence["band"]["source"] == "contract"
    assert Decimal(evidence["band"]["ceiling"]) == ceiling
    assert Decimal(evidence["deviation"]) == ((price - ceiling) / ceiling).quantize(
        Decimal("0.0001")
    )
    assert evidence["threshold"] == "0.5"
    assert alert["contracts"] == [contract_id]
    assert found.vendor.organisation_id in alert["organisations"]


def test_a_price_below_the_floor_but_within_the_threshold_raises_nothing(app, client):
    found, band = valued_listing(app, client)
    floor = Decimal(band["floor"])
    buy(app, found, buyer(app), price=(floor * Decimal("0.6")).quantize(Decimal("0.01")))

    detect(app)

    assert alerts(app, AlertKind.PRICE_DEVIATION) == []


def test_a_price_far_below_the_floor_is_a_negative_deviation(app, client):
    found, band = valued_listing(app, client)
    floor = Decimal(band["floor"])
    buy(app, found, buyer(app), price=(floor * Decimal("0.4")).quantize(Decimal("0.01")))

    detect(app)

    [alert] = alerts(app, AlertKind.PRICE_DEVIATION)
    assert Decimal(alert["evidence"]["deviation"]) < Decimal("-0.5")


def test_without_a_frozen_band_the_newest_valuation_before_the_contract_counts(app, client):
    found, who = listing(app, client), buyer(app)
    response = client.post(
        f"/api/v1/products/{found.product_id}/valuations",
        json={"income": INCOME},
        headers=who.headers,
    )
    assert response.status_code == 201, response.get_json()
    band = response.get_json()
    price = (Decimal(band["ceiling"]) * 2).quantize(Decimal("0.01"))
    contract_id = buy(app, found, who, price=price)

    detect(app)

    [alert] = alerts(app, AlertKind.PRICE_DEVIATION)
    assert alert["contracts"] == [contract_id]
    assert alert["evidence"]["band"]["valuation_id"] == band["id"]
    assert alert["evidence"]["band"]["source"] == "newest valuation"
    assert alert["evidence"]["band"]["purpose"] == "purchase"


def test_the_threshold_comes_from_configuration(app, client):
    found, band = valued_listing(app, client)
    floor = Decimal(band["floor"])
    buy(app, found, buyer(app), price=(floor * Decimal("0.6")).quantize(Decimal("0.01")))
    limits = Thresholds.from_config({"OVERSIGHT_PRICE_DEVIATION": "0.3"})

    detect(app, price_deviation=limits.price_deviation)

    [alert] = alerts(app, AlertKind.PRICE_DEVIATION)
    assert alert["evidence"]["threshold"] == "0.3"


# 2. Circular trades and related organisations


def test_a_sale_and_a_sale_back_within_the_window_is_circular(app, client):
    first, second = listing(app, client), listing(app, client)
    paid = utcnow()
    there = buy(app, first, second.vendor, paid_at=paid)
    back = buy(app, second, first.vendor, paid_at=paid + timedelta(days=10))

    detect(app, now=paid + timedelta(days=10, minutes=1))

    [alert] = alerts(app, AlertKind.CIRCULAR_TRADE)
    evidence = alert["evidence"]
    assert (evidence["first"]["id"], evidence["second"]["id"]) == (there, back)
    assert evidence["first"]["vendor_id"] == evidence["second"]["buyer_id"]
    assert evidence["gap_seconds"] == 10 * 86400
    assert evidence["window_days"] == 30
    assert evidence["same_product"] is False
    assert alert["contracts"] == sorted([there, back])
    assert alert["organisations"] == sorted(
        [first.vendor.organisation_id, second.vendor.organisation_id]
    )


def test_a_sale_back_after_the_window_is_not_circular(app, client):
    first, second = listing(app, client), listing(app, client)
    paid = utcnow()
    buy(app, first, second.vendor, paid_at=paid)
    buy(app, second, first.vendor, paid_at=paid + timedelta(days=31))

    detect(app, now=paid + timedelta(days=31, minutes=1))

    assert alerts(app, AlertKind.CIRCULAR_TRADE) == []


def test_two_sales_the_same_way_are_not_circular(app, client):
    found = listing(app, client)
    who = buyer(app)
    buy(app, found, who)
    buy(app, found, who)

    detect(app)

    assert alerts(app, AlertKind.CIRCULAR_TRADE) == []


def test_a_trade_between_organisations_sharing_a_member_is_related(app, client):
    found, who = listing(app, client), buyer(app)
    distinct_contacts(app, found.vendor, who)
    with app.app_context():  # the buyer's user also sits in the vendor's organisation
        membership = Membership(user_id=who.user_id, organisation_id=found.vendor.organisation_id)
        membership.roles = [MembershipRole(role=Role.VENDOR)]
        db.session.add(membership)
        db.session.commit()
        db.session.remove()
    contract_id = buy(app, found, who)

    detect(app)

    [alert] = alerts(app, AlertKind.RELATED_PARTIES)
    evidence = alert["evidence"]
    assert evidence["contract"]["id"] == contract_id
    assert evidence["shared_member_user_ids"] == [who.user_id]
    assert evidence["same_contact_email"] is False
    assert evidence["same_contact_phone"] is False


def test_a_trade_between_organisations_sharing_a_contact_email_is_related(app, client):
    found, who = listing(app, client), buyer(app)
    distinct_contacts(app, found.vendor, who)
    with app.app_context():
        vendor_email = organisations.get_organisation(
            uow(), actor(found.vendor), found.vendor.organisation_id
        )["contact_email"]
        db.session.remove()
    act(
        app,
        who,
        organisations.update_organisation,
        who.organisation_id,
        {"contact_email": vendor_email.upper()},
    )
    buy(app, found, who)

    detect(app)

    [alert] = alerts(app, AlertKind.RELATED_PARTIES)
    assert alert["evidence"]["same_contact_email"] is True
    assert alert["evidence"]["shared_member_user_ids"] == []


def test_a_trade_between_organisations_sharing_a_phone_is_related(app, client):
    # The test organisations are all registered with the same switchboard number.
    found, who = listing(app, client), buyer(app)
    buy(app, found, who)

    detect(app)

    [alert] = alerts(app, AlertKind.RELATED_PARTIES)
    assert alert["evidence"]["same_contact_phone"] is True


def test_a_trade_between_unrelated_organisations_is_not_related(app, client):
    found, who = listing(app, client), buyer(app)
    distinct_contacts(app, found.vendor, who)
    buy(app, found, who)

    detect(app)

    assert alerts(app, AlertKind.RELATED_PARTIES) == []


# 3. Bursts of purchases and downloads


def test_more_purchases_than_the_limit_within_an_hour_is_a_burst(app, client):
    found, who = listing(app, client), buyer(app)
    start = utcnow()
    bought = [buy(app, found, who, paid_at=start + timedelta(minutes=5 * n)) for n in range(11)]

    detect(app, now=start + timedelta(hours=1))

    [alert] = alerts(app, AlertKind.PURCHASE_BURST)
    evidence = alert["evidence"]
    assert evidence["buyer_id"] == who.organisation_id
    assert (evidence["count"], evidence["threshold"]) == (11, 10)
    assert evidence["window_seconds"] == 3600
    assert [c["id"] for c in evidence["contracts"]] == bought
    assert alert["organisations"] == [who.organisation_id]
    assert alert["contracts"] == sorted(bought)


def test_as_many_purchases_as_the_limit_or_spread_wider_is_no_burst(app, client):
    found, who = listing(app, client), buyer(app)
    start = utcnow()
    for n in range(10):
        buy(app, found, who, paid_at=start + timedelta(minutes=5 * n))
    buy(app, found, who, paid_at=start + timedelta(minutes=61))  # the first is an hour old

    detect(app, now=start + timedelta(hours=2))

    assert alerts(app, AlertKind.PURCHASE_BURST) == []


def fetch(app: Flask, who: Person, entitlement_id: int, at) -> None:
    secret, lifetime = app.config["SECRET_KEY"], app.config["DOWNLOAD_LINK_SECONDS"]
    link = act(
        app,
        who,
        delivery.download_link,
        entitlement_id,
        secret=secret,
        lifetime=lifetime,
        now=at,
        contracts=trade_contract,
    )
    with app.app_context():
        try:
            delivery.open_download(
                uow(),
                link.token,
                secret=secret,
                lifetime=lifetime,
                files=data_files(),
                now=at,
                contracts=trade_contract,
            )
        finally:
            db.session.remove()


def entitlement_of(app: Flask, contract_id: int) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(Entitlement.id).where(Entitlement.contract_id == contract_id)
        )
        db.session.remove()
    assert found is not None
    return found


def test_more_downloads_than_the_limit_within_the_window_is_a_burst(app, client):
    found, who = listing(app, client), buyer(app)
    start = utcnow()
    contract_id = buy(app, found, who, paid_at=start)
    entitlement_id = entitlement_of(app, contract_id)
    for n in range(4):
        fetch(app, who, entitlement_id, start + timedelta(minutes=n + 1))

    detect(app, now=start + timedelta(minutes=10), download_burst=3)

    [alert] = alerts(app, AlertKind.DOWNLOAD_BURST)
    evidence = alert["evidence"]
    assert (evidence["buyer_id"], evidence["count"], evidence["threshold"]) == (
        who.organisation_id,
        4,
        3,
    )
    assert evidence["entitlement_ids"] == [entitlement_id]
    assert evidence["user_ids"] == [who.user_id]
    assert alert["contracts"] == [contract_id]


def test_as_many_downloads_as_the_limit_is_no_burst(app, client):
    found, who = listing(app, client), buyer(app)
    start = utcnow()
    entitlement_id = entitlement_of(app, buy(app, found, who, paid_at=start))
    for n in range(3):
        fetch(app, who, entitlement_id, start + timedelta(minutes=n + 1))
    fetch(app, who, entitlement_id, start + timedelta(minutes=70))  # an hour after the first

    detect(app, now=start + timedelta(hours=2), download_burst=3)

    assert alerts(app, AlertKind.DOWNLOAD_BURST) == []


# 4. Trades of important data


def important_listing(app: Flask, client: FlaskClient) -> Listing:
    vendor, operator = person(app, [Role.VENDOR]), person(app, [Role.OPERATOR])
    product = own_product(client, vendor, grade="important")
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "in_review"
    regulator = person(app, [Role.REGULATOR])
    assert review(client, regulator, product["id"]).get_json()["status"] == "listed"
    certify(app, vendor, product["id"])
    return Listing(vendor, operator, product["id"], product["offers"][0]["id"])


def test_a_trade_of_important_data_raises_an_alert(app, client):
    found = important_listing(app, client)
    contract_id = buy(app, found, buyer(app))

    detect(app)

    [alert] = alerts(app, AlertKind.IMPORTANT_DATA)
    assert alert["evidence"]["contract"]["id"] == contract_id
    assert alert["evidence"]["product"]["id"] == found.product_id
    assert alert["evidence"]["product"]["grade"] == "important"


def test_a_trade_of_general_data_raises_no_important_data_alert(app, client):
    buy(app, listing(app, client), buyer(app))

    detect(app)

    assert alerts(app, AlertKind.IMPORTANT_DATA) == []


def test_an_agreed_but_unpaid_contract_is_no_trade(app, client):
    found = important_listing(app, client)
    who = buyer(app)
    accept(app, found.vendor, propose(app, who, found.offer_id, terms()))

    detect(app)

    assert alerts(app) == []


# Detection is idempotent


def test_detecting_twice_raises_nothing_twice(app, client):
    found = important_listing(app, client)
    buy(app, found, buyer(app))
    first = detect(app)

    again = detect(app)

    assert len(first) == len(alerts(app)) >= 2  # important data, and the shared phone
    assert again == []
    assert audit_actions(app) == ["oversight.detected"]


def test_the_database_refuses_a_second_alert_with_the_same_key(app, client):
    buy(app, important_listing(app, client), buyer(app))
    detect(app)
    raised = alerts(app)
    first = raised[0]
    with app.app_context():
        db.session.add(
            OversightAlert(kind=AlertKind.IMPORTANT_DATA, dedup_key=first["key"], evidence={})
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert alerts(app) == raised


def test_detection_only_looks_back_as_far_as_the_lookback(app, client):
    found = important_listing(app, client)
    paid = utcnow()
    buy(app, found, buyer(app), paid_at=paid)

    assert detect(app, now=paid + timedelta(days=8)) == []
    assert detect(app, now=paid + timedelta(days=8), lookback=timedelta(days=9)) != []


# The alert's life, for regulators only


@pytest.fixture
def raised(app, client) -> tuple[int, Person]:
    """One open alert (a trade of important data) and a regulator."""
    buy(app, important_listing(app, client), buyer(app))
    detect(app)
    return alerts(app, AlertKind.IMPORTANT_DATA)[0]["id"], person(app, [Role.REGULATOR])


def test_a_regulator_acknowledges_then_closes(app, raised):
    alert_id, regulator = raised
    acknowledged = act(app, regulator, oversight_alerts.acknowledge, alert_id)
    assert acknowledged["status"] == AlertStatus.ACKNOWLEDGED
    assert acknowledged["acknowledged_by_id"] == regulator.user_id

    closed = act(app, regulator, oversight_alerts.close, alert_id)

    assert closed["status"] == AlertStatus.CLOSED
    assert closed["closed_by_id"] == regulator.user_id
    assert closed["closed_at"] is not None
    assert audit_actions(app)[-2:] == ["oversight.alert_acknowledged", "oversight.alert_closed"]


def test_an_open_alert_may_be_closed_at_once(app, raised):
    alert_id, regulator = raised
    assert act(app, regulator, oversight_alerts.close, alert_id)["status"] == AlertStatus.CLOSED


def test_illegal_transitions_are_refused_and_change_nothing(app, raised):
    alert_id, regulator = raised
    for done, refused in (
        ("acknowledge", "acknowledge"),  # acknowledged once only
        ("close", "acknowledge"),  # closed is final …
        (None, "close"),  # … and closes once
    ):
        if done:
            act(app, regulator, getattr(oversight_alerts, done), alert_id)
        before, events = alerts(app, AlertKind.IMPORTANT_DATA), audit_actions(app)

        with pytest.raises(AlertTransitionRefused) as error:
            act(app, regulator, getattr(oversight_alerts, refused), alert_id)

        assert error.value.status == 409
        assert (alerts(app, AlertKind.IMPORTANT_DATA), audit_actions(app)) == (before, events)


def test_notes_keep_their_author_and_order(app, raised):
    alert_id, regulator = raised
    other = person(app, [Role.REGULATOR])
    act(app, regulator, oversight_alerts.add_note, alert_id, "  已联系买方核实用途。 ")
    act(app, other, oversight_alerts.add_note, alert_id, "买方已提交说明。")

    view = act(app, regulator, alert_reading.alert_view, alert_id)

    assert [(n["author_id"], n["body"]) for n in view["notes"]] == [
        (regulator.user_id, "已联系买方核实用途。"),
        (other.user_id, "买方已提交说明。"),
    ]
    assert view["notes"][0]["author"] == regulator.display_name


def test_an_empty_note_is_refused(app, raised):
    alert_id, regulator = raised
    with pytest.raises(ValidationFailed) as error:
        act(app, regulator, oversight_alerts.add_note, alert_id, "   ")
    assert list(error.value.errors) == ["body"]
    assert count(app, OversightNote) == 0


def test_the_view_names_evidence_organisations_and_contracts(app, raised):
    alert_id, regulator = raised
    view = act(app, regulator, alert_reading.alert_view, alert_id)
    assert view["kind"] == AlertKind.IMPORTANT_DATA
    [contract] = view["contracts"]
    assert contract["number"].startswith("GTC-")
    assert {o["id"] for o in view["organisations"]} == set(view["organisation_ids"])
    assert view["evidence"]["contract"]["id"] == contract["id"]


def test_the_list_filters_by_status_and_kind(app, raised):
    alert_id, regulator = raised
    act(app, regulator, oversight_alerts.acknowledge, alert_id)

    acknowledged = act(app, regulator, alert_reading.list_alerts, status="acknowledged")
    related = act(app, regulator, alert_reading.list_alerts, kind=AlertKind.RELATED_PARTIES)
    everything = act(app, regulator, alert_reading.list_alerts)

    assert [a["id"] for a in acknowledged] == [alert_id]
    assert {a["kind"] for a in related} == {AlertKind.RELATED_PARTIES}
    assert len(everything) == len(alerts(app))
    with pytest.raises(ValidationFailed):
        act(app, regulator, alert_reading.list_alerts, status="resolved")


def test_every_regulator_view_and_action_is_audited(app, raised):
    alert_id, regulator = raised
    act(app, regulator, alert_reading.list_alerts)
    act(app, regulator, alert_reading.alert_view, alert_id)
    act(app, regulator, oversight_alerts.add_note, alert_id, "记录。")
    act(app, regulator, oversight_alerts.acknowledge, alert_id)
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.subject)
            .where(AuditEvent.actor_id == regulator.user_id)
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    assert [tuple(row) for row in rows] == [
        ("oversight.alerts_listed", regulator.user_id, None),
        ("oversight.alert_viewed", regulator.user_id, str(alert_id)),
        ("oversight.alert_noted", regulator.user_id, str(alert_id)),
        ("oversight.alert_acknowledged", regulator.user_id, str(alert_id)),
    ]


def test_an_unknown_alert_is_not_found(app, raised):
    _, regulator = raised
    with pytest.raises(NotFound):
        act(app, regulator, alert_reading.alert_view, 999_999)


ACTIONS = {
    "list": lambda alert_id: (alert_reading.list_alerts,),
    "view": lambda alert_id: (alert_reading.alert_view, alert_id),
    "acknowledge": lambda alert_id: (oversight_alerts.acknowledge, alert_id),
    "close": lambda alert_id: (oversight_alerts.close, alert_id),
    "note": lambda alert_id: (oversight_alerts.add_note, alert_id, "我不是监管方。"),
}


def test_only_regulators_see_or_touch_alerts(app, raised):
    alert_id, _ = raised
    before = (alerts(app), count(app, OversightNote), count(app, AuditEvent))
    for roles in ([Role.VENDOR], [Role.BUYER], [Role.OPERATOR], [Role.VENDOR, Role.BUYER], []):
        outsider = person(app, roles)
        for name, call in ACTIONS.items():
            with pytest.raises(PermissionDenied):
                act(app, outsider, *call(alert_id))
            after = (alerts(app), count(app, OversightNote), count(app, AuditEvent))
            assert after == before, (roles, name)


# 5. Leaked copies


def run_trace(app: Flask, who: Person, content: bytes, name: str = "copper.csv", **kwargs):
    with app.app_context():
        try:
            return oversight_leaks.trace_leak(uow(), actor(who), name, content, **kwargs)
        finally:
            db.session.remove()


@pytest.fixture
def two_buyers(app, client):
    """Two buyers of one fingerprinted product, each holding its downloaded copy."""
    first = trade(app, client)
    second = trade(app, client, vendor=first.vendor, product_id=first.product_id)
    copies = []
    for bought in (first, second):
        entitlement_id = grant(app, bought.contract_id).entitlement_id
        secret, lifetime = app.config["SECRET_KEY"], app.config["DOWNLOAD_LINK_SECONDS"]
        link = act(
            app,
            bought.buyer,
            delivery.download_link,
            entitlement_id,
            secret=secret,
            lifetime=lifetime,
            contracts=trade_contract,
        )
        with app.app_context():
            copies.append(
                delivery.open_download(
                    uow(),
                    link.token,
                    secret=secret,
                    lifetime=lifetime,
                    files=data_files(),
                    contracts=trade_contract,
                )
            )
            db.session.remove()
    return first, second, copies


def test_a_leaked_copy_names_its_buyer_among_two(app, two_buyers):
    first, second, copies = two_buyers
    regulator = person(app, [Role.REGULATOR])

    found = run_trace(app, regulator, copies[1].content)

    assert found["new"] is True and found["candidates"] == 2
    match = found["match"]
    assert match["buyer"]["id"] == second.buyer.organisation_id
    assert match["contract"]["id"] == second.contract_id
    assert [d["fingerprint"] for d in match["downloads"]] == [copies[1].fingerprint]
    [alert] = alerts(app, AlertKind.LEAK)
    assert alert["id"] == found["alert_id"]
    assert alert["contracts"] == [second.contract_id]
    assert second.buyer.organisation_id in alert["organisations"]
    assert first.buyer.organisation_id not in alert["organisations"]
    assert audit_actions(app) == ["oversight.leak_traced"]


def test_tracing_the_same_copy_again_raises_no_second_alert(app, two_buyers):
    _, _, copies = two_buyers
    regulator = person(app, [Role.REGULATOR])
    first = run_trace(app, regulator, copies[0].content)

    again = run_trace(app, regulator, copies[0].content)

    assert (again["alert_id"], again["new"]) == (first["alert_id"], False)
    assert len(alerts(app, AlertKind.LEAK)) == 1


def test_an_unmarked_copy_names_nobody_and_raises_nothing(app, two_buyers):
    found = run_trace(app, person(app, [Role.REGULATOR]), copper_prices())
    assert found == {"match": None, "candidates": 2, "alert_id": None, "new": False}
    assert alerts(app, AlertKind.LEAK) == []


def test_an_oversized_suspect_file_is_refused_and_nothing_written(app, two_buyers):
    _, _, copies = two_buyers
    regulator = person(app, [Role.REGULATOR])
    before = count(app, AuditEvent)
    with pytest.raises(PayloadTooLarge):
        run_trace(app, regulator, copies[0].content, max_bytes=len(copies[0].content) - 1)
    assert (count(app, AuditEvent), alerts(app)) == (before, [])


def test_an_unreadable_or_unsupported_suspect_file_is_refused_and_nothing_written(app, two_buyers):
    regulator = person(app, [Role.REGULATOR])
    before = count(app, AuditEvent)
    deep = b"[" * 100_000 + b"]" * 100_000  # measured, not parsed: it would overflow the stack
    for content, name in (
        (b"\x00\x01 not a table", "copper.xlsx"),
        (b"a,b\n1,2\n", "copper.exe"),
        (deep, "copper.json"),
    ):
        with pytest.raises(ValidationFailed) as error:
            run_trace(app, regulator, content, name)
        assert list(error.value.errors) == ["file"], name
    assert (count(app, AuditEvent), alerts(app)) == (before, [])


def test_only_regulators_trace_leaks(app, client):
    for role in (Role.VENDOR, Role.BUYER, Role.OPERATOR):
        with pytest.raises(PermissionDenied):
            run_trace(app, person(app, [role]), copper_prices())
    assert alerts(app) == [] and audit_actions(app) == []
