"""The worker's side of uploads: profile the large files stored as processing versions.

A version is claimed with a lease (an atomic UPDATE), so two workers never profile one file and
a killed worker's claim lapses; the file is read with no transaction open, and the product and
the ledger are locked only for the short write that makes the version ready or refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from exchange.catalog.datafiles import DataFiles, discard, profile_stored
from exchange.catalog.domain import FileFormat, VersionState
from exchange.catalog.ingest import IngestError
from exchange.catalog.ingest.profile import StoredProfile
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.catalog.versions import declared_personal, make_ready, record_added
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.storage import CipherMode

PROCESSING = VersionState.PROCESSING.value
BATCH = 20  # versions one pass takes on at most


@dataclass(frozen=True)
class Claim:
    """One processing version this worker holds, with what reading its file needs."""

    version_id: int
    claimed_at: datetime
    object_key: str
    file_name: str
    file_format: FileFormat
    wrapped_key: bytes
    mode: CipherMode
    notes: list[dict[str, Any]]


def _claimable(lease: timedelta, now: datetime) -> Any:
    return (ProductVersion.state == PROCESSING) & or_(
        ProductVersion.claimed_at.is_(None), ProductVersion.claimed_at < now - lease
    )


def claim(uow: UnitOfWork, files: DataFiles, version_id: int) -> Claim | None:
    """Take the version if no live claim holds it; None if another worker has it or it is done."""
    session = uow.session
    now = utcnow()
    lease = timedelta(seconds=files.claim_seconds)
    taken = session.execute(
        update(ProductVersion)
        .where(ProductVersion.id == version_id, _claimable(lease, now))
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    version = session.get(ProductVersion, version_id)
    product = session.get(DataProduct, version.product_id) if version else None
    if version is None or product is None or version.claimed_at is None:
        return None
    found = Claim(
        version_id=version.id,
        claimed_at=version.claimed_at,
        object_key=version.object_key,
        file_name=version.file_name,
        file_format=version.file_format,
        wrapped_key=product.wrapped_key,
        mode=product.cipher_mode,
        notes=list(version.fields),
    )
    session.rollback()  # end the read: the file is profiled with no transaction open
    return found


def _held(session: Session, held: Claim) -> tuple[DataProduct, ProductVersion] | None:
    """The product (locked) and the version, if the claim is still this worker's."""
    product_id = session.scalar(
        select(ProductVersion.product_id).where(ProductVersion.id == held.version_id)
    )
    product = session.scalar(
        select(DataProduct).where(DataProduct.id == product_id).with_for_update()
    )
    version = session.scalar(
        select(ProductVersion)
        .where(
            ProductVersion.id == held.version_id,
            ProductVersion.state == PROCESSING,
            ProductVersion.claimed_at == held.claimed_at,
        )
        .with_for_update()
    )
    return None if product is None or version is None else (product, version)


def process(uow: UnitOfWork, files: DataFiles, held: Claim) -> bool:
    """Profile one claimed file and make its version ready (with its ledger entry) or refused
    (its object deleted, nothing on the ledger); False if the claim was lost meanwhile."""
    session = uow.session
    refusal: IngestError | None = None
    profile: StoredProfile | None = None
    try:
        profile = profile_stored(
            files,
            object_key=held.object_key,
            file_name=held.file_name,
            file_format=held.file_format,
            wrapped_key=held.wrapped_key,
            mode=held.mode,
            declared_personal=declared_personal(held.notes),
            limits=files.worker_limits(),
        )
    except IngestError as error:
        refusal = error
    with uow:
        found = _held(session, held)
        if found is None:
            return False
        product, version = found
        if profile is not None:
            make_ready(version, profile, held.notes)
            product.updated_at = utcnow()
            session.flush()
            record_added(session, product, version)
        elif refusal is not None:
            version.state = VersionState.REFUSED.value
            version.refusal = {"message": refusal.message, "params": _plain(refusal.params)}
            version.claimed_at = None
        uow.commit()
    if refusal is not None:
        discard(files, held.object_key)
    return True


def _plain(params: Mapping[str, object]) -> dict[str, int | float | str]:
    """Message parameters as JSON holds them."""
    return {k: v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}


def profile_pending(uow: UnitOfWork, files: DataFiles) -> int:
    """One worker pass: claim and profile the processing versions no live claim holds; how
    many it finished."""
    session = uow.session
    now = utcnow()
    lease = timedelta(seconds=files.claim_seconds)
    candidates = list(
        session.scalars(
            select(ProductVersion.id)
            .where(_claimable(lease, now))
            .order_by(ProductVersion.id)
            .limit(BATCH)
        )
    )
    session.rollback()
    done = 0
    for version_id in candidates:
        held = claim(uow, files, version_id)
        if held is not None and process(uow, files, held):
            done += 1
    return done
