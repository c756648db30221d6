"""Vendors' data: upload versions of a product's file and describe its columns.

A new version keeps the product, its history and its earlier versions; describing a column as
personal masks it in the sample from then on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, cast

from sqlalchemy.orm import Session

from exchange.catalog import personal_data
from exchange.catalog.datafiles import (
    DataFiles,
    Ingested,
    Upload,
    discard,
    profiled,
    reprofile,
    store,
)
from exchange.catalog.domain import (
    DeliveryForm,
    LegalBasis,
    ListingStatus,
    Sensitivity,
    VersionState,
)
from exchange.catalog.listing import require_vendor_member
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.catalog.product_page import ProductView, VersionField, get_product, load_product
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import VerificationStatus
from exchange.ledger.events import record_event

S = ListingStatus
KEEP = "keep"  # describe_fields: leave the legal basis as it is


def require_verified(actor: Actor, organisation_id: int) -> None:
    """Only a verified organisation may upload data: the exchange must know whose it is."""
    membership = actor.membership(organisation_id)
    if membership is None or membership.verification_status != VerificationStatus.VERIFIED:
        message = N_("Your organisation must be verified before it can upload data.")
        raise PermissionDenied(message, errors={"file": [message]})


def editable(session: Session, actor: Actor, product_id: int) -> DataProduct:
    """The product, locked, if its vendor may change it now: not while reviewers look at it."""
    return _changeable(actor, load_product(session, product_id, for_update=True))


def _changeable(actor: Actor, product: DataProduct) -> DataProduct:
    require_vendor_member(actor, product)
    if product.status == S.DELISTED:
        raise Conflict(N_("A delisted product cannot be changed."))
    if product.status in (S.SUBMITTED, S.IN_REVIEW):
        raise Conflict(N_("The product is under review; withdraw it to make changes."))
    return product


def _fields(profile: Mapping[str, Any], notes: Sequence[Mapping[str, Any]]) -> list[VersionField]:
    """The inferred columns with the vendor's units, descriptions and personal flags."""
    by_name = {note["name"]: note for note in notes}
    return [_field(column, by_name.get(column["name"], {})) for column in profile["columns"]]


def _field(column: Mapping[str, Any], note: Mapping[str, Any]) -> VersionField:
    field = VersionField(
        name=column["name"],
        type=column["type"],
        unit=note.get("unit"),
        description=note.get("description"),
        personal=bool(note.get("personal")) or column.get("sensitivity") is not None,
        sensitivity=column.get("sensitivity"),
        null_count=column.get("null_count"),
    )
    _set_form(field, note)
    return field


def _set_form(field: VersionField, note: Mapping[str, Any]) -> None:
    """The delivery form the vendor chose for a column, when it chose one."""
    form = note.get("form")
    if form is not None:
        field["form"] = DeliveryForm(form).value


def declared_personal(notes: Sequence[Mapping[str, Any]]) -> list[str]:
    """Columns the vendor calls personal that no detector recognised on its own."""
    return [
        note["name"]
        for note in notes
        if note.get("personal") and note.get("sensitivity") in (None, Sensitivity.DECLARED.value)
    ]


def append_version(
    session: Session,
    actor: Actor,
    product: DataProduct,
    ingested: Ingested,
    notes: Sequence[Mapping[str, Any]],
    note: str,
) -> ProductVersion:
    """Add the stored file as the next version: ready and on the ledger if it was profiled,
    else processing (holding the vendor's notes) until the worker profiles it."""
    product.latest_version += 1
    version = ProductVersion(
        product_id=product.id,
        number=product.latest_version,
        note=note,
        file_name=ingested.file_name,
        file_format=ingested.file_format,
        object_key=ingested.object_key,
        size_bytes=ingested.size_bytes,
        sha256=ingested.sha256,
        row_count=0,
        fields=[dict(n) for n in notes],
        quality={},
        sample={},
        created_by_id=actor.user_id,
        state=VersionState.PROCESSING.value,
    )
    product.updated_at = utcnow()
    if ingested.profile is None:
        session.add(version)
        session.flush()
        return version
    make_ready(version, ingested.profile, notes)
    product.versions.append(version)
    session.flush()
    record_added(session, product, version)
    return version


def make_ready(
    version: ProductVersion, profile: Mapping[str, Any], notes: Sequence[Mapping[str, Any]]
) -> None:
    """Fill a version from its file's profile and the vendor's notes: the same either way."""
    version.row_count = profile["rows"]
    version.fields = [dict(field) for field in _fields(profile, notes)]  # JSON column: plain dicts
    version.quality = profile["quality"]
    version.sample = profile["sample"]
    version.state = VersionState.READY.value
    version.claimed_at = None


def record_added(session: Session, product: DataProduct, version: ProductVersion) -> None:
    """The ledger entry of a version that became ready."""
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


