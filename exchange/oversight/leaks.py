"""Tracing a leaked copy: the fingerprint it carries names an entitlement, and a leak alert is
raised for it. Regulators only; every trace is an audit event."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.accounts.names import party_names
from exchange.catalog.models import ProductVersion
from exchange.delivery import fingerprint
from exchange.delivery.models import Download, Entitlement
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import PayloadTooLarge, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.oversight.alert_reading import stored_evidence
from exchange.oversight.alerts import raise_new
from exchange.oversight.detectors import Finding
from exchange.oversight.domain import LEAK_MAX_BYTES, AlertKind, leak_key
from exchange.oversight.evidence import (
    Evidence,
    LeakedContract,
    LeakedDownload,
    LeakedFile,
    LeakEvidence,
)
from exchange.oversight.models import OversightAlert
from exchange.trading.models import TradeContract


class LeakTrace(TypedDict):
    """What tracing a suspect copy found: the leak alert's evidence, or no match."""

    match: Evidence | None
    candidates: int
    alert_id: int | None
    new: bool


def trace_leak(
    uow: UnitOfWork,
    actor: Actor,
    file_name: str,
    content: bytes,
    *,
    max_bytes: int = LEAK_MAX_BYTES,
    now: datetime | None = None,
) -> LeakTrace:
    """Regulators only: name the entitlement whose fingerprint a suspect copy carries and raise
    a leak alert for it. A file too large or unreadable is refused and nothing is written."""
    require_role(actor, Role.REGULATOR)
    if len(content) > max_bytes:
        raise PayloadTooLarge(N_("A suspect file may be at most %(limit)s bytes."), limit=max_bytes)
    try:
        names = fingerprint.column_names(content, file_name)
    except fingerprint.UnreadableCopy as error:
        raise ValidationFailed.on("file", error.message) from None
    now = now or utcnow()
    session = uow.session
    candidates = _fingerprint_keys(session, names)
    match = fingerprint.identify(content, file_name, candidates)
    digest = hashlib.sha256(content).hexdigest()
    alert_id, new = None, False
    if match is not None:
        finding = _leak(session, match, file_name, digest, len(content))
        raised = raise_new(session, [finding], now)
        new = bool(raised)
        alert_id = session.scalar(
            select(OversightAlert.id).where(OversightAlert.dedup_key == finding.key)
        )
    audit.record(
        session,
        "oversight.leak_traced",
        actor=actor,
        subject=file_name[:200],
        sha256=digest,
        candidates=len(candidates),
        entitlement_id=match.entitlement if match else None,
        alert_id=alert_id,
    )
    uow.commit()
    if match is None:
        return LeakTrace(match=None, candidates=len(candidates), alert_id=None, new=False)
    alert = require_found(session.get(OversightAlert, alert_id))
    return LeakTrace(
        match=stored_evidence(alert), candidates=len(candidates), alert_id=alert_id, new=new
    )


def _fingerprint_keys(session: Session, names: list[str]) -> dict[int, bytes]:
    """Each entitlement's fingerprint key, for the products with a version of these columns."""
    wanted = set(names)
    rows = session.execute(
        select(ProductVersion.product_id, ProductVersion.fields).where(
            ProductVersion.product_id.in_(select(Entitlement.product_id).distinct())
        )
    )
    products = {
        row.product_id
        for row in rows
        if {str(field.get("name")) for field in row.fields or []} == wanted
    }
    if not products:
        return {}
    keys = session.execute(
        select(Entitlement.id, Entitlement.fingerprint_key).where(
            Entitlement.product_id.in_(products)
        )
    )
    return {row.id: bytes(row.fingerprint_key) for row in keys}


def _leak(
    session: Session,
    match: fingerprint.Match[int],
    file_name: str,
    digest: str,
    size: int,
) -> Finding:
    entitlement = require_found(session.get(Entitlement, match.entitlement))
    contract = require_found(session.get(TradeContract, entitlement.contract_id))
    names = party_names(session, [contract.buyer_id, contract.vendor_id])
    downloads = session.scalars(
        select(Download)
        .where(Download.entitlement_id == entitlement.id)
        .order_by(Download.created_at, Download.id)
    ).all()
    evidence = LeakEvidence(
        file=LeakedFile(name=file_name, sha256=digest, size_bytes=size),
        entitlement_id=entitlement.id,
        product_id=entitlement.product_id,
        contract=LeakedContract(id=contract.id, number=contract.number, status=contract.status),
        buyer=names.get(contract.buyer_id),
        vendor=names.get(contract.vendor_id),
        score=match.score,
        confidence=match.confidence,
        marks=match.evidence,
        downloads=[
            LeakedDownload(
                id=download.id,
                user_id=download.user_id,
                version=download.version_number,
                fingerprint=download.fingerprint,
                at=download.created_at.isoformat(),
                client_address=download.client_address,
            )
            for download in downloads
        ],
    )
    return Finding(
        AlertKind.LEAK,
        leak_key(entitlement.id, digest),
        evidence,
        (contract.buyer_id, contract.vendor_id),
        (contract.id,),
    )
