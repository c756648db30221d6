"""The quota on the trading pages, with CSRF on: the offer form of a computation offer asks for
the queries and the copy's does not, a counter carries its quota and a bad one is refused in
place, the history shows each round's quota and the price of one query, and the regulator's
dossier shows the quota agreed."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.trading.models import NegotiationRound
from tests.catalog import Person, create_product, person, review, submit, upload
from tests.compute import computation_offer, households, save_policy
from tests.integration.catalog_pages import english, feedback, post, sign_in_as, text
from tests.rights import certify
from tests.trading import accept, propose, terms


@dataclass(frozen=True)
class Offers:
    vendor: Person
    buyer: Person
    regulator: Person
    product_id: int
    copy_id: int
    computation_id: int


@pytest.fixture
def offers(app, client) -> Offers:
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    buyer = person(app, [Role.BUYER])
    regulator = person(app, [Role.REGULATOR])
    product = create_product(client, vendor.headers, with_file=False)
    assert upload(client, vendor.headers, product["id"], households(), "p.csv").status_code == 201
    assert save_policy(client, vendor, product["id"]).status_code == 200
    computation_id = computation_offer(client, vendor, product["id"], 100)
    assert submit(client, vendor, product["id"]).status_code == 200
    assert review(client, operator, product["id"]).get_json()["status"] == "listed"
    certify(app, vendor, product["id"])
    copy_id = product["offers"][0]["id"]
    return Offers(vendor, buyer, regulator, product["id"], copy_id, computation_id)


def as_(app, someone):
    client = app.test_client()
    sign_in_as(client, someone)
    english(client)
    return client


def offer_form(**overrides) -> dict:
    data = {
        "price": "3000.00",
        "scope": "internal",
        "term_months": "12",
        "territory": "mainland",
        "seats": "5",
        "message": "",
    }
    return data | overrides


def quota_field(page: str, offer_id: int) -> str | None:
    """The quota input inside the offer's "Make an offer" form, if it has one."""
    form = page.split(f'data-testid="make-offer-{offer_id}"', 1)[1].split("</details>", 1)[0]
    found = re.search(r'<input[^>]*name="quota"[^>]*>', form)
    return found.group(0) if found else None


def test_only_the_computation_offer_asks_for_a_quota(app, offers):
    page = text(as_(app, offers.buyer).get(f"/products/{offers.product_id}"))
    field = quota_field(page, offers.computation_id)
    assert field is not None and 'value="100"' in field
    assert quota_field(page, offers.copy_id) is None
    assert "Quota (queries)" in page


def test_an_offer_with_a_quota_opens_a_negotiation_at_it(app, offers):
    path = f"/products/{offers.product_id}/offers/{offers.computation_id}/negotiate"
    response = post(as_(app, offers.buyer), path, offer_form(price="600.00", quota="20"))
    assert response.status_code == 302, text(response)
    with app.app_context():
        round_ = db.session.scalar(select(NegotiationRound))
        assert round_ is not None and round_.quota == 20
        db.session.remove()
    page = text(as_(app, offers.vendor).get(response.headers["Location"]))
    assert re.search(r'data-testid="round-quota">20 queries', page)
    assert re.search(r'data-testid="round-unit-price">¥30.00 each', page)
    assert 'name="quota"' in page  # the vendor's counter form


def test_a_bad_quota_in_a_counter_stays_in_place_and_writes_nothing(app, offers):
    negotiation_id = propose(app, offers.buyer, offers.computation_id, terms(quota=20))
    path = f"/negotiations/{negotiation_id}/counter"
    response = post(as_(app, offers.vendor), path, offer_form(quota="0"))
    assert response.status_code == 422
    assert feedback(response, "quota") == ["Enter a number from 1 to 10000000."]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NegotiationRound)) == 1
        db.session.remove()


def test_the_dossier_shows_the_quota_of_each_round_and_of_the_contract(app, offers):
    negotiation_id = propose(app, offers.buyer, offers.computation_id, terms(quota=40))
    contract_id = accept(app, offers.vendor, negotiation_id)
    page = text(as_(app, offers.regulator).get(f"/oversight/trades/{contract_id}"))
    assert re.search(r'data-testid="dossier-access">[^<]*· 40 queries', page)
    assert re.search(r'data-testid="round-quota">40 queries', page)
