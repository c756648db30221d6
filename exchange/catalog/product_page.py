"""A product's page: everything a visitor may see of one product, and loading it for a change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NotRequired, TypedDict, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session, defer, selectinload

import pricing
from exchange.accounts.models import Organisation, User
from exchange.catalog import personal_data
from exchange.catalog.browse import SUPERVISORS, ProductCard, summary, vendor_cards
from exchange.catalog.domain import (
    Access,
    FileFormat,
    LicenceKind,
    ListingStatus,
    Territory,
    UseScope,
)
from exchange.catalog.ingest.masking import mask_cell
from exchange.catalog.ingest.profile import SampleCell, StoredSample
from exchange.catalog.ingest.quality import StoredQuality
from exchange.catalog.models import DataProduct, LicenceOffer, ListingTransition, ProductVersion
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import NotFound
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role


class OfferView(TypedDict):
    """A licence offer as plain data."""

    id: int
    kind: LicenceKind
    scope: UseScope
    term_months: int
    territory: Territory
    seats: int
    derivative: bool
    redistribution: bool
    price: Decimal
    access: Access
    quota: int | None
    unit_price: Decimal | None  # per call or query; None for a copy
    is_active: bool


class Refusal(TypedDict):
    """Why the worker refused an upload: a message id and its parameters, translated when shown."""

    message: str
    params: dict[str, int | float | str]


class VersionField(TypedDict):
    """A version's column as stored: the inferred facts with the vendor's notes, and the
    delivery form the vendor chose for it, when it chose one."""

    name: str
    type: str
    unit: str | None
    description: str | None
    personal: bool
    sensitivity: str | None
    null_count: int | None
    form: NotRequired[str]


class UploadView(TypedDict):
    """An upload that is not a ready version: processing, or refused and why."""

    number: int
    note: str
    file_name: str
    file_format: FileFormat
    size_bytes: int
    state: str
    refusal: Refusal | None
    created_at: datetime


class VersionSummary(TypedDict):
    """A version in the product's history."""

    number: int
    note: str
    file_name: str
    file_format: FileFormat
    size_bytes: int
    row_count: int
    sha256: str
    created_at: datetime


class VersionDetail(VersionSummary):
    """The latest version with its schema, quality and masked sample (as stored, in JSON)."""

    fields: list[VersionField]
    quality: StoredQuality
    sample: StoredSample


class TransitionView(TypedDict):
    """A listing transition: who, when, why, and its ledger entry."""

    from_status: ListingStatus | None
    to_status: ListingStatus
    actor: str | None
    organisation_zh: str | None
    organisation_en: str | None
    reason: str | None
    at: datetime
    ledger_seq: int | None


class PersonalInformation(TypedDict):
    """What the product page says of personal information: the basis and each column's form."""

    legal_basis: str | None
    raw_approved: list[str]
    raw_requested: list[str]
    columns: list[personal_data.ColumnFact]


class InsidersView(TypedDict, total=False):
    """What only some see of a product: its history (insiders), its uploads (its vendor)."""

    history: list[TransitionView]
    uploads: list[UploadView]


class ProductView(ProductCard, InsidersView):
    """A product's page: metadata, schema, masked sample, quality, offers, versions, vendor."""

    description: str
    coverage_start: date | None
    coverage_end: date | None
    grade_justification: str
    declared_quality: dict[str, float]
    view_count: int
    created_at: datetime
    updated_at: datetime
    offers: list[OfferView]
    versions: list[VersionSummary]
    latest: VersionDetail | None
    can_edit: bool
    personal_information: PersonalInformation


def can_see(actor: Actor | None, product: DataProduct) -> bool:
    """Listed products are public; the rest only to their vendor and the supervisors."""
    if product.status == ListingStatus.LISTED:
        return True
    return actor is not None and (
        actor.is_member(product.vendor_id) or actor.has_role(*SUPERVISORS)
    )


def _is_vendor_member(actor: Actor, vendor_id: int) -> bool:
    membership = actor.membership(vendor_id)
    return membership is not None and Role.VENDOR in membership.roles


def load_product(session: Session, product_id: int, *, for_update: bool = False) -> DataProduct:
    """The product with what its page needs, or 404; locked against concurrent changes when
    the caller is about to change it (a row lock on PostgreSQL; SQLite serialises writers)."""
    statement = (
        select(DataProduct)
        .where(DataProduct.id == product_id)
        .options(
            selectinload(DataProduct.regions),
            selectinload(DataProduct.board),
            selectinload(DataProduct.offers),
            # Earlier versions show in the history without their schema and sample: only the
            # latest's are read, so a page costs one version's stored results however many.
            selectinload(DataProduct.versions).options(
                defer(ProductVersion.fields),
                defer(ProductVersion.quality),
                defer(ProductVersion.sample),
            ),
        )
    )
    if for_update:
        statement = statement.with_for_update(of=DataProduct)
    return require_found(session.scalar(statement))


