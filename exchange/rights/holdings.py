"""What is held: a product's rights and licences, and an organisation's rights dashboard."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from exchange.catalog.browse import SUPERVISORS
from exchange.catalog.models import DataProduct
from exchange.catalog.product_page import can_see
from exchange.kernel.actors import Actor
from exchange.kernel.errors import NotFound
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.rights.display import (
    GrantView,
    ProductName,
    RecordView,
    grant_view,
    organisation_cards,
    product_names,
    record_view,
)
from exchange.rights.domain import GrantStatus, RecordStatus
from exchange.rights.models import LicenceGrant, RightsObjection, RightsRecord, RightsRegistration
from exchange.rights.reading import RegistrationSummary, summaries, with_parts


class HeldRecord(RecordView):
    """A right on an organisation's dashboard, with the product it covers."""

    product: ProductName | None


class HeldGrant(GrantView):
    """A licence on an organisation's dashboard, with the product it covers."""

    product: ProductName | None


class ProductRights(TypedDict):
    """A product's rights tab."""

    records: list[RecordView]
    registrations: list[RegistrationSummary]
    grants: list[GrantView]
    grant_count: int


class OrganisationRights(TypedDict):
    """An organisation's rights dashboard."""

    registrations: list[RegistrationSummary]
    records: list[HeldRecord]
    granted: list[HeldGrant]
    received: list[HeldGrant]
    objections_raised: list[RegistrationSummary]


def product_rights(uow: UnitOfWork, actor: Actor | None, product_id: int) -> ProductRights:
    """A product's rights tab: rights in force or pending, its registrations, its licences
    (404 for a product the visitor may not see, as its page)."""
    session = uow.session
    product = session.get(DataProduct, product_id)
    if product is None or not can_see(actor, product):
        raise NotFound()
    records = session.scalars(
        select(RightsRecord)
        .where(
            RightsRecord.product_id == product_id,
            RightsRecord.status.in_((RecordStatus.PENDING, RecordStatus.ACTIVE)),
        )
        .order_by(RightsRecord.right, RightsRecord.starts_on, RightsRecord.id)
    ).all()
    registrations = session.scalars(
        with_parts(select(RightsRegistration))
        .where(RightsRegistration.product_id == product_id)
        .order_by(RightsRegistration.id.desc())
    ).all()
    grants = session.scalars(
        select(LicenceGrant)
        .where(LicenceGrant.product_id == product_id, LicenceGrant.status == GrantStatus.ACTIVE)
        .order_by(LicenceGrant.id)
    ).all()
    visible_grants = [g for g in grants if _sees_grant(actor, g)]
    names = organisation_cards(
        session,
        [r.holder_id for r in records]
        + [g.grantor_id for g in visible_grants]
        + [g.grantee_id for g in visible_grants],
    )
    return ProductRights(
        records=[record_view(r, names) for r in records],
        registrations=summaries(session, list(registrations)),
        grants=[grant_view(g, names) for g in visible_grants],
        grant_count=len(grants),
    )


def _sees_grant(actor: Actor | None, grant: LicenceGrant) -> bool:
    return actor is not None and (
        actor.is_member(grant.grantor_id)
        or actor.is_member(grant.grantee_id)
        or actor.has_role(*SUPERVISORS)
    )


def my_rights(uow: UnitOfWork, actor: Actor) -> OrganisationRights:
    """An organisation's rights dashboard: its registrations, rights held, licences both ways,
    and objections it raised or faces."""
    session = uow.session
    mine = [m.organisation_id for m in actor.memberships]
    registrations = session.scalars(
        with_parts(select(RightsRegistration))
        .where(RightsRegistration.applicant_id.in_(mine))
        .order_by(RightsRegistration.id.desc())
    ).all()
    records = session.scalars(
        select(RightsRecord)
        .where(RightsRecord.holder_id.in_(mine), RightsRecord.status == RecordStatus.ACTIVE)
        .order_by(RightsRecord.product_id, RightsRecord.right, RightsRecord.id)
    ).all()
    grants = session.scalars(
        select(LicenceGrant)
        .where(or_(LicenceGrant.grantor_id.in_(mine), LicenceGrant.grantee_id.in_(mine)))
        .order_by(LicenceGrant.id.desc())
    ).all()
    raised = (
        session.scalars(
            select(RightsRegistration)
            .join(RightsObjection, RightsObjection.registration_id == RightsRegistration.id)
            .where(RightsObjection.objector_id.in_(mine))
            .order_by(RightsRegistration.id.desc())
            .options(
                selectinload(RightsRegistration.records),
                selectinload(RightsRegistration.objections),
                selectinload(RightsRegistration.certificate),
            )
        )
        .unique()
        .all()
    )
    names = organisation_cards(
        session,
        [r.holder_id for r in records]
        + [g.grantor_id for g in grants]
        + [g.grantee_id for g in grants],
    )
    products = product_names(
        session, [r.product_id for r in records] + [g.product_id for g in grants]
    )
    return OrganisationRights(
        registrations=summaries(session, list(registrations)),
        records=[
            HeldRecord(**record_view(r, names), product=products.get(r.product_id)) for r in records
        ],
        granted=[
            HeldGrant(**grant_view(g, names), product=products.get(g.product_id))
            for g in grants
            if g.grantor_id in mine
        ],
        received=[
            HeldGrant(**grant_view(g, names), product=products.get(g.product_id))
            for g in grants
            if g.grantee_id in mine
        ],
        objections_raised=summaries(session, list(raised)),
    )
