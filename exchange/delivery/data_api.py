"""The data API: an API product's rows served to the live key of its buyer, page by page.

Each call is checked in this order: the key (401 unknown, rotated or revoked), the product it
was bought for (404 for another), the key's rate (429 with Retry-After), the licence (403 once
its term has ended, or the purchase was refunded or cancelled, e.g. after an upheld dispute),
the request (422), then the quota (409 once spent). A served call spends one unit of the
contract's quota and is metered; the worker summarises each day's calls into the ledger.

Rows come from the buyer's copy (exchange.delivery.copies): the same fingerprint and the same
personal-information forms as the buyer's downloads. A cursor is signed and names the
entitlement, version and query it pages, so it cannot be replayed on another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol, TypedDict, cast

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from exchange.catalog.datafiles import DataFiles
from exchange.catalog.domain import FieldType
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.delivery import api_keys, copies, meter, rows
from exchange.delivery.copy_cache import CopyCache, CopyTable
from exchange.delivery.entitlements import check_usable
from exchange.delivery.fingerprint import tables
from exchange.delivery.models import Entitlement
from exchange.delivery.ports import ContractLookup, PaidContract
from exchange.kernel.errors import Conflict, ExchangeError, NotFound, TooManyAttempts
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork

CURSOR_SALT = "ganshu.data-api-cursor"
BUSINESS_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")  # a metered day is China's day
MAX_PAGE = 1_000
MEMORY_FACTOR = 10


class AccessEnded(ExchangeError):
    status = 403
    code = "access-ended"
    title = N_("This licence no longer gives access to the data")


class CallsTooFast(TooManyAttempts):
    code = "rate-limited"
    title = N_("Too many calls on this API key")


class CursorInvalid(ExchangeError):
    status = 400
    code = "cursor-invalid"
    title = N_("This cursor is not valid for this query; start again without one")


class RateLimit(Protocol):
    """Counts calls per key within the configured rate (Flask-Limiter's storage)."""

    def spend(self, key_digest: str) -> int:
        """Count one call; 0 when it may go ahead, else the seconds to wait."""
        ...


@dataclass(frozen=True)
class RowsRequest:
    """One call as the buyer's system makes it."""

    product_id: int
    fields: tuple[str, ...] | None = None
    where: tuple[str, ...] = ()
    cursor: str | None = None
    limit: int = 100
    version: int | None = None


class ServedRows(TypedDict):
    """A page of the buyer's rows, where the next page starts, and the quota left."""

    product_id: int
    version: int
    fields: list[str]
    rows: list[dict[str, Any]]
    next_cursor: str | None
    quota: int
    used: int
    remaining: int


def business_day(moment: datetime) -> date:
    """The exchange's business day (China time) a moment falls on."""
    return moment.astimezone(BUSINESS_TIME).date()


def _usable(
    session: Session, entitlement: Entitlement, now: datetime, contracts: ContractLookup
) -> PaidContract:
    try:
        return check_usable(session, entitlement, now, contracts)
    except Conflict as ended:
        raise AccessEnded(ended.detail) from None


def _query_digest(fields: tuple[str, ...] | None, where: tuple[str, ...]) -> str:
    text = json.dumps([fields, sorted(where)], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class CursorClaims(TypedDict, total=False):
    """What a cursor signs: the entitlement, the version and the query it pages, and where the
    next page starts (an unsigned cursor reads as no claims at all)."""

    e: int
    v: int
    q: str
    p: int


def _claims(serializer: URLSafeSerializer, cursor: str | None) -> CursorClaims | None:
    """A cursor's claims (None without one, {} for one not signed by us), read before the key
    is checked so the version it pages is read with the entitlement; checked in its turn."""
    if not cursor:
        return None
    try:
        claims = serializer.loads(cursor)
    except BadSignature:
        return CursorClaims()
    return cast(CursorClaims, claims) if isinstance(claims, dict) else CursorClaims()


def _position(claims: CursorClaims | None, entitlement_id: int, query: str) -> int:
    """The position a cursor continues from (0 without one); 400 unless it was made for this
    entitlement and query."""
    if claims is None:
        return 0
    if claims.get("e") != entitlement_id or claims.get("q") != query:
        raise CursorInvalid()
    return int(claims["p"])


def _load(
    files: DataFiles,
    product: DataProduct,
    version: ProductVersion,
    entitlement: Entitlement,
    contract: PaidContract,
) -> CopyTable:
    marked = copies.buyer_copy(files, product, version, entitlement, contract)
    sheet = tables.read(marked.content, version.file_name)
    # Read as Python values a file takes about eight times its size (measured: a 10 MB CSV
    # became 78 MB of lists), and its columns kept as JSON cells about twice its size more
    # (a 2.6 MB CSV of three columns, 5.2 MB), so that is what the cache's budget counts.
    return CopyTable(tuple(sheet.names), sheet.columns, version.size_bytes * MEMORY_FACTOR)


def serve_rows(
    uow: UnitOfWork,
    api_key: str,
    request: RowsRequest,
    *,
    files: DataFiles,
    cache: CopyCache,
    rate: RateLimit,
    secret: str,
    contracts: ContractLookup,
    client_address: str | None = None,
    now: datetime | None = None,
) -> ServedRows:
    """One page of the licensed version's rows for the live key of the product's buyer."""
    now = now or utcnow()
    session = uow.session
    serializer = URLSafeSerializer(secret, salt=CURSOR_SALT)
    claims = _claims(serializer, request.cursor)
    asked = int(claims["v"]) if claims and "v" in claims else request.version
    entitlement, product, version = api_keys.live_entitlement(session, api_key, asked)
    if entitlement.product_id != request.product_id:
        raise NotFound(N_("This API key is for another product."))
    wait = rate.spend(api_keys.digest(api_key))
    if wait:
        raise CallsTooFast(
            N_("Too many calls; try again in %(seconds)s seconds."), retry_after=wait, seconds=wait
        )
    contract = _usable(session, entitlement, now, contracts)
    if entitlement.quota is not None and entitlement.used >= entitlement.quota:
        raise api_keys.QuotaExhausted()  # before the copy is read: a spent key costs nothing
    query_digest = _query_digest(request.fields, request.where)
    position = _position(claims, entitlement.id, query_digest)
    if version is None:
        raise NotFound(N_("The product has no such data version."))
    forms = copies.forms_digest(copies.delivered_forms(product, version, contract))
    table = cache.get(
        (entitlement.id, version.number, forms),
        lambda: _load(files, product, version, entitlement, contract),
    )
    types = {str(f["name"]): FieldType(f.get("type", "string")) for f in version.fields}
    query = rows.RowsQuery(
        fields=request.fields,
        filters=tuple(rows.parse_filter(text) for text in request.where),
        position=position,
        limit=max(1, min(request.limit, MAX_PAGE)),
    )
    found = rows.page(
        table.names, table.columns, types, query, table.served if cache.keeps(table) else None
    )
    used = meter.spend_and_record(
        session,
        entitlement,
        api_key,
        meter.MeteredCall(
            entitlement_id=entitlement.id,
            day=business_day(now),
            key_hint=entitlement.api_key_hint or "",
            version_number=version.number,
            rows=len(found.rows),
            request_digest=hashlib.sha256(
                f"{query_digest}:{version.number}:{position}:{query.limit}".encode()
            ).hexdigest(),
            client_address=client_address,
            called_at=now,
        ),
    )
    next_cursor = (
        None
        if found.next_position is None
        else str(
            serializer.dumps(
                CursorClaims(
                    e=entitlement.id, v=version.number, q=query_digest, p=found.next_position
                )
            )
        )
    )
    quota = entitlement.quota or 0
    served = ServedRows(
        product_id=entitlement.product_id,
        version=version.number,
        fields=list(found.fields),
        rows=found.rows,
        next_cursor=next_cursor,
        quota=quota,
        used=used,
        remaining=quota - used,
    )
    # Read before the commit, which expires what the session loaded: the commit is the call's
    # one durable write, of the unit spent and the call metered together.
    uow.commit()
    return served
