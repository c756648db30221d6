"""Who may do what in trading, proven through HTTP: each endpoint against every role.

The product and its offer are the vendor's; the buyer negotiates for its own organisation;
"other vendor" is a stranger to the trade. Two colleagues hold the wrong role inside a party:
"buyer's vendor" is a member of the buying organisation with only the vendor role, "vendor's
buyer" a member of the selling one with only the buyer role; they may read the trade but take
no step for its side. Each test is one row of the matrix: the refusals
first, all on one target in the stage the endpoint needs (each must leave every trading table
and the ledger as they were, and be a problem of its status), then each allowed role on a
target of its own unless the endpoint only reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from sqlalchemy import select

from exchange.accounts.models import Membership
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.payments.models import Payment
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.extension import trading_settings
from tests.api.helpers import MATRIX_ROLES, PROBLEM_TYPES, RolePeople, matrix_answers
from tests.api.trading.test_trading_api import tampered, terms_json, trade_state
from tests.catalog import Person, person
from tests.trading import accept, act, listed_offer, propose, sign

ROLES = (*MATRIX_ROLES, "buyers_vendor", "vendors_buyer")
URL = "/api/v1"
TYPES = PROBLEM_TYPES | {409: "urn:ganshu:problem:conflict"}
PRICE = "10000.00"


def colleague(app: Any, role: Role, organisation_id: int) -> Person:
    """A member (not an administrator) of the organisation holding only this role."""
    made = person(app, [role], organisation_id=organisation_id)
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == made.user_id))
        assert membership is not None
        membership.is_admin = False
        db.session.commit()
        db.session.remove()
    return made


class World(RolePeople):
    """The people of the matrix and trades at any stage, between the vendor and the buyer."""

    @cached_property
    def buyers_vendor(self) -> Person:
        return colleague(self.app, Role.VENDOR, self.buyer.organisation_id)

    @cached_property
    def vendors_buyer(self) -> Person:
        return colleague(self.app, Role.BUYER, self.vendor.organisation_id)

    def target(self, stage: str) -> Any:
        """What the endpoint's path or body needs, the trade taken to the stage."""
        if stage == "organisation":
            return self.vendor.organisation_id
        _, offer_id = listed_offer(self.app, self.client, self.vendor, self.operator)
        if stage == "offer":
            return offer_id
        negotiation_id = propose(self.app, self.buyer, offer_id)
        if stage == "negotiation":
            return negotiation_id
        contract_id = accept(self.app, self.vendor, negotiation_id)
        if stage == "contract":
            return contract_id
        sign(self.app, self.buyer, contract_id)
        sign(self.app, self.vendor, contract_id)
        if stage == "signed":
            return contract_id
        bank = trading_settings(self.app).gateway()
        started = act(self.app, self.buyer, payment_start.start_payment, contract_id, gateway=bank)
        if stage == "payment":
            return started["id"]
        act(
            self.app,
            self.operator,
            payment_outcomes.confirm_bank_transfer,
            started["id"],
            amount=PRICE,
        )
        if stage == "paid":
            return contract_id
        if stage == "entitlement":
            with self.app.app_context():
                found = db.session.scalar(
                    select(Entitlement.id).where(Entitlement.contract_id == contract_id)
                )
                db.session.remove()
            return found
        assert stage == "disputed"
        act(self.app, self.buyer, settlement.open_dispute, contract_id, "数据缺失。")
        return contract_id


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {target} stands for what the stage gives
    stage: str | None  # None when the endpoint needs nothing made first
    expected: dict[str, int]  # role -> status
    json: Callable[[Any], Any] | None = None  # the body, given the target
    reads: bool = False  # the roles allowed may share one target


def answers(allowed: dict[str, int], **refused: int) -> dict[str, int]:
    """Each role's status: the allowed ones, then the refusals (403 unless told, 401 anonymous)."""
    refusals = {role: 401 if role == "anonymous" else 403 for role in ROLES} | refused
    return {role: allowed.get(role, refusals[role]) for role in ROLES}


SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}
# Reading: every member of either party, whatever their role there, and the supervisors.
PARTIES_AND_SUPERVISORS = {
    "vendor": 200,
    "buyer": 200,
    "operator": 200,
    "regulator": 200,
    "buyers_vendor": 200,
    "vendors_buyer": 200,
}
STRANGERS = {"other_vendor": 404, "operator": 404, "regulator": 404}

