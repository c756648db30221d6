"""Who may value a product, and for what: the one rule the service and the product page share."""

from __future__ import annotations

import pytest

from exchange.catalog.domain import ListingStatus
from exchange.kernel.actors import Actor, MembershipView
from exchange.kernel.vocabulary import Role, VerificationStatus
from exchange.valuation.access import LISTING, PURCHASE, valuation_purpose

VENDOR_ORG, OTHER_ORG = 1, 2


def actor(*memberships: tuple[int, set[Role]]) -> Actor:
    return Actor(
        user_id=7,
        email="someone@example.cn",
        display_name="某人",
        locale=None,
        memberships=tuple(
            MembershipView(org, "机构", "Org", VerificationStatus.VERIFIED, frozenset(roles), False)
            for org, roles in memberships
        ),
    )


@pytest.mark.parametrize("status", [s for s in ListingStatus if s != ListingStatus.DELISTED])
def test_the_vendors_members_value_for_listing_until_delisted(status):
    assert valuation_purpose(actor((VENDOR_ORG, {Role.VENDOR})), VENDOR_ORG, status) == LISTING


def test_nobody_values_a_delisted_product():
    vendor = actor((VENDOR_ORG, {Role.VENDOR}), (OTHER_ORG, {Role.BUYER}))
    assert valuation_purpose(vendor, VENDOR_ORG, ListingStatus.DELISTED) is None


def test_another_organisations_buyer_values_a_listed_product_for_purchase():
    buyer = actor((OTHER_ORG, {Role.BUYER}))
    assert valuation_purpose(buyer, VENDOR_ORG, ListingStatus.LISTED) == PURCHASE
    assert valuation_purpose(buyer, VENDOR_ORG, ListingStatus.DRAFT) is None


def test_a_buyer_colleague_of_the_vendor_does_not_value_its_products():
    colleague = actor((VENDOR_ORG, {Role.BUYER}))
    assert valuation_purpose(colleague, VENDOR_ORG, ListingStatus.LISTED) is None


def test_supervisors_read_valuations_but_do_not_make_them():
    regulator = actor((OTHER_ORG, {Role.REGULATOR, Role.OPERATOR}))
    assert valuation_purpose(regulator, VENDOR_ORG, ListingStatus.LISTED) is None
