"""Delivery: a paid contract's entitlement, fingerprinted downloads through expiring signed
links, per-buyer API keys with a quota, and the regulator's trace of a leaked copy.

A download link is a token signed with the app's secret (itsdangerous, its own salt) naming
the entitlement, the user it was made for and the version; it expires after the configured
seconds. Opening it checks the entitlement again (active, within its term, its contract not
refunded or cancelled), marks the file with the entitlement's fingerprint key and logs the
download. Someone else's entitlement is answered 404, as if it did not exist.

An API key is shown once and stored as its SHA-256. Each call counts against the quota in one
conditional UPDATE, so concurrent calls never overspend it; a spent quota is a 409
(`quota-exhausted`), not a 429: waiting does not help, only a new purchase does.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TypedDict

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, defer

from exchange.accounts.actors import load_actor
from exchange.accounts.names import PartyName, party_names
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.domain import FileFormat, ProductType, VersionState
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.delivery import copies, fingerprint
from exchange.delivery.domain import CLOSED_CONTRACTS, EntitlementStatus
from exchange.delivery.models import Download, Entitlement
from exchange.delivery.ports import ContractLookup, PaidContract
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found, require_role
from exchange.kernel.errors import (
    Conflict,
    ExchangeError,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event

LINK_SALT = "ganshu.download-link"
CONTENT_TYPES = {
    FileFormat.CSV: "text/csv",
    FileFormat.JSON: "application/json",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.PARQUET: "application/vnd.apache.parquet",
}


class LinkExpired(ExchangeError):
    status = 410
    code = "link-expired"
    title = N_("This download link has expired; ask for a new one")


class LinkInvalid(ExchangeError):
    status = 400
    code = "link-invalid"
    title = N_("This download link is not valid")


@dataclass(frozen=True)
class Granted:
    """A new entitlement; an API product's key is issued to its buyer later (api_keys)."""

    entitlement_id: int
    expires_at: datetime
    ledger_seq: int


@dataclass(frozen=True)
class DownloadLink:
    """A signed token for one download, and when it stops working."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Delivered:
    """A fingerprinted copy as served: name, content type, bytes, and the fingerprint logged."""

    file_name: str
    content_type: str
    content: bytes
    fingerprint: str
    download_id: int


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later, the month's last day when it has fewer days."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def grant_entitlement(
    session: Session, contract: PaidContract, *, now: datetime, api_quota: int
) -> Granted:
    """Entitle the buyer of a paid contract, in the caller's unit of work, with its ledger entry."""
    if session.scalar(select(Entitlement.id).where(Entitlement.contract_id == contract.id)):
        raise Conflict(N_("This contract's data has already been delivered."))
    product = require_found(session.get(DataProduct, contract.product_id))
    # A contract states its access (and quota) since computation licences; one drafted before
    # gave an API feed's calls at the configured quota, and anything else a copy.
    access = contract.terms.get("access")
    is_api = access == "api" if access else product.product_type == ProductType.API
    if is_api and contract.terms.get("quota"):
        api_quota = int(contract.terms["quota"])
    entitlement = Entitlement(
        contract_id=contract.id,
        product_id=product.id,
        buyer_id=contract.buyer_id,
        status=EntitlementStatus.ACTIVE,
        fingerprint_key=secrets.token_bytes(32),
        quota=api_quota if is_api else None,
        used=0,
        expires_at=add_months(now, int(contract.terms["term_months"])),
        ledger_seq=0,
        created_at=now,
    )
    session.add(entitlement)
    session.flush()
    entry = record_event(
        session,
        "trade.delivery",
        {
            "contract": contract.number,
            "entitlement_id": entitlement.id,
            "product_id": product.id,
            # The version delivered is the latest ready one, not a file still being profiled.
            "version": product.versions[-1].number if product.versions else 0,
            "expires_at": entitlement.expires_at.isoformat(),
            "api": is_api,
            **({"access": access} if access else {}),
        },
        parties=[contract.buyer_id, contract.vendor_id],
    )
    entitlement.ledger_seq = entry.seq
    return Granted(entitlement.id, entitlement.expires_at, entry.seq)