ENDPOINTS = {
    "propose": Endpoint(
        "POST",
        "/negotiations",
        "offer",
        # The vendor may not buy its own product; the others are no organisation's buyers.
        answers({"buyer": 201}),
        json=lambda offer_id: terms_json(offer_id=offer_id),
    ),
    "list my negotiations": Endpoint(
        "GET",
        "/negotiations",
        None,
        answers(dict.fromkeys(("vendor", "other_vendor", "buyer", *ROLES[-2:]), 200)),
        reads=True,
    ),
    "read a negotiation": Endpoint(
        "GET",
        "/negotiations/{target}",
        "negotiation",
        answers(PARTIES_AND_SUPERVISORS, other_vendor=404),
        reads=True,
    ),
    "counter": Endpoint(
        "POST",
        "/negotiations/{target}/counter",
        "negotiation",
        # The buyer proposed: it is the vendor's turn.
        answers({"vendor": 200}, buyer=409, **STRANGERS),
        json=lambda _: terms_json(price="11000.00"),
    ),
    "accept": Endpoint(
        "POST",
        "/negotiations/{target}/accept",
        "negotiation",
        answers({"vendor": 201}, buyer=409, **STRANGERS),
    ),
    "reject": Endpoint(
        "POST",
        "/negotiations/{target}/reject",
        "negotiation",
        answers({"vendor": 200}, buyer=409, **STRANGERS),
    ),
    "withdraw": Endpoint(
        "POST",
        "/negotiations/{target}/withdraw",
        "negotiation",
        answers({"buyer": 200}, **STRANGERS),
    ),
    "read a contract": Endpoint(
        "GET",
        "/contracts/{target}",
        "contract",
        answers(PARTIES_AND_SUPERVISORS, other_vendor=404),
        reads=True,
    ),
    "read a contract's typed data": Endpoint(
        "GET",
        "/contracts/{target}/typed-data",
        "contract",
        answers(PARTIES_AND_SUPERVISORS, other_vendor=404),
        reads=True,
    ),
    "sign with the exchange's key": Endpoint(
        "POST",
        "/contracts/{target}/sign",
        "contract",
        answers({"vendor": 201, "buyer": 201}, **STRANGERS),
    ),
    "register a signing address": Endpoint(
        "POST",
        "/organisations/{target}/signing-address",
        "organisation",
        answers(
            {"vendor": 200},
            other_vendor=404,
            buyer=404,
            operator=404,
            regulator=404,
            buyers_vendor=404,
        ),
        json=lambda _: {"address": "0x" + "ab" * 20},
    ),
    "pay": Endpoint(
        "POST",
        "/payments",
        "signed",
        answers({"buyer": 201}, other_vendor=404),  # a stranger learns nothing of the contract
        json=lambda contract_id: {"contract_id": contract_id},
    ),
    "read a payment": Endpoint(
        "GET",
        "/payments/{target}",
        "payment",
        answers(PARTIES_AND_SUPERVISORS, other_vendor=404),
        reads=True,
    ),
    "confirm a bank transfer": Endpoint(
        "POST",
        "/payments/{target}/confirm",
        "payment",
        answers({"operator": 200}),
        json=lambda _: {"amount": PRICE},
    ),
    "accept delivery": Endpoint(
        "POST",
        "/contracts/{target}/accept-delivery",
        "paid",
        answers({"buyer": 200}, **STRANGERS),
    ),
    "dispute": Endpoint(
        "POST",
        "/contracts/{target}/disputes",
        "paid",
        answers({"buyer": 201}, **STRANGERS),
        json=lambda _: {"reason": "数据缺失。"},
    ),
    "decide a dispute": Endpoint(
        "POST",
        "/contracts/{target}/disputes/decision",
        "disputed",
        answers({"operator": 200}),
        json=lambda _: {"decision": "reject", "reason": "数据与合同一致。"},
    ),
    "list my entitlements": Endpoint("GET", "/entitlements", None, answers(SIGNED_IN), reads=True),
    "make a download link": Endpoint(
        "POST",
        "/entitlements/{target}/links",
        "entitlement",
        answers({"buyer": 201}, vendor=404, vendors_buyer=404, **STRANGERS),
        reads=True,  # a link changes nothing: the buyer may make many
    ),
}


def call(world: World, endpoint: Endpoint, role: str, target: Any) -> Any:
    path = URL + endpoint.path.format(target=target)
    body = endpoint.json(target) if endpoint.json else None
    return world.client.open(path, method=endpoint.method, json=body, headers=world.headers(role))


@pytest.mark.parametrize("name", list(ENDPOINTS), ids=[n.replace(" ", "_") for n in ENDPOINTS])
def test_each_role_gets_the_expected_answer_and_refusals_write_nothing(app, world, name):
    endpoint = ENDPOINTS[name]
    got, wrote, malformed = matrix_answers(world, endpoint, call, lambda: trade_state(app), TYPES)
    assert got == endpoint.expected
    assert wrote == [], "these refusals changed the trade"
    assert malformed == [], "these refusals are not problems of their status"


def test_a_download_link_opens_without_a_token_but_only_with_its_signature(world):
    entitlement_id = world.target("entitlement")
    made = world.client.post(
        f"{URL}/entitlements/{entitlement_id}/links", headers=world.buyer.headers
    ).get_json()
    assert world.client.get(made["url"]).status_code == 200
    forged = world.client.get(tampered(made["url"]))
    assert forged.status_code == 400
    assert forged.get_json()["type"] == "urn:ganshu:problem:link-invalid"


def test_a_payment_is_read_by_parties_and_supervisors_only(app, world):
    payment_id = world.target("payment")
    with app.app_context():
        amount = db.session.get(Payment, payment_id).amount  # type: ignore[union-attr]
        db.session.remove()
    bodies = {
        role: world.client.get(f"{URL}/payments/{payment_id}", headers=world.headers(role))
        for role in ROLES
    }
    seen = {role: r.get_json().get("amount") for role, r in bodies.items() if r.status_code == 200}
    readers = ("vendor", "buyer", "operator", "regulator", "buyers_vendor", "vendors_buyer")
    assert seen == dict.fromkeys(readers, f"{amount:.2f}")
