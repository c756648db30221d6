"""A negotiation is judged by the valuation of the offer under negotiation, for the terms on the
table: the band both sides see, the suggested counter, the band frozen on the contract (the
regulator's dossier) and the price-deviation alert. The vendor's newest valuation of another,
dearer offer of the same product must not leak into any of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.oversight import alerts as oversight_alerts
from exchange.oversight.domain import AlertKind, Thresholds
from exchange.oversight.models import OversightAlert
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import negotiation_reading, negotiations, payment_outcomes, payment_start
from exchange.trading.models import TradeContract
from pricing.money import cents
from tests.catalog import Person, person, review, submit
from tests.rights import certify, own_product
from tests.trading import EXPIRY_HOURS, accept, act, propose, sign, terms
from tests.valuation import value

CHEAP = {  # the default offer of tests.catalog: what tests.trading.terms() proposes
    "kind": "non_exclusive",
    "scope": "internal",
    "term_months": 12,
    "territory": "mainland",
    "seats": 5,
    "derivative": False,
    "redistribution": False,
    "price": "12000.00",
}
DEAR = CHEAP | {
    "kind": "exclusive",
    "scope": "commercial",
    "territory": "global",
    "price": "90000.00",
}


@dataclass(frozen=True)
class TwoOffers:
    """A listed product with a cheap and a dear offer, each valued by its vendor (dear last)."""

    vendor: Person
    operator: Person
    buyer: Person
    product_id: int
    cheap_id: int
    cheap: dict[str, Any]
    dear: dict[str, Any]


def two_offers(app: Flask, client: FlaskClient) -> TwoOffers:
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    product = own_product(client, vendor, offers=[CHEAP, DEAR])
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "listed"
    certify(app, vendor, product["id"])
    by_price = sorted(product["offers"], key=lambda o: Decimal(o["price"]))
    cheap_id, dear_id = by_price[0]["id"], by_price[1]["id"]
    cheap = value(client, vendor, product["id"], cheap_id)
    dear = value(client, vendor, product["id"], dear_id)
    assert Decimal(dear["floor"]) > Decimal(cheap["ceiling"])  # the bug's premise
    buyer = person(app, [Role.BUYER])
    return TwoOffers(vendor, operator, buyer, product["id"], cheap_id, cheap, dear)


def edges(band: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    return tuple(Decimal(str(band[k])) for k in ("floor", "reference", "ceiling"))  # type: ignore[return-value]


def test_band_and_suggestion_use_the_offer_under_negotiation(app, client):
    world = two_offers(app, client)
    floor, _, ceiling = edges(world.cheap)
    bid, ask = cents(floor * Decimal("0.8")), cents(floor * Decimal("0.9"))
    negotiation_id = propose(app, world.buyer, world.cheap_id, terms(price=bid))
    act(
        app,
        world.vendor,
        negotiations.counter,
        negotiation_id,
        terms(price=ask),
        None,
        expiry_hours=EXPIRY_HOURS,
    )

    for who in (world.buyer, world.vendor):
        view = act(app, who, negotiation_reading.negotiation_view, negotiation_id)
        assert view["band"]["valuation_id"] == world.cheap["id"]
        assert edges(view["band"]) == edges(world.cheap)
        suggested = Decimal(view["suggested_counter"]["price"])
        assert bid <= suggested <= ask  # the band lies above both: the nearer position
        assert suggested == ask


def test_the_band_follows_the_terms_on_the_table(app, client):
    world = two_offers(app, client)
    floor, _, ceiling = edges(world.cheap)
    negotiation_id = propose(app, world.buyer, world.cheap_id, terms(price=floor))
    act(
        app,
        world.vendor,
        negotiations.counter,
        negotiation_id,
        terms(price=ceiling * 2, term_months=24),  # licence table: 12 months 1.00, 24 1.70
        None,
        expiry_hours=EXPIRY_HOURS,
    )

    view = act(app, world.buyer, negotiation_reading.negotiation_view, negotiation_id)
    assert view["band"]["valuation_id"] == world.cheap["id"]
    assert edges(view["band"]) == tuple(cents(e * Decimal("1.7")) for e in edges(world.cheap))
    assert floor <= Decimal(view["suggested_counter"]["price"]) <= ceiling * 2


def test_the_contract_and_the_alert_judge_the_deal_by_the_offer_traded(app, client):
    world = two_offers(app, client)
    _, _, ceiling = edges(world.cheap)
    price = Decimal(world.dear["floor"])  # inside the dear offer's band: no alert by that one
    assert price > ceiling * Decimal("1.5")  # far above the cheap offer's band
    negotiation_id = propose(app, world.buyer, world.cheap_id, terms(price=price))
    contract_id = accept(app, world.vendor, negotiation_id)
    with app.app_context():
        frozen = db.session.get(TradeContract, contract_id).valuation_band
        db.session.remove()
    assert frozen["valuation_id"] == world.cheap["id"]
    assert edges(frozen) == edges(world.cheap)

    sign(app, world.vendor, contract_id)
    sign(app, world.buyer, contract_id)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, world.buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, world.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=price)
    with app.app_context():
        oversight_alerts.detect(uow(), now=utcnow() + timedelta(minutes=1), thresholds=Thresholds())
        found = [
            alert.evidence
            for alert in db.session.query(OversightAlert).filter_by(kind=AlertKind.PRICE_DEVIATION)
            if alert.evidence["contract"]["id"] == contract_id
        ]
        db.session.remove()
    [evidence] = found
    assert evidence["band"]["valuation_id"] == world.cheap["id"]
    assert Decimal(evidence["band"]["ceiling"]) == ceiling
