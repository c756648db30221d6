"""Oversight setup for tests: trades taken through the real services as far as a test needs,
an alert raised by the real detectors, a downloaded (fingerprinted) copy to trace, and what
oversight writes, to check that a refusal wrote nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from contracts.schema import ledger_entries
from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.oversight import alerts as oversight_alerts
from exchange.oversight.domain import AlertKind
from exchange.oversight.models import OversightAlert, OversightNote
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.contract_lookup import trade_contract
from tests.catalog import Person, person, review, submit
from tests.delivery import grant, trade
from tests.rights import certify, own_product
from tests.trading import Market, accept, act, market, propose, terms

PRICE = Decimal("10000.00")

# The ledger entries of a settled non-exclusive trade, in the order they are written.
TRADE_ENTRIES = [
    "trade.negotiation",
    "trade.contract",
    "trade.signature",
    "trade.signature",
    "trade.payment",
    "rights.grant",
    "trade.delivery",
    "trade.acceptance",
    "trade.settlement",
]


def pay(app: Flask, found: Market, contract_id: int) -> None:
    """Both sides sign through the API (so under the exchange's own EIP-712 domain, which the
    dossier checks them against), the buyer pays by bank transfer and the operator confirms."""
    client = app.test_client()
    for who in (found.vendor, found.buyer):
        signed = client.post(f"/api/v1/contracts/{contract_id}/sign", headers=who.headers)
        assert signed.status_code == 201, signed.get_json()
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, found.buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, found.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=PRICE)


def agreed(app: Flask, found: Market) -> int:
    """A contract the buyer proposed and the vendor accepted, at PRICE; its id."""
    return accept(app, found.vendor, propose(app, found.buyer, found.offer_id, terms()))


def paid_trade(app: Flask, client: FlaskClient) -> tuple[Market, int]:
    """A new market's trade, signed and paid into escrow; (market, contract id)."""
    found = market(app, client)
    contract_id = agreed(app, found)
    pay(app, found, contract_id)
    return found, contract_id


def settled_trade(app: Flask, client: FlaskClient) -> tuple[Market, int]:
    """A trade from offer to settlement, downloaded once by its buyer."""
    found, contract_id = paid_trade(app, client)
    entitlement_id = grant_of(app, contract_id)
    download(app, found.buyer, entitlement_id)
    act(app, found.buyer, settlement.accept_delivery, contract_id)
    return found, contract_id


def grant_of(app: Flask, contract_id: int) -> int:
    """The entitlement the payment granted."""
    from exchange.delivery.models import Entitlement

    with app.app_context():
        found = db.session.scalar(
            select(Entitlement.id).where(Entitlement.contract_id == contract_id)
        )
        db.session.remove()
    assert found is not None
    return int(found)


def download(app: Flask, buyer: Person, entitlement_id: int) -> bytes:
    """The buyer downloads its copy through an expiring link; the copy's bytes."""
    secret, lifetime = app.config["SECRET_KEY"], app.config["DOWNLOAD_LINK_SECONDS"]
    link = act(
        app,
        buyer,
        delivery.download_link,
        entitlement_id,
        secret=secret,
        lifetime=lifetime,
        contracts=trade_contract,
    )
    with app.app_context():
        opened = delivery.open_download(
            uow(),
            link.token,
            secret=secret,
            lifetime=lifetime,
            files=data_files(),
            contracts=trade_contract,
        )
        db.session.remove()
    return bytes(opened.content)


@dataclass(frozen=True)
class LeakedCopy:
    """A buyer's downloaded copy of a fingerprinted file, and whose it is."""

    buyer: Person
    contract_id: int
    content: bytes


def leaked_copy(app: Flask, client: FlaskClient) -> LeakedCopy:
    """A contract in escrow for a product with a file; its buyer's downloaded copy."""
    bought = trade(app, client)
    entitlement_id = grant(app, bought.contract_id).entitlement_id
    return LeakedCopy(bought.buyer, bought.contract_id, download(app, bought.buyer, entitlement_id))


def important_market(app: Flask, client: FlaskClient) -> Market:
    """A product of important data, listed on the operator's and a regulator's approval."""
    vendor, operator = person(app, [Role.VENDOR]), person(app, [Role.OPERATOR])
    product = own_product(client, vendor, grade="important")
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "in_review"
    regulator = person(app, [Role.REGULATOR])
    assert review(client, regulator, product["id"]).get_json()["status"] == "listed"
    certify(app, vendor, product["id"])
    buyer = person(app, [Role.BUYER])
    return Market(vendor, buyer, operator, product["id"], product["offers"][0]["id"])


def raised_alert(app: Flask, client: FlaskClient) -> int:
    """An open alert raised by the detectors over a paid trade of important data; its id."""
    found = important_market(app, client)
    pay(app, found, agreed(app, found))
    with app.app_context():
        oversight_alerts.detect(uow(), now=utcnow() + timedelta(minutes=1))
        alert_id = db.session.scalar(
            select(OversightAlert.id)
            .where(OversightAlert.kind == AlertKind.IMPORTANT_DATA)
            .order_by(OversightAlert.id.desc())
        )
        db.session.remove()
    assert alert_id is not None
    return int(alert_id)


def oversight_state(app: Flask) -> dict[str, Any]:
    """What oversight writes: audit events, alerts and their statuses, notes, ledger length."""
    with app.app_context():
        session = db.session
        state = {
            "audit": session.scalar(select(func.count()).select_from(AuditEvent)),
            "alerts": [
                tuple(row)
                for row in session.execute(
                    select(OversightAlert.id, OversightAlert.status).order_by(OversightAlert.id)
                )
            ],
            "notes": session.scalar(select(func.count()).select_from(OversightNote)),
            "ledger": session.scalar(select(func.count()).select_from(ledger_entries)),
        }
        db.session.remove()
    return state


def audit_actions(app: Flask, user_id: int) -> list[str]:
    """The actions the user's audit events name, oldest first."""
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == user_id).order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return list(found)