def _serializer(secret: str, now: datetime) -> URLSafeTimedSerializer:
    """Links signed and checked against the service's clock, so tests need not sleep."""

    class Clocked(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return URLSafeTimedSerializer(secret, salt=LINK_SALT, signer=Clocked)


def own_entitlement(
    session: Session, actor: Actor, entitlement_id: int, *, for_update: bool = False
) -> Entitlement:
    """The entitlement when the actor is a buyer of its buying organisation; 404 to anyone
    outside it, 403 to its members without the buyer role."""
    entitlement = session.get(Entitlement, entitlement_id, with_for_update=for_update)
    if entitlement is None or not actor.is_member(entitlement.buyer_id):
        raise NotFound()
    if not actor.has_role_in(entitlement.buyer_id, Role.BUYER):
        raise PermissionDenied(N_("Only the buying organisation's buyers can take its data."))
    return entitlement


class NoCopy(Conflict):
    code = "no-copy"
    title = N_("This licence lets you compute over the data; it gives no copy of it")


def check_copy(contract: PaidContract) -> None:
    """409 for a computation licence: its data is used where it lies, never handed over."""
    if contract.terms.get("access") == "computation":
        raise NoCopy()


def check_usable(
    session: Session, entitlement: Entitlement, now: datetime, contracts: ContractLookup
) -> PaidContract:
    """The entitlement's contract, when the data may still be taken under it; 409 otherwise."""
    contract = require_found(contracts(session, entitlement.contract_id))
    if contract.status in CLOSED_CONTRACTS:
        raise Conflict(N_("This purchase was refunded or cancelled; its data cannot be taken."))
    if entitlement.status != EntitlementStatus.ACTIVE:
        raise Conflict(N_("This entitlement has been revoked."))
    if entitlement.expires_at <= now:
        raise Conflict(N_("This entitlement's licence term has ended."))
    return contract


@cache
def _ready_versions(numbered: bool) -> Select[ProductVersion]:
    """A product's ready versions, the latest first or the one numbered, without the profile a
    delivery does not read (it loads if asked): built once each."""
    ready = (
        select(ProductVersion)
        .where(
            ProductVersion.product_id == bindparam("product_id"),
            ProductVersion.state == VersionState.READY,
        )
        .options(defer(ProductVersion.sample), defer(ProductVersion.quality))
    )
    if numbered:
        return ready.where(ProductVersion.number == bindparam("number"))
    return ready.order_by(ProductVersion.number.desc()).limit(1)


def ready_version(session: Session, product_id: int, number: int | None) -> ProductVersion:
    """A ready version of the product: the one numbered, or the latest."""
    require_found(session.get(DataProduct, product_id))
    # The latest ready version: one still being profiled (or refused) is not delivered.
    version = session.scalar(
        _ready_versions(number is not None), {"product_id": product_id, "number": number}
    )
    if version is None:
        raise NotFound(N_("The product has no such data version."))
    return version


def download_link(
    uow: UnitOfWork,
    actor: Actor,
    entitlement_id: int,
    *,
    secret: str,
    lifetime: int,
    contracts: ContractLookup,
    version: int | None = None,
    now: datetime | None = None,
) -> DownloadLink:
    """A signed link to one version (the latest by default) for a member of the buyer."""
    now = now or utcnow()
    session = uow.session
    entitlement = own_entitlement(session, actor, entitlement_id)
    check_copy(check_usable(session, entitlement, now, contracts))
    chosen = ready_version(session, entitlement.product_id, version)
    token = _serializer(secret, now).dumps(
        {"e": entitlement.id, "u": actor.user_id, "v": chosen.number}
    )
    return DownloadLink(str(token), now + timedelta(seconds=lifetime))


def open_download(
    uow: UnitOfWork,
    token: str,
    *,
    secret: str,
    lifetime: int,
    files: DataFiles,
    contracts: ContractLookup,
    client_address: str | None = None,
    now: datetime | None = None,
) -> Delivered:
    """The buyer's fingerprinted copy behind a valid link; the download is logged."""
    now = now or utcnow()
    serializer = _serializer(secret, now)
    try:
        claims = serializer.loads(token, max_age=lifetime)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise LinkInvalid() from None
    session = uow.session
    actor = load_actor(session, int(claims["u"]), client_address)
    if actor is None:
        raise NotAuthenticated()
    entitlement = own_entitlement(session, actor, int(claims["e"]))
    contract = check_usable(session, entitlement, now, contracts)
    check_copy(contract)
    version = ready_version(session, entitlement.product_id, int(claims["v"]))
    product = require_found(session.get(DataProduct, entitlement.product_id))
    marked = copies.buyer_copy(files, product, version, entitlement, contract)
    mark = copies.fingerprint_id(entitlement.fingerprint_key, version.number)
    download = Download(
        entitlement_id=entitlement.id,
        user_id=actor.user_id,
        version_number=version.number,
        fingerprint=mark,
        size_bytes=len(marked.content),
        client_address=client_address,
        created_at=now,
    )
    session.add(download)
    session.flush()
    download_id = download.id
    uow.commit()
    return Delivered(
        version.file_name,
        CONTENT_TYPES[FileFormat(version.file_format)],
        marked.content,
        mark,
        download_id,
    )


class TracedContract(TypedDict):
    """The contract a traced copy was delivered under."""

    id: int
    number: str
    status: str  # trading's ContractStatus value


class TracedDownload(TypedDict):
    """One download of the traced entitlement: who, which version, its fingerprint, when, where."""

    id: int
    user_id: int | None
    version: int
    fingerprint: str
    at: datetime
    client_address: str | None


class TracedCopy(TypedDict):
    """The entitlement whose marks a copy carries, its parties, how sure, and its downloads."""

    entitlement_id: int
    contract: TracedContract
    product_id: int
    buyer: PartyName | None
    vendor: PartyName | None
    score: float
    confidence: float
    evidence: fingerprint.MarkEvidence[int]
    downloads: list[TracedDownload]


class TraceResult(TypedDict):
    """A trace's answer: the copy's entitlement (None when no marks match), how many tried."""

    match: TracedCopy | None
    candidates: int


def trace(
    uow: UnitOfWork,
    actor: Actor,
    suspect: bytes,
    file_name: str,
    files: DataFiles,
    *,
    contracts: ContractLookup,
    product_id: int | None = None,
) -> TraceResult:
    """Regulators only: the entitlement, contract and buyer whose fingerprint a copy carries."""
    require_role(actor, Role.REGULATOR)
    if len(suspect) > files.max_bytes:
        raise PayloadTooLarge()
    try:
        names = fingerprint.column_names(suspect, file_name)
    except fingerprint.UnreadableCopy as error:
        raise ValidationFailed.on("file", error.message) from None
    session = uow.session
    products = [product_id] if product_id is not None else _products_with(session, names)
    query = select(Entitlement.id, Entitlement.fingerprint_key)
    if products:
        query = query.where(Entitlement.product_id.in_(products))
    candidates = {row.id: bytes(row.fingerprint_key) for row in session.execute(query)}
    match = fingerprint.identify(suspect, file_name, candidates)
    audit.record(
        session,
        "oversight.trace",
        actor=actor,
        subject=file_name[:200],
        candidates=len(candidates),
        entitlement_id=match.entitlement if match else None,
    )
    uow.commit()
    if match is None:
        return TraceResult(match=None, candidates=len(candidates))
    return TraceResult(match=_traced(session, match, contracts), candidates=len(candidates))


def _products_with(session: Session, names: list[str]) -> list[int]:
    """Products with a version whose columns are the suspect's (in any order)."""
    wanted = set(names)
    rows = session.execute(select(ProductVersion.product_id, ProductVersion.fields))
    return sorted(
        {row.product_id for row in rows if {str(f.get("name")) for f in row.fields or []} == wanted}
    )


def _traced(
    session: Session, match: fingerprint.Match[int], contracts: ContractLookup
) -> TracedCopy:
    entitlement = require_found(session.get(Entitlement, match.entitlement))
    contract = require_found(contracts(session, entitlement.contract_id))
    downloads = session.scalars(
        select(Download)
        .where(Download.entitlement_id == entitlement.id)
        .order_by(Download.created_at, Download.id)
    ).all()
    names = party_names(session, [contract.buyer_id, contract.vendor_id])
    return TracedCopy(
        entitlement_id=entitlement.id,
        contract=TracedContract(id=contract.id, number=contract.number, status=contract.status),
        product_id=entitlement.product_id,
        buyer=names.get(contract.buyer_id),
        vendor=names.get(contract.vendor_id),
        score=match.score,
        confidence=match.confidence,
        evidence=match.evidence,
        downloads=[
            TracedDownload(
                id=d.id,
                user_id=d.user_id,
                version=d.version_number,
                fingerprint=d.fingerprint,
                at=d.created_at,
                client_address=d.client_address,
            )
            for d in downloads
        ],
    )
