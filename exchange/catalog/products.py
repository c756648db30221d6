"""Vendors' side of the catalog: create and edit products, upload versions, set licence offers."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.accounts.models import Organisation
from exchange.catalog.browse import VendorProductCard, vendor_products
from exchange.catalog.datafiles import DataFiles, Ingested, Upload, discard, profiled, store
from exchange.catalog.domain import (
    DEFAULT_QUOTAS,
    QUALITY_DIMENSIONS,
    Access,
    ListingStatus,
    ProductType,
)
from exchange.catalog.listing import record_transition
from exchange.catalog.models import DataProduct, IndustryBoard, LicenceOffer, ProductRegion
from exchange.catalog.product_page import ProductView, get_product
from exchange.catalog.search_terms import index_tokens
from exchange.catalog.versions import (
    append_version,
    commit_or_discard,
    declared_personal,
    editable,
    require_verified,
)
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import REGIONS, Role

S = ListingStatus
DESCRIPTIVE_FIELDS = (
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "description",
    "update_frequency",
    "coverage_start",
    "coverage_end",
    "tags",
)
# What decides the compliance review: fixed once a product has been submitted.
REVIEWED_FIELDS = ("board", "product_type", "grade", "grade_justification", "regions")
OFFER_FIELDS = (
    "kind",
    "scope",
    "term_months",
    "territory",
    "seats",
    "derivative",
    "redistribution",
    "price",
    "access",
    "quota",
)


def _vendor_for(actor: Actor, vendor_id: int | None) -> int:
    """The organisation the product is listed under: the one named, or the actor's only one."""
    vendors = [m.organisation_id for m in actor.memberships if Role.VENDOR in m.roles]
    if vendor_id is None and len(vendors) == 1:
        return vendors[0]
    if vendor_id is None and not vendors:
        raise PermissionDenied(N_("Only members with the vendor role can list products."))
    if vendor_id is None:
        raise ValidationFailed.on("vendor_id", N_("Choose the organisation that sells this."))
    if vendor_id not in vendors:
        raise PermissionDenied()
    return vendor_id


def _board(session: Session, code: str) -> IndustryBoard:
    board = session.scalar(select(IndustryBoard).where(IndustryBoard.code == code))
    if board is None:
        raise ValidationFailed.on("board", N_("There is no industry board %(code)s."), code=code)
    return board


def _check(data: Mapping[str, Any]) -> None:
    """What the schema cannot see alone: coverage order, known regions, a real justification."""
    problems: dict[str, list[str]] = {}
    start, end = data.get("coverage_start"), data.get("coverage_end")
    if start and end and start > end:
        problems["coverage_end"] = [N_("The coverage must end after it starts.")]
    unknown = [region for region in data.get("regions") or () if region not in REGIONS]
    if unknown:
        problems["regions"] = [N_("Unknown region: %(region)s.")]
    if "grade_justification" in data and not str(data["grade_justification"]).strip():
        problems["grade_justification"] = [N_("Explain why the data has this grade.")]
    if problems:
        raise ValidationFailed(errors=problems, region=", ".join(unknown))


def _reindex(session: Session, product: DataProduct) -> None:
    """Refresh the pre-segmented text the full-text index reads."""
    vendor = session.get(Organisation, product.vendor_id)
    product.search_title = index_tokens(product.title_zh, product.title_en)
    product.search_body = index_tokens(
        product.summary_zh,
        product.summary_en,
        product.tags,
        product.board.name_zh,
        product.board.name_en,
        vendor.name_zh if vendor else "",
        vendor.name_en if vendor else "",
        product.description,
    )


def _reprice(product: DataProduct) -> None:
    prices = [offer.price for offer in product.offers if offer.is_active]
    product.min_price = min(prices) if prices else None


def _access(product: DataProduct, data: Mapping[str, Any]) -> tuple[Access, int | None]:
    """The offer's access, by default the product's own (an API feed's calls, else a copy),
    and its quota; 422 for access the product cannot give or a quota where none applies."""
    is_api = product.product_type == ProductType.API
    access = data.get("access") or (Access.API if is_api else Access.COPY)
    if (access is Access.API) != is_api:
        raise ValidationFailed.on(
            "access", N_("Calls to the data API are offered on API feeds, and only there.")
        )
    quota = data.get("quota")
    if access is Access.COPY:
        if quota is not None:
            raise ValidationFailed.on("quota", N_("A copy of the data has no quota."))
        return access, None
    return access, quota if quota is not None else DEFAULT_QUOTAS[access]


def _offer(product: DataProduct, data: Mapping[str, Any]) -> LicenceOffer:
    access, quota = _access(product, data)
    terms = {k: data[k] for k in OFFER_FIELDS if k not in ("access", "quota")}
    offer = LicenceOffer(**terms, access=access, quota=quota, is_active=True)
    product.offers.append(offer)
    return offer


