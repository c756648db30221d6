"""Who may value a product and why, and who may read its valuations.

Vendors value their own products while listing them (until delisted); another organisation's
buyers value a listed product before buying. The vendor's members and the supervisors read
every valuation of a product; anyone else only their own organisation's.
"""

from __future__ import annotations

from exchange.catalog.browse import SUPERVISORS
from exchange.catalog.domain import ListingStatus
from exchange.catalog.models import DataProduct
from exchange.catalog.product_page import can_see
from exchange.kernel.actors import Actor
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied
from exchange.kernel.i18n import N_
from exchange.kernel.vocabulary import Role

LISTING, PURCHASE = "listing", "purchase"


def valuation_purpose(actor: Actor, vendor_id: int, status: ListingStatus) -> str | None:
    """Why the actor may value a product: listing (the vendor's members, until delisted) or
    purchase (another organisation's buyers, on a listed product); None when they may not."""
    membership = actor.membership(vendor_id)
    if membership is not None and Role.VENDOR in membership.roles:
        return LISTING if status != ListingStatus.DELISTED else None
    buyer = any(Role.BUYER in m.roles and m.organisation_id != vendor_id for m in actor.memberships)
    return PURCHASE if buyer and status == ListingStatus.LISTED else None


def valuing(actor: Actor, product: DataProduct) -> tuple[str, int | None]:
    """The purpose and the organisation valuing, or the refusal that says why not."""
    purpose = valuation_purpose(actor, product.vendor_id, product.status)
    if purpose == LISTING:
        return LISTING, product.vendor_id
    if purpose == PURCHASE:
        buyer = next(
            m.organisation_id
            for m in actor.memberships
            if Role.BUYER in m.roles and m.organisation_id != product.vendor_id
        )
        return PURCHASE, buyer
    membership = actor.membership(product.vendor_id)
    if membership is not None and Role.VENDOR in membership.roles:  # only a delisting stops them
        raise Conflict(N_("This product has been delisted; that cannot be done now."))
    if not can_see(actor, product):
        raise NotFound()
    raise PermissionDenied()


def reads_all(actor: Actor, product: DataProduct) -> bool:
    return actor.is_member(product.vendor_id) or actor.has_role(*SUPERVISORS)


def organisations_of(actor: Actor) -> list[int]:
    return [m.organisation_id for m in actor.memberships]
