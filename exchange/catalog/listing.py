"""The listing workflow: draft → submitted → in review → listed → suspended / delisted.

Core data can never be submitted. General data is listed on an operator's approval; important
data goes on from the operator to a regulator (that is what "in review" means here) and is
listed on the regulator's approval; so is a product whose vendor would deliver personal
information raw, and the regulator's approval names the columns and the legal basis. Every
transition is a row with who, when and why, and a ledger entry written in the same unit of work.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.orm import Session

from exchange.catalog import personal_data
from exchange.catalog.browse import ReviewCard, review_items
from exchange.catalog.domain import Grade, ListingStatus, VersionState
from exchange.catalog.models import DataProduct, ListingTransition
from exchange.catalog.product_page import load_product
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_role
from exchange.kernel.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role, VerificationStatus
from exchange.ledger.events import record_event

S = ListingStatus
DECISIONS = ("approve", "reject")


class ListingState(TypedDict):
    """Where a product stands after a step of the workflow."""

    id: int
    status: ListingStatus


def acting_organisation(actor: Actor, *roles: Role) -> int | None:
    """The organisation in which the actor holds one of the roles (their first such)."""
    for membership in actor.memberships:
        if membership.roles.intersection(roles):
            return membership.organisation_id
    return None


def require_vendor_member(actor: Actor, product: DataProduct) -> None:
    """Only the vendor's members with the vendor role may change its products."""
    membership = actor.membership(product.vendor_id)
    if membership is None or Role.VENDOR not in membership.roles:
        raise PermissionDenied()


def record_transition(
    session: Session,
    product: DataProduct,
    to_status: ListingStatus,
    actor: Actor,
    *,
    reason: str | None = None,
    organisation_id: int | None = None,
    initial: bool = False,
) -> ListingTransition:
    """Move the product, note who/when/why, and write the event to the ledger."""
    from_status = None if initial else product.status
    now = utcnow()
    latest = product.versions[-1] if product.versions else None
    entry = record_event(
        session,
        "listing.transition",
        {
            "product_id": product.id,
            "vendor_id": product.vendor_id,
            "title_zh": product.title_zh,
            "grade": product.grade.value,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value,
            "reason": reason,
            "actor_user_id": actor.user_id,
            "actor_organisation_id": organisation_id,
            "data_sha256": latest.sha256 if latest else None,
            "version": latest.number if latest else None,
        },
        parties=[product.vendor_id] + ([organisation_id] if organisation_id else []),
    )
    product.status = to_status
    product.updated_at = now
    if to_status == S.LISTED and product.listed_at is None:
        product.listed_at = now
    transition = ListingTransition(
        product_id=product.id,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.user_id,
        organisation_id=organisation_id,
        reason=reason,
        ledger_seq=entry.seq,
        at=now,
    )
    session.add(transition)
    audit.record(
        session,
        "listing.transition",
        actor=actor,
        organisation_id=organisation_id,
        subject=str(product.id),
        from_status=from_status.value if from_status else None,
        to_status=to_status.value,
    )
    return transition


# Why a step is refused, by the status the product is in (whole sentences, to translate).
NOT_NOW = {
    S.DRAFT: N_("This product is still a draft; that cannot be done now."),
    S.SUBMITTED: N_("This product is awaiting an operator's review; that cannot be done now."),
    S.IN_REVIEW: N_("This product is awaiting a regulator's review; that cannot be done now."),
    S.LISTED: N_("This product is listed; that cannot be done now."),
    S.SUSPENDED: N_("This product is suspended; that cannot be done now."),
    S.DELISTED: N_("This product has been delisted; that cannot be done now."),
}


def _refuse_unless(product: DataProduct, *allowed: ListingStatus) -> None:
    if product.status not in allowed:
        raise Conflict(NOT_NOW[product.status], status=product.status.value)


def _reason(reason: str | None, *, required: bool) -> str | None:
    reason = (reason or "").strip() or None
    if required and reason is None:
        raise ValidationFailed.on("reason", N_("Give a reason."))
    return reason


def _require_complete(product: DataProduct) -> None:
    """A product goes to review, and is listed, only with its data and a licence offer."""
    problems: dict[str, list[str]] = {}
    if not product.versions and product.uploads:
        _refuse_unready(product.uploads[-1].state)
    if not product.versions:
        problems["file"] = [N_("Upload the data file before submitting.")]
    if not any(offer.is_active for offer in product.offers):
        problems["offers"] = [N_("Add at least one licence offer before submitting.")]
    if problems:
        raise ValidationFailed(N_("This product is not ready for review."), errors=problems)


def _refuse_unready(state: str) -> None:
    """A product whose only file is still being profiled, or was refused, has no data yet."""
    if state == VersionState.PROCESSING:
        message = N_("The data file is still being checked; submit once its version is ready.")
    else:
        message = N_("The data file was refused; upload another before submitting.")
    raise Conflict(message, errors={"file": [message]})


def submit(uow: UnitOfWork, actor: Actor, product_id: int) -> ListingState:
    """The vendor sends a complete draft to compliance review."""
    product = load_product(uow.session, product_id, for_update=True)
    require_vendor_member(actor, product)
    _refuse_unless(product, S.DRAFT)
    if product.grade == Grade.CORE:
        raise ValidationFailed.on(
            "grade", N_("Core data can never be listed or traded on the exchange.")
        )
    membership = actor.membership(product.vendor_id)
    assert membership is not None
    if membership.verification_status != VerificationStatus.VERIFIED:
        raise Conflict(N_("Your organisation must be verified before it can list products."))
    _require_complete(product)
    personal_data.check_forms(product, product.versions[-1].fields, listed=False)
    record_transition(uow.session, product, S.SUBMITTED, actor, organisation_id=product.vendor_id)
    uow.commit()
    return ListingState(id=product.id, status=product.status)