def get_product(
    uow: UnitOfWork, actor: Actor | None, product_id: int, *, count_view: bool = False
) -> ProductView:
    """A product's page: metadata, schema, masked sample, quality, offers, versions, vendor."""
    session = uow.session
    product = load_product(session, product_id)
    if not can_see(actor, product):
        raise NotFound()
    insider = actor is not None and (
        actor.is_member(product.vendor_id) or actor.has_role(*SUPERVISORS)
    )
    if count_view and not (actor is not None and actor.is_member(product.vendor_id)):
        session.execute(
            update(DataProduct)
            .where(DataProduct.id == product_id)
            .values(view_count=DataProduct.view_count + 1)
        )
        uow.commit()
    vendor = vendor_cards(session, {product.vendor_id})[product.vendor_id]
    latest = product.versions[-1] if product.versions else None
    can_edit = actor is not None and _is_vendor_member(actor, product.vendor_id)
    insiders = InsidersView()
    if insider:
        insiders["history"] = history(session, product_id)
    if can_edit:  # the vendor sees its uploads still processing, or refused and why
        insiders["uploads"] = [upload_view(v) for v in reversed(product.uploads)]
    return ProductView(
        **summary(product, vendor),
        description=product.description,
        coverage_start=product.coverage_start,
        coverage_end=product.coverage_end,
        grade_justification=product.grade_justification,
        declared_quality=dict(product.declared_quality),
        view_count=product.view_count,
        created_at=product.created_at,
        updated_at=product.updated_at,
        offers=[offer_view(o) for o in product.offers if o.is_active or insider],
        versions=[version_summary(v) for v in reversed(product.versions)],
        latest=version_detail(latest) if latest else None,
        can_edit=can_edit,
        personal_information=PersonalInformation(
            legal_basis=product.pi_legal_basis,
            raw_approved=sorted(personal_data.approved_raw(product)),
            raw_requested=personal_data.raw_columns(latest.fields if latest else []),
            columns=personal_data.page_forms(product, latest.fields if latest else []),
        ),
        **insiders,
    )


def upload_view(version: ProductVersion) -> UploadView:
    """An upload that is not a ready version: processing, or refused with the limit it passed
    (a message id and its parameters, translated when shown)."""
    return UploadView(
        number=version.number,
        note=version.note,
        file_name=version.file_name,
        file_format=version.file_format,
        size_bytes=version.size_bytes,
        state=version.state,
        refusal=cast(Refusal | None, version.refusal),  # stored as processing wrote it
        created_at=version.created_at,
    )


def unit_price(price: Decimal, access: Access, quota: int | None) -> Decimal | None:
    """What one call or query costs at this price and quota, as pricing rounds it; None for a
    copy, which has no unit."""
    if access is Access.COPY or not quota:
        return None
    terms = pricing.LicenceTerms(access=pricing.Access(access.value), quota=quota)
    return pricing.unit_price(price, terms)


def offer_view(offer: LicenceOffer) -> OfferView:
    """A licence offer as plain data."""
    return OfferView(
        id=offer.id,
        kind=offer.kind,
        scope=offer.scope,
        term_months=offer.term_months,
        territory=offer.territory,
        seats=offer.seats,
        derivative=offer.derivative,
        redistribution=offer.redistribution,
        price=offer.price,
        access=offer.access,
        quota=offer.quota,
        unit_price=unit_price(offer.price, offer.access, offer.quota),
        is_active=offer.is_active,
    )


def version_summary(version: ProductVersion) -> VersionSummary:
    """A version in the product's history."""
    return VersionSummary(
        number=version.number,
        note=version.note,
        file_name=version.file_name,
        file_format=version.file_format,
        size_bytes=version.size_bytes,
        row_count=version.row_count,
        sha256=version.sha256,
        created_at=version.created_at,
    )


def version_detail(version: ProductVersion) -> VersionDetail:
    """The latest version with its schema, quality and masked sample."""
    return VersionDetail(
        **version_summary(version),
        fields=cast(list[VersionField], list(version.fields)),  # stored as versions wrote them
        quality=cast(StoredQuality, dict(version.quality)),
        sample=_masked_again(cast(StoredSample, version.sample)),
    )


def _masked_again(sample: StoredSample) -> StoredSample:
    """A stored sample read through today's detector: a sample stored before it learnt a
    writing (full-width digits, +86, a 15-digit ID) is masked all the same."""
    rows = [[mask_cell(cell, None) for cell in row] for row in sample.get("rows", [])]
    return sample | {"rows": cast(list[list[SampleCell]], rows)}  # masked JSON stays JSON


def history(session: Session, product_id: int) -> list[TransitionView]:
    """Every listing transition of a product: who, when, why, and its ledger entry."""
    rows = session.execute(
        select(ListingTransition, User.display_name, Organisation.name_zh, Organisation.name_en)
        .outerjoin(User, User.id == ListingTransition.actor_id)
        .outerjoin(Organisation, Organisation.id == ListingTransition.organisation_id)
        .where(ListingTransition.product_id == product_id)
        .order_by(ListingTransition.id)
    )
    return [
        TransitionView(
            from_status=t.from_status,
            to_status=t.to_status,
            actor=name,
            organisation_zh=org_zh,
            organisation_en=org_en,
            reason=t.reason,
            at=t.at,
            ledger_seq=t.ledger_seq,
        )
        for t, name, org_zh, org_en in rows
    ]