def commit_or_discard(uow: UnitOfWork, files: DataFiles, ingested: Ingested | None) -> None:
    """Commit; if that fails, remove the object just stored so no file outlives its product."""
    try:
        uow.commit()
    except BaseException:
        if ingested is not None:
            discard(files, ingested.object_key)
        raise


def add_version(
    uow: UnitOfWork,
    actor: Actor,
    files: DataFiles,
    product_id: int,
    upload: Upload,
    *,
    note: str = "",
    fields: Sequence[Mapping[str, Any]] | None = None,
) -> ProductView:
    """Upload a new version of the data; the product, its history and earlier versions stay.

    The file is profiled before the product is locked or the ledger appended to, and with
    no transaction open: reading a large file holds up no one else.
    """
    session = uow.session
    product = _changeable(actor, load_product(session, product_id))
    require_verified(actor, product.vendor_id)
    # A new version keeps the vendor's notes on columns that are still there.
    notes = (
        list(fields)
        if fields is not None
        else (list(product.versions[-1].fields) if product.versions else [])
    )
    session.rollback()  # end the read: the product is loaded again, locked, once profiled
    with uow, profiled(files, upload, declared_personal=declared_personal(notes)) as upload_:
        product = editable(session, actor, product_id)
        ingested = store(
            files,
            upload_,
            product_id=product.id,
            wrapped_key=product.wrapped_key,
            mode=product.cipher_mode,
        )
        try:
            append_version(session, actor, product, ingested, notes, note)
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
        commit_or_discard(uow, files, ingested)
    return get_product(uow, actor, product.id)


def is_processing(product: ProductView) -> bool:
    """Whether the product's newest upload (as get_product shows it) awaits the worker."""
    uploads = product.get("uploads") or []
    return any(
        u["number"] == product["latest_version"] and u["state"] == VersionState.PROCESSING
        for u in uploads
    )


def _described(
    fields: Sequence[Mapping[str, Any]], notes: Sequence[Mapping[str, Any]]
) -> dict[str, VersionField]:
    """The version's columns by name with the vendor's notes applied."""
    current = {f["name"]: cast(VersionField, dict(f)) for f in fields}  # as _fields stored them
    unknown = [n["name"] for n in notes if n["name"] not in current]
    if unknown:
        raise ValidationFailed.on(
            "fields", N_("The file has no column named %(name)s."), name=unknown[0]
        )
    for note in notes:
        field = current[note["name"]]
        if "unit" in note:
            field["unit"] = note["unit"]
        if "description" in note:
            field["description"] = note["description"]
        _set_form(field, note)
        field["personal"] = bool(note.get("personal")) or field["sensitivity"] not in (
            None,
            Sensitivity.DECLARED.value,
        )
    return current


def describe_fields(
    uow: UnitOfWork,
    actor: Actor,
    files: DataFiles,
    product_id: int,
    notes: Sequence[Mapping[str, Any]],
    *,
    legal_basis: LegalBasis | str | None = KEEP,
) -> ProductView:
    """Set the latest version's units, descriptions, personal flags and delivery forms, and
    the legal basis for raw delivery; re-mask the sample if needed.

    A re-mask reads the stored file again before the product is locked, with no transaction
    open; the change then applies only if no other version came meanwhile.
    """
    session = uow.session
    product = _changeable(actor, load_product(session, product_id))
    if not product.versions:
        raise Conflict(N_("Upload the data file first."))
    version = product.versions[-1]
    seen = version.id
    declared = declared_personal(list(_described(version.fields, notes).values()))
    profile = None
    if set(declared) != set(declared_personal(version.fields)):
        stored = partial(
            reprofile,
            files,
            object_key=version.object_key,
            file_name=version.file_name,
            file_format=version.file_format,
            wrapped_key=product.wrapped_key,
            mode=product.cipher_mode,
        )
        session.rollback()  # end the read: the product is loaded again, locked, afterwards
        profile = stored(declared_personal=declared)
    session.rollback()
    product = editable(session, actor, product_id)
    version = product.versions[-1]
    current = _described(version.fields, notes)
    if version.id != seen or set(declared_personal(list(current.values()))) != set(declared):
        raise Conflict(N_("The data changed meanwhile; describe the columns again."))
    if legal_basis != KEEP:
        product.pi_legal_basis = None if legal_basis is None else LegalBasis(legal_basis).value
    if profile is not None:
        version.sample = dict(profile["sample"])
        for column in profile["columns"]:
            current[column["name"]]["sensitivity"] = column["sensitivity"]
    version.fields = [dict(current[f["name"]]) for f in version.fields]
    personal_data.check_forms(
        product, version.fields, listed=product.status in (S.LISTED, S.SUSPENDED)
    )
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
