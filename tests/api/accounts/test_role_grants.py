"""Roles within an organisation: every way of granting one keeps to the organisation's kind, and
a trade step needs the side's role in the side's organisation, not merely membership of it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from exchange.accounts.models import Organisation, User
from exchange.accounts.users import add_membership, new_user
from exchange.extensions import db
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.vocabulary import Role
from exchange.payments.models import Payment
from tests.api.helpers import assert_problem, row_counts
from tests.api.trading.test_trading_authorisation import URL, World
from tests.catalog import person
from tests.factories import PASSWORD, Member, make_member, sign_in

KINDS = {
    "trading": (Role.VENDOR, Role.BUYER),
    "regulator": (Role.REGULATOR,),
    "operator": (Role.OPERATOR,),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", list(Role))
def test_add_membership_keeps_to_the_organisations_kind(app, kind, role):
    founder = make_member(app, [KINDS[kind][0]])
    with app.app_context():
        organisation = db.session.get(Organisation, founder.organisation_id)
        assert organisation is not None
        user = new_user(
            db.session,
            email=f"new.{kind}.{role}@example.cn",
            display_name="新人",
            password=PASSWORD,
        )
        if role in KINDS[kind]:
            add_membership(db.session, user, organisation, [role])
        else:
            with pytest.raises(ValidationFailed) as refused:
                add_membership(db.session, user, organisation, [role])
            assert list(refused.value.errors) == ["roles"]
        db.session.rollback()


def test_add_membership_refuses_roles_of_two_kinds_in_a_new_organisation(app):
    with app.app_context():
        organisation = Organisation(
            name_zh="混合机构",
            name_en="Mixed",
            credit_code="91360100MA9999999X",
            region="nanchang",
            contact_name="王伟",
            contact_phone="0791-8600 1234",
            contact_email="mixed@example.cn",
        )
        user = new_user(
            db.session, email="mixed@example.cn", display_name="混合", password=PASSWORD
        )
        with pytest.raises(ValidationFailed):
            add_membership(db.session, user, organisation, [Role.VENDOR, Role.REGULATOR])
        db.session.rollback()


def roles_form(page: str, user_id: int) -> str:
    """The form that sets one member's roles, from the organisation page."""
    match = re.search(rf'<form[^>]*members/{user_id}/roles".*?</form>', page, re.S)
    assert match, page
    return match.group(0)


def test_operators_page_offers_only_the_roles_the_organisation_may_hold(app, client):
    operator = make_member(app, [Role.OPERATOR])
    vendor = make_member(app, [Role.VENDOR])
    regulator = make_member(app, [Role.REGULATOR])
    sign_in(client, operator)
    trading = client.get(f"/organisations/{vendor.organisation_id}").get_data(as_text=True)
    offered = set(re.findall(r'name="roles" value="(\w+)"', roles_form(trading, vendor.user_id)))
    assert offered == {"vendor", "buyer"}
    supervising = client.get(f"/organisations/{regulator.organisation_id}").get_data(as_text=True)
    offered = set(
        re.findall(r'name="roles" value="(\w+)"', roles_form(supervising, regulator.user_id))
    )
    assert offered == {"regulator"}


def test_operators_page_refuses_a_regulator_in_a_vendor_in_place(app, client):
    operator = make_member(app, [Role.OPERATOR])
    vendor = make_member(app, [Role.VENDOR])
    sign_in(client, operator)
    page = client.get(f"/organisations/{vendor.organisation_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    before = row_counts(app)
    response = client.post(
        f"/organisations/{vendor.organisation_id}/members/{vendor.user_id}/roles",
        data={"roles": ["regulator"], "csrf_token": token},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "其成员只能担任数据商和需方角色" in body  # in place, in the page's language
    assert row_counts(app) == before
    again = client.get(f"/organisations/{vendor.organisation_id}").get_data(as_text=True)
    assert re.findall(r'value="(\w+)"\s+checked', roles_form(again, vendor.user_id)) == ["vendor"]


def test_a_download_link_stops_opening_when_its_maker_loses_the_buyer_role(app, client):
    world = World(app, client)
    entitlement_id = world.target("entitlement")
    buyer = world.buyer
    made = client.post(f"{URL}/entitlements/{entitlement_id}/links", headers=buyer.headers)
    assert made.status_code == 201
    changed = client.put(
        f"{URL}/organisations/{buyer.organisation_id}/members/{buyer.user_id}/roles",
        json={"roles": ["vendor"]},
        headers=buyer.headers,
    )
    assert changed.status_code == 200, changed.get_json()
    assert_problem(client.get(made.get_json()["url"]), 403)
    refused = client.post(f"{URL}/entitlements/{entitlement_id}/links", headers=buyer.headers)
    assert_problem(refused, 403)


def browser_of(app, who) -> Any:
    """A test client signed in as the person through the sign-in page."""
    with app.app_context():
        email = db.session.get(User, who.user_id).email  # type: ignore[union-attr]
    client = app.test_client()
    sign_in(client, Member(who.user_id, who.organisation_id, email, PASSWORD))
    return client


def test_a_colleague_without_the_buyer_role_reads_the_contract_but_gets_no_buyers_forms(
    app, client
):
    world = World(app, client)
    payment_id = world.target("payment")  # a bank transfer awaiting the operator
    with app.app_context():
        contract_id = db.session.get(Payment, payment_id).contract_id  # type: ignore[union-attr]
    clerk = browser_of(app, world.buyers_vendor)
    page = clerk.get(f"/contracts/{contract_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="pay-bank"' not in body
    assert "/pay" not in body and "download-link" not in body
    buyer = browser_of(app, world.buyer)
    assert buyer.get(f"/contracts/{contract_id}").status_code == 200


def test_negotiation_names_only_the_sides_the_reader_may_act_for(app, client):
    world = World(app, client)
    negotiation_id = world.target("negotiation")
    sides = {
        role: client.get(
            f"{URL}/negotiations/{negotiation_id}", headers=world.headers(role)
        ).get_json()["my_sides"]
        for role in ("buyer", "vendor", "buyers_vendor", "vendors_buyer")
    }
    assert sides == {
        "buyer": ["buyer"],
        "vendor": ["vendor"],
        "buyers_vendor": [],
        "vendors_buyer": [],
    }


def test_an_organisation_mixed_before_the_rule_can_only_shed_its_supervisory_roles(app, client):
    # Written straight into the tables, as the old one-checkbox grant left such organisations.
    vendor = person(app, [Role.VENDOR])
    mixed = person(app, [Role.VENDOR, Role.REGULATOR], organisation_id=vendor.organisation_id)
    operator = person(app, [Role.OPERATOR])
    roles = f"{URL}/organisations/{vendor.organisation_id}/members/{{}}/roles"
    grant = client.put(
        roles.format(vendor.user_id), json={"roles": ["regulator"]}, headers=operator.headers
    )
    assert_problem(grant, 422)
    shed = client.put(
        roles.format(mixed.user_id), json={"roles": ["vendor"]}, headers=operator.headers
    )
    assert shed.status_code == 200, shed.get_json()
    assert shed.get_json()["roles"] == ["vendor"]
