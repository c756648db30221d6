"""Certificates: issued when a notice ends clean, signed by the exchange, checkable by anyone.

A certificate states the product, the holder, each right with its scope, the registration's
hash and the ledger entry that carries it. Verifying one checks, in order: the exchange's
signature; that the stored registration still hashes to the certificate's hash; that the ledger
entry carries that hash; and the entry's proof up to a checkpoint anchored on chain.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts import ledger
from contracts.certificates import (
    CERTIFICATE_FORMAT,
    CertificateSigner,
    registration_hash,
    verify_signature,
)
from contracts.merkle import hasher_named
from exchange.accounts.models import Organisation
from exchange.catalog.models import DataProduct
from exchange.kernel.actors import require_found
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.ledger.events import record_event
from exchange.rights.domain import RecordStatus, RegistrationStatus
from exchange.rights.models import RightsCertificate, RightsRegistration
from exchange.rights.registration import ClaimBody, claim_body, refuse_certified_collisions

if TYPE_CHECKING:
    from contracts.chain import Chain

VERIFIED, PENDING, FAILED = "verified", "pending", "failed"
NOT_ANCHORED = "not anchored yet"


class CheckStep(TypedDict):
    """One check a verifier made: passed, failed, or undecided (None), and what it checked."""

    name: str
    ok: bool | None
    detail: str


class CertificateCheck(TypedDict):
    """A certificate's verification: verified, pending or failed, with every check made."""

    number: str
    status: str
    checks: list[CheckStep]


class CertifiedProduct(TypedDict):
    """The product a certificate names."""

    id: int
    title_zh: str
    title_en: str


class CertifiedHolder(TypedDict):
    """The organisation a certificate names as holder."""

    id: int
    name_zh: str
    name_en: str
    credit_code: str


class CertificatePayload(TypedDict):
    """What the exchange signs: the product, the holder, each right, and where the ledger has it."""

    format: str
    number: str
    registration: str
    product: CertifiedProduct
    holder: CertifiedHolder
    rights: list[ClaimBody]
    source: str
    data_sha256: str
    hash: str
    registration_hash: str
    ledger_seq: int
    issued_at: str
    key_id: str


def issue_certificate(
    session: Session,
    registration: RightsRegistration,
    signer: CertificateSigner,
    *,
    now: datetime | None = None,
) -> RightsCertificate:
    """Certify the registration: records in force, a signed certificate, a ledger entry."""
    now = now or utcnow()
    refuse_certified_collisions(session, registration)
    registration.status = RegistrationStatus.CERTIFIED
    registration.decided_at = now
    for record in registration.records:
        record.status = RecordStatus.ACTIVE
    product = require_found(session.get(DataProduct, registration.product_id))
    holder = require_found(session.get(Organisation, registration.applicant_id))
    certificate = RightsCertificate(
        number="",
        registration_id=registration.id,
        payload={},
        signature="",
        key_id=signer.key_id,
        ledger_seq=0,
        issued_at=now,
    )
    session.add(certificate)
    session.flush()
    certificate.number = f"GSC-{now.year}-{certificate.id:06d}"
    payload = CertificatePayload(
        format=CERTIFICATE_FORMAT,
        number=certificate.number,
        registration=registration.number,
        product=CertifiedProduct(
            id=product.id, title_zh=product.title_zh, title_en=product.title_en
        ),
        holder=CertifiedHolder(
            id=holder.id,
            name_zh=holder.name_zh,
            name_en=holder.name_en,
            credit_code=holder.credit_code,
        ),
        rights=[claim_body(record) for record in registration.records],
        source=registration.source.value,
        data_sha256=registration.data_sha256,
        hash=registration.hash_name,
        registration_hash=registration.registration_hash,
        ledger_seq=registration.ledger_seq,
        issued_at=ledger.utc_stamp(now),
        key_id=signer.key_id,
    )
    certificate.payload = dict(payload)  # the JSON column holds a plain dict
    certificate.signature = signer.sign(payload)
    entry = record_event(
        session,
        "rights.certificate",
        {"certificate": payload, "signature": certificate.signature},
        parties=[registration.applicant_id],
    )
    certificate.ledger_seq = entry.seq
    return certificate


def find_certificate(session: Session, number: str) -> RightsCertificate:
    """The certificate with this number, or 404."""
    return require_found(
        session.scalar(select(RightsCertificate).where(RightsCertificate.number == number))
    )


def certificate_proof(uow: UnitOfWork, number: str) -> dict[str, Any]:
    """Public: the proof bundle of the ledger entry carrying the certificate's registration hash,
    to check offline with `python -m contracts.verify` (certificates are public records)."""
    from contracts.bundle import make_bundle

    certificate = find_certificate(uow.session, number)
    return make_bundle(uow.session, int(certificate.payload["ledger_seq"]))


def check_certificate(
    uow: UnitOfWork, number: str, public_key: bytes, chain: Chain | None
) -> CertificateCheck:
    """Verify the certificate with this number (404 if there is none)."""
    return verify_certificate(uow.session, find_certificate(uow.session, number), public_key, chain)


def verify_certificate(
    session: Session,
    certificate: RightsCertificate,
    public_key: bytes,
    chain: Chain | None,
) -> CertificateCheck:
    """Every check a verifier makes, in order; the first failure decides, a missing anchor
    leaves the certificate pending rather than failed."""
    checks: list[CheckStep] = []

    def check(name: str, ok: bool | None, detail: str) -> bool:
        checks.append(CheckStep(name=name, ok=ok, detail=detail))
        return ok is not False

    registration = certificate.registration
    payload = certificate.payload
    if not check(
        "signature",
        verify_signature(public_key, payload, certificate.signature),
        f"Ed25519 signature by key {certificate.key_id}",
    ):
        return _report(certificate, FAILED, checks)
    recomputed = registration_hash(
        hasher_named(registration.hash_name), json.loads(registration.canonical)
    )
    if not check(
        "registration",
        recomputed == payload["registration_hash"] == registration.registration_hash,
        f"the registration hashes to {recomputed} with {registration.hash_name}",
    ):
        return _report(certificate, FAILED, checks)
    entry = ledger.entry(session, int(payload["ledger_seq"]))
    carried = json.loads(entry.body).get("registration_hash")
    if not check(
        "ledger_entry",
        entry.entry_type == "rights.application" and carried == recomputed,
        f"ledger entry {entry.seq} ({entry.entry_type}) carries {carried}",
    ):
        return _report(certificate, FAILED, checks)
    from contracts.bundle import make_bundle  # the chain's libraries load on first use
    from contracts.chain import ChainUnavailable
    from contracts.verify import verify_bundle

    bundle = make_bundle(session, entry.seq)
    unreachable = None
    try:
        verdict = verify_bundle(bundle, chain)
    except ChainUnavailable as error:
        verdict, unreachable = verify_bundle(bundle, None), str(error)
    for step in verdict.steps:
        if unreachable is not None and step.name == "chain" and step.ok is None:
            check("chain", None, f"the chain could not be reached: {unreachable}")
            continue
        pending = step.ok is False and verdict.reason == NOT_ANCHORED
        check(step.name, None if pending else step.ok, step.detail)
    if verdict.ok:
        checked_on_chain = chain is not None and unreachable is None
        return _report(certificate, VERIFIED if checked_on_chain else PENDING, checks)
    return _report(certificate, PENDING if verdict.reason == NOT_ANCHORED else FAILED, checks)


def _report(
    certificate: RightsCertificate, status: str, checks: list[CheckStep]
) -> CertificateCheck:
    return CertificateCheck(number=certificate.number, status=status, checks=checks)
