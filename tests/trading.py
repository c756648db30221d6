"""Trading setup for tests: a certified, listed product with an offer, a verified buyer, and the
negotiation and signing steps run through their services as the people of tests.catalog."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from contracts.schema import ledger_entries
from exchange.catalog.domain import Territory, UseScope
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.payments.domain import Gateway, PaymentStatus
from exchange.payments.models import Payment
from exchange.trading import flow as trade_flow
from exchange.trading import negotiations, signing_keys
from exchange.trading.domain import Terms
from exchange.trading.models import TradeContract
from tests.catalog import Person, person, review, submit
from tests.rights import actor, certify, own_product

# A test chain and a made-up anchor address: a real domain comes from the anchor deployment.
TEST_CHAIN_ID = 31337
TEST_ANCHOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
EXPIRY_HOURS = 72.0
FEE_RATE = Decimal("0.03")
ACCEPTANCE_DAYS = 7


def domain() -> Any:
    """The EIP-712 domain the tests sign under."""
    return signing_keys.signing_domain(TEST_CHAIN_ID, TEST_ANCHOR)


@dataclass(frozen=True)
class Market:
    """A vendor with a certified, listed product and its offer; a verified buyer; an operator."""

    vendor: Person
    buyer: Person
    operator: Person
    product_id: int
    offer_id: int


def listed_offer(
    app: Flask, client: FlaskClient, vendor: Person, operator: Person, *, certified: bool = True
) -> tuple[int, int]:
    """A product of the vendor's, listed (and its rights certified unless told otherwise);
    (product id, offer id)."""
    product = own_product(client, vendor)
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "listed"
    if certified:
        certify(app, vendor, product["id"])
    return product["id"], product["offers"][0]["id"]


def market(app: Flask, client: FlaskClient, *, certified: bool = True) -> Market:
    """Everything a trade needs, with fresh organisations."""
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    buyer = person(app, [Role.BUYER])
    product_id, offer_id = listed_offer(app, client, vendor, operator, certified=certified)
    return Market(vendor, buyer, operator, product_id, offer_id)


def terms(**overrides: Any) -> Terms:
    """Ordinary terms: internal use, a year, mainland, non-exclusive, five seats."""
    values: dict[str, Any] = {
        "price": Decimal("10000.00"),
        "scope": UseScope.INTERNAL,
        "term_months": 12,
        "territory": Territory.MAINLAND,
        "exclusive": False,
        "seats": 5,
        "derivative": False,
    }
    return Terms(**(values | overrides))


def act(app: Flask, who: Person, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service as the person in its own unit of work; what it returned."""
    with app.app_context():
        try:
            return service(uow(), actor(who), *args, **kwargs)
        finally:
            db.session.remove()


def propose(
    app: Flask,
    buyer: Person,
    offer_id: int,
    proposed: Terms | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """The buyer opens a negotiation; its id."""
    opened = act(
        app,
        buyer,
        negotiations.propose,
        offer_id,
        proposed or terms(),
        "请考虑我方报价。",
        expiry_hours=EXPIRY_HOURS,
        now=now,
    )
    return int(opened["id"])


def counter(
    app: Flask, who: Person, negotiation_id: int, price: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """A counter-offer at another price, the other terms unchanged."""
    return act(  # type: ignore[no-any-return]
        app,
        who,
        negotiations.counter,
        negotiation_id,
        terms(price=Decimal(price)),
        "还价。",
        expiry_hours=EXPIRY_HOURS,
        now=now,
    )


def accept(app: Flask, who: Person, negotiation_id: int, *, now: datetime | None = None) -> int:
    """Accept the last terms; the contract's id."""
    accepted = act(
        app,
        who,
        negotiations.accept,
        negotiation_id,
        fee_rate=FEE_RATE,
        acceptance_days=ACCEPTANCE_DAYS,
        now=now,
    )
    return int(accepted["contract_id"])


def agreed_contract(app: Flask, client: FlaskClient, **proposed: Any) -> tuple[Market, int]:
    """A market whose buyer proposed and whose vendor accepted; (market, contract id)."""
    found = market(app, client)
    negotiation_id = propose(app, found.buyer, found.offer_id, terms(**proposed))
    return found, accept(app, found.vendor, negotiation_id)


def sign(app: Flask, who: Person, contract_id: int) -> dict[str, Any]:
    """Sign for the person's side with the key the exchange holds for their organisation."""
    return act(  # type: ignore[no-any-return]
        app,
        who,
        signing_keys.sign_contract,
        contract_id,
        master_key=app.config["MASTER_KEY"],
        domain=domain(),
    )


def ledger_bodies(app: Flask, entry_type: str) -> list[dict[str, Any]]:
    """The bodies of the ledger's entries of one type, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(ledger_entries.c.body)
            .where(ledger_entries.c.entry_type == entry_type)
            .order_by(ledger_entries.c.seq)
        ).all()
        db.session.remove()
    return [json.loads(body) for body in rows]


def paid(app: Flask, contract_id: int) -> None:
    """Run after_payment for the contract as the payment service does, and commit."""
    with app.app_context():
        try:
            contract = db.session.get(TradeContract, contract_id)
            payment = Payment(
                contract_id=contract.id,
                gateway=Gateway.BANK_TRANSFER,
                reference=f"GSP-TEST-{contract.id}",
                amount=contract.price,
                status=PaymentStatus.SUCCEEDED,
                idempotency_key=f"contract-{contract.id}-test",
            )
            db.session.add(payment)
            db.session.flush()
            trade_flow.after_payment(db.session, contract, payment, utcnow())
            db.session.commit()
        finally:
            db.session.rollback()
            db.session.remove()
