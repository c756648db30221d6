"""Vendors' side of the catalog: create and edit products, upload versions, set licence offers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.domain.catalog import QUALITY_DIMENSIONS, Grade, ListingStatus, Sensitivity
from exchange.domain.i18n import N_
from exchange.domain.search_terms import index_tokens
from exchange.domain.vocabulary import REGIONS, Role
from exchange.models import (
    DataProduct,
    IndustryBoard,
    LicenceOffer,
    Organisation,
    ProductRegion,
    ProductVersion,
)
from exchange.models.base import utcnow
from exchange.services import audit
from exchange.services.actors import Actor
from exchange.services.catalog import get_product, load_product
from exchange.services.datafiles import DataFiles, Ingested, Upload, discard, ingest, reprofile
from exchange.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.services.ledger import record_event
from exchange.services.listing import record_transition, require_vendor_member
from exchange.services.unit_of_work import UnitOfWork

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


def _offer(product: DataProduct, data: Mapping[str, Any]) -> LicenceOffer:
    offer = LicenceOffer(**{k: data[k] for k in OFFER_FIELDS}, is_active=True)
    product.offers.append(offer)
    return offer


def _fields(profile: Mapping[str, Any], notes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The inferred columns with the vendor's units, descriptions and personal flags."""
    by_name = {note["name"]: note for note in notes}
    return [
        {
            "name": column["name"],
            "type": column["type"],
            "unit": by_name.get(column["name"], {}).get("unit"),
            "description": by_name.get(column["name"], {}).get("description"),
            "personal": bool(by_name.get(column["name"], {}).get("personal"))
            or column.get("sensitivity") is not None,
            "sensitivity": column.get("sensitivity"),
            "null_count": column.get("null_count"),
        }
        for column in profile["columns"]
    ]


def _declared_personal(notes: Sequence[Mapping[str, Any]]) -> list[str]:
    """Columns the vendor calls personal that no detector recognised on its own."""
    return [
        note["name"]
        for note in notes
        if note.get("personal") and note.get("sensitivity") in (None, Sensitivity.DECLARED.value)
    ]


def _add_version(
    session: Session,
    actor: Actor,
    product: DataProduct,
    ingested: Ingested,
    notes: Sequence[Mapping[str, Any]],
    note: str,
) -> ProductVersion:
    product.latest_version += 1
    version = ProductVersion(
        number=product.latest_version,
        note=note,
        file_name=ingested.file_name,
        file_format=ingested.file_format,
        object_key=ingested.object_key,
        size_bytes=ingested.size_bytes,
        sha256=ingested.sha256,
        row_count=ingested.profile["rows"],
        fields=_fields(ingested.profile, notes),
        quality=ingested.profile["quality"],
        sample=ingested.profile["sample"],
        created_by_id=actor.user_id,
    )
    product.versions.append(version)
    product.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        "product.version_added",
        {
            "product_id": product.id,
            "vendor_id": product.vendor_id,
            "version": version.number,
            "file_name": version.file_name,
            "size_bytes": version.size_bytes,
            "row_count": version.row_count,
            "data_sha256": version.sha256,
        },
        parties=[product.vendor_id],
    )
    return version


def _commit_or_discard(uow: UnitOfWork, files: DataFiles, ingested: Ingested | None) -> None:
    """Commit; if that fails, remove the object just stored so no file outlives its product."""
    try:
        uow.commit()
    except BaseException:
        if ingested is not None:
            discard(files, ingested.object_key)
        raise


def create_product(
    uow: UnitOfWork,
    actor: Actor,
    files: DataFiles,
    data: Mapping[str, Any],
    upload: Upload | None = None,
) -> dict[str, Any]:
    """A vendor drafts a product, optionally with its first file and licence offers."""
    session = uow.session
    vendor_id = _vendor_for(actor, data.get("vendor_id"))
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
    session.add(product)
    session.flush()
    _reindex(session, product)
    record_transition(session, product, S.DRAFT, actor, organisation_id=vendor_id, initial=True)
    ingested = None
    if upload is not None:
        notes = data.get("fields") or []
        ingested = ingest(
            files,
            upload,
            product_id=product.id,
            wrapped_key=product.wrapped_key,
            mode=product.cipher_mode,
            declared_personal=_declared_personal(notes),
        )
        _add_version(session, actor, product, ingested, notes, data.get("version_note") or "")
    audit.record(
        session, "product.created", actor=actor, organisation_id=vendor_id, subject=str(product.id)
    )
    _commit_or_discard(uow, files, ingested)
    return get_product(uow, actor, product.id)


def _declared_quality(values: Mapping[str, Any] | None) -> dict[str, float]:
    return {k: float(v) for k, v in (values or {}).items() if k in QUALITY_DIMENSIONS}