def withdraw(uow: UnitOfWork, actor: Actor, product_id: int) -> ListingState:
    """The vendor takes a product back out of review to change it."""
    product = load_product(uow.session, product_id, for_update=True)
    require_vendor_member(actor, product)
    _refuse_unless(product, S.SUBMITTED, S.IN_REVIEW)
    record_transition(
        uow.session, product, S.DRAFT, actor, reason=None, organisation_id=product.vendor_id
    )
    uow.commit()
    return ListingState(id=product.id, status=product.status)


def review(
    uow: UnitOfWork, actor: Actor, product_id: int, decision: str, reason: str | None = None
) -> ListingState:
    """An operator (submitted products) or a regulator (important data in review) decides."""
    if decision not in DECISIONS:
        raise ValidationFailed.on("decision", N_("Decide approve or reject."))
    product = load_product(uow.session, product_id, for_update=True)
    if product.status == S.SUBMITTED:
        reviewer = Role.OPERATOR
    elif product.status == S.IN_REVIEW:
        reviewer = Role.REGULATOR
    else:
        require_role(actor, Role.OPERATOR, Role.REGULATOR)
        raise Conflict(N_("This product is not awaiting review."))
    require_role(actor, reviewer)
    if actor.is_member(product.vendor_id):
        raise PermissionDenied(N_("Nobody may review their own organisation's product."))
    reason = _reason(reason, required=decision == "reject")
    if decision == "approve":
        _require_complete(product)
    raw = personal_data.raw_columns(product.versions[-1].fields) if product.versions else []
    if decision == "reject":
        target = S.DRAFT
    elif reviewer == Role.OPERATOR and (product.grade == Grade.IMPORTANT or raw):
        target = S.IN_REVIEW  # important data, and raw personal information, need a regulator
    else:
        target = S.LISTED
    if target == S.LISTED and reviewer == Role.REGULATOR:
        personal_data.approve_raw(product, raw, actor.user_id)
        if raw:
            audit.record(
                uow.session,
                "listing.raw_personal_approved",
                actor=actor,
                organisation_id=acting_organisation(actor, reviewer),
                subject=str(product.id),
                columns=raw,
                legal_basis=product.pi_legal_basis,
            )
    record_transition(
        uow.session,
        product,
        target,
        actor,
        reason=reason,
        organisation_id=acting_organisation(actor, reviewer),
    )
    uow.commit()
    return ListingState(id=product.id, status=product.status)


def suspend(uow: UnitOfWork, actor: Actor, product_id: int, reason: str | None) -> ListingState:
    """An operator takes a listed product off the catalog for now, saying why."""
    require_role(actor, Role.OPERATOR)
    product = load_product(uow.session, product_id, for_update=True)
    _refuse_unless(product, S.LISTED)
    record_transition(
        uow.session,
        product,
        S.SUSPENDED,
        actor,
        reason=_reason(reason, required=True),
        organisation_id=acting_organisation(actor, Role.OPERATOR),
    )
    uow.commit()
    return ListingState(id=product.id, status=product.status)


def reinstate(
    uow: UnitOfWork, actor: Actor, product_id: int, reason: str | None = None
) -> ListingState:
    """An operator puts a suspended product back on the catalog."""
    require_role(actor, Role.OPERATOR)
    product = load_product(uow.session, product_id, for_update=True)
    _refuse_unless(product, S.SUSPENDED)
    record_transition(
        uow.session,
        product,
        S.LISTED,
        actor,
        reason=_reason(reason, required=False),
        organisation_id=acting_organisation(actor, Role.OPERATOR),
    )
    uow.commit()
    return ListingState(id=product.id, status=product.status)


def delist(uow: UnitOfWork, actor: Actor, product_id: int, reason: str | None) -> ListingState:
    """The vendor or an operator ends a listing for good; its history and versions stay."""
    product = load_product(uow.session, product_id, for_update=True)
    if actor.has_role(Role.OPERATOR) and not actor.is_member(product.vendor_id):
        organisation_id = acting_organisation(actor, Role.OPERATOR)
    else:
        require_vendor_member(actor, product)
        organisation_id = product.vendor_id
    _refuse_unless(product, S.LISTED, S.SUSPENDED)
    record_transition(
        uow.session,
        product,
        S.DELISTED,
        actor,
        reason=_reason(reason, required=True),
        organisation_id=organisation_id,
    )
    uow.commit()
    return ListingState(id=product.id, status=product.status)


def review_queue(uow: UnitOfWork, actor: Actor) -> list[ReviewCard]:
    """Products awaiting this reviewer: submitted ones for operators, important data in review
    for regulators, oldest first."""
    statuses = []
    if actor.has_role(Role.OPERATOR):
        statuses.append(S.SUBMITTED)
    if actor.has_role(Role.REGULATOR):
        statuses.append(S.IN_REVIEW)
    if not statuses:
        raise PermissionDenied()
    items = review_items(uow.session, statuses)
    audit.record(uow.session, "listing.review_queue_viewed", actor=actor, waiting=len(items))
    uow.commit()  # a supervisor's view is on the record, as every other one is
    return items