def create_product(
    uow: UnitOfWork,
    actor: Actor,
    files: DataFiles,
    data: Mapping[str, Any],
    upload: Upload | None = None,
) -> ProductView:
    """A vendor drafts a product, optionally with its first file and licence offers."""
    session = uow.session
    vendor_id = _vendor_for(actor, data.get("vendor_id"))
    if upload is not None:
        require_verified(actor, vendor_id)
    if upload is None and data.get("fields"):
        # Notes are kept on a version; without a file they would be silently lost.
        raise ValidationFailed.on("fields", N_("Upload the data file first."))
    _check(data)
    board = _board(session, data["board"])
    wrapped = files.keys.new_data_key(files.cipher_mode)[1]
    product = DataProduct(
        vendor_id=vendor_id,
        board=board,
        product_type=data["product_type"],
        grade=data["grade"],
        grade_justification=data["grade_justification"].strip(),
        declared_quality=_declared_quality(data.get("declared_quality")),
        cipher_mode=files.cipher_mode,
        wrapped_key=wrapped,
        created_by_id=actor.user_id,
        **{k: data[k] for k in DESCRIPTIVE_FIELDS if k in data},
    )
    product.description = product.description or ""
    product.tags = list(data.get("tags") or [])
    product.regions = [ProductRegion(region=r) for r in dict.fromkeys(data.get("regions") or ())]
    for offer in data.get("offers") or ():
        _offer(product, offer)
    _reprice(product)
    notes = data.get("fields") or []
    # The file is profiled before anything is written: a refusal leaves nothing, and no lock
    # (the ledger's least of all) is held while it is read. Leaving the block on any error
    # rolls back the flushed product.
    with (
        uow,
        profiled(files, upload, declared_personal=declared_personal(notes))
        if upload is not None
        else nullcontext() as upload_,
    ):
        session.add(product)
        session.flush()
        _reindex(session, product)
        ingested: Ingested | None = None
        if upload_ is not None:
            ingested = store(
                files,
                upload_,
                product_id=product.id,
                wrapped_key=product.wrapped_key,
                mode=product.cipher_mode,
            )
        try:
            record_transition(
                session, product, S.DRAFT, actor, organisation_id=vendor_id, initial=True
            )
            if ingested is not None:
                append_version(
                    session, actor, product, ingested, notes, data.get("version_note") or ""
                )
            audit.record(
                session,
                "product.created",
                actor=actor,
                organisation_id=vendor_id,
                subject=str(product.id),
            )
        except BaseException:
            if ingested is not None:
                discard(files, ingested.object_key)
            raise
        commit_or_discard(uow, files, ingested)
    return get_product(uow, actor, product.id)


def _declared_quality(values: Mapping[str, Any] | None) -> dict[str, float]:
    return {k: float(v) for k, v in (values or {}).items() if k in QUALITY_DIMENSIONS}


def update_product(
    uow: UnitOfWork, actor: Actor, product_id: int, changes: Mapping[str, Any]
) -> ProductView:
    """Edit a product's description; what the review decided can change only in a draft."""
    session = uow.session
    product = editable(session, actor, product_id)
    reviewed = sorted(k for k in REVIEWED_FIELDS if k in changes)
    if reviewed and product.status != S.DRAFT:
        raise Conflict(
            N_("The board, type, grade and regions can change only while the product is a draft."),
            errors={k: [N_("Withdraw the product to a draft to change this.")] for k in reviewed},
        )
    if "offers" in changes and not changes["offers"] and product.status == S.LISTED:
        message = N_("A listed product keeps at least one licence offer.")  # as retire_offer
        raise Conflict(message, errors={"offers": [message]})
    # The coverage is checked as it will be, with whichever end the change leaves as it was.
    _check(
        {"coverage_start": product.coverage_start, "coverage_end": product.coverage_end}
        | dict(changes)
    )
    for key in DESCRIPTIVE_FIELDS:
        if key in changes:
            setattr(product, key, changes[key] if key != "description" else changes[key] or "")
    if "board" in changes:
        product.board = _board(session, changes["board"])
    for key in ("product_type", "grade"):
        if key in changes:
            setattr(product, key, changes[key])
    if "grade_justification" in changes:
        product.grade_justification = changes["grade_justification"].strip()
    if "regions" in changes:
        product.regions = [ProductRegion(region=r) for r in dict.fromkeys(changes["regions"])]
    if "declared_quality" in changes:
        product.declared_quality = _declared_quality(changes["declared_quality"])
    if "offers" in changes:
        for offer in product.offers:
            offer.is_active = False
        for offer in changes["offers"]:
            _offer(product, offer)
        _reprice(product)
    product.updated_at = utcnow()
    _reindex(session, product)
    audit.record(
        session,
        "product.updated",
        actor=actor,
        organisation_id=product.vendor_id,
        subject=str(product.id),
        fields=sorted(changes),
    )
    uow.commit()
    return get_product(uow, actor, product.id)


def my_products(uow: UnitOfWork, actor: Actor) -> list[VendorProductCard]:
    """The vendor dashboard: every product of the actor's vendor organisations."""
    vendors = [m.organisation_id for m in actor.memberships if Role.VENDOR in m.roles]
    if not vendors:
        raise PermissionDenied()
    return vendor_products(uow.session, vendors)


def add_offer(
    uow: UnitOfWork, actor: Actor, product_id: int, data: Mapping[str, Any]
) -> ProductView:
    """The vendor offers the product on one more set of licence terms."""
    product = editable(uow.session, actor, product_id)
    _offer(product, data)
    _reprice(product)
    product.updated_at = utcnow()
    audit.record(
        uow.session,
        "product.offer_added",
        actor=actor,
        organisation_id=product.vendor_id,
        subject=str(product.id),
    )
    uow.commit()
    return get_product(uow, actor, product.id)


def retire_offer(uow: UnitOfWork, actor: Actor, product_id: int, offer_id: int) -> ProductView:
    """The vendor stops offering one set of terms; trades already made on it are unaffected."""
    product = editable(uow.session, actor, product_id)
    offer = next((o for o in product.offers if o.id == offer_id and o.is_active), None)
    if offer is None:
        raise NotFound()
    if product.status == S.LISTED and sum(o.is_active for o in product.offers) == 1:
        raise Conflict(N_("A listed product keeps at least one licence offer."))
    offer.is_active = False
    _reprice(product)
    product.updated_at = utcnow()
    audit.record(
        uow.session,
        "product.offer_retired",
        actor=actor,
        organisation_id=product.vendor_id,
        subject=str(product.id),
        offer_id=offer_id,
    )
    uow.commit()
    return get_product(uow, actor, product.id)