def update_product(
    uow: UnitOfWork, actor: Actor, product_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Edit a product's description; what the review decided can change only in a draft."""
    session = uow.session
    product = load_product(session, product_id)
    require_vendor_member(actor, product)
    if product.status == S.DELISTED:
        raise Conflict(N_("A delisted product cannot be changed."))
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


def add_version(
    uow: UnitOfWork,
    actor: Actor,
    files: DataFiles,
    product_id: int,
    upload: Upload,
    *,
    note: str = "",
    fields: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Upload a new version of the data; the product, its history and earlier versions stay."""
    session = uow.session
    product = load_product(session, product_id)
    require_vendor_member(actor, product)
    if product.status == S.DELISTED:
        raise Conflict(N_("A delisted product cannot be changed."))
    # A new version keeps the vendor's notes on columns that are still there.
    notes = (
        list(fields)
        if fields is not None
        else (list(product.versions[-1].fields) if product.versions else [])
    )
    ingested = ingest(
        files,
        upload,
        product_id=product.id,
        wrapped_key=product.wrapped_key,
        mode=product.cipher_mode,
        declared_personal=_declared_personal(notes),
    )
    try:
        _add_version(session, actor, product, ingested, notes, note)
        audit.record(
            session,
            "product.version_added",
            actor=actor,
            organisation_id=product.vendor_id,
            subject=str(product.id),
        )
    except BaseException:
        discard(files, ingested.object_key)
        raise
    _commit_or_discard(uow, files, ingested)
    return get_product(uow, actor, product.id)


def describe_fields(
    uow: UnitOfWork,
    actor: Actor,
    files: DataFiles,
    product_id: int,
    notes: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Set the latest version's units, descriptions and personal flags; re-mask if needed."""
    session = uow.session
    product = load_product(session, product_id)
    require_vendor_member(actor, product)
    if product.status == S.DELISTED:
        raise Conflict(N_("A delisted product cannot be changed."))
    if not product.versions:
        raise Conflict(N_("Upload the data file first."))
    version = product.versions[-1]
    current = {f["name"]: dict(f) for f in version.fields}
    unknown = [n["name"] for n in notes if n["name"] not in current]
    if unknown:
        raise ValidationFailed.on(
            "fields", N_("The file has no column named %(name)s."), name=unknown[0]
        )
    for note in notes:
        current[note["name"]] |= {k: note[k] for k in ("unit", "description") if k in note}
        current[note["name"]]["personal"] = bool(note.get("personal")) or current[note["name"]][
            "sensitivity"
        ] not in (None, Sensitivity.DECLARED.value)
    declared = _declared_personal(list(current.values()))
    if set(declared) != set(_declared_personal(version.fields)):
        profile = reprofile(
            files,
            object_key=version.object_key,
            file_name=version.file_name,
            file_format=version.file_format,
            wrapped_key=product.wrapped_key,
            mode=product.cipher_mode,
            declared_personal=declared,
        )
        version.sample = profile["sample"]
        for column in profile["columns"]:
            current[column["name"]]["sensitivity"] = column["sensitivity"]
    version.fields = [current[f["name"]] for f in version.fields]
    product.updated_at = utcnow()
    audit.record(
        session,
        "product.fields_described",
        actor=actor,
        organisation_id=product.vendor_id,
        subject=str(product.id),
    )
    uow.commit()
    return get_product(uow, actor, product.id)


def is_grade_listable(grade: Grade) -> bool:
    """Core data never reaches the catalog."""
    return grade != Grade.CORE


def price_ok(price: Decimal) -> bool:
    """A list price is positive and to the fen."""
    return price > 0 and price == price.quantize(Decimal("0.01"))


def my_products(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """The vendor dashboard: every product of the actor's vendor organisations."""
    from exchange.services.catalog import vendor_products

    vendors = [m.organisation_id for m in actor.memberships if Role.VENDOR in m.roles]
    if not vendors:
        raise PermissionDenied()
    return vendor_products(uow.session, vendors)


def add_offer(
    uow: UnitOfWork, actor: Actor, product_id: int, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The vendor offers the product on one more set of licence terms."""
    product = load_product(uow.session, product_id)
    require_vendor_member(actor, product)
    if product.status == S.DELISTED:
        raise Conflict(N_("A delisted product cannot be changed."))
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


def retire_offer(uow: UnitOfWork, actor: Actor, product_id: int, offer_id: int) -> dict[str, Any]:
    """The vendor stops offering one set of terms; trades already made on it are unaffected."""
    product = load_product(uow.session, product_id)
    require_vendor_member(actor, product)
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
