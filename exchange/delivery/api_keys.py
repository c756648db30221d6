"""An API product's key: issued to a buyer of the entitlement on request and shown that once,
kept only as a hash, rotated (a new key shown once, the old one dead) and revoked; the data API
serves and counts calls only on the live key."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple, TypedDict

from sqlalchemy import Integer, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased, defer, load_only

from exchange.catalog.domain import VersionState
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.delivery.entitlements import check_usable, own_entitlement
from exchange.delivery.models import Entitlement
from exchange.delivery.ports import ContractLookup
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import Conflict, NotAuthenticated
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork

API_KEY_PREFIX = "gsk_"
HINT_LENGTH = 4


class QuotaExhausted(Conflict):
    code = "quota-exhausted"
    title = N_("This API key has used its whole quota of calls")


class NotAnApiProduct(Conflict):
    code = "not-an-api-product"
    title = N_("This purchase is data to download; it has no API key")


class NoLiveKey(Conflict):
    code = "no-live-key"
    title = N_("This purchase has no live API key to revoke")


@dataclass(frozen=True)
class IssuedKey:
    """A new key in plain: the only time anyone sees it."""

    entitlement_id: int
    api_key: str
    hint: str
    issued_at: datetime
    rotated: bool


class KeyState(TypedDict):
    """What may be shown of an entitlement's key afterwards: never the key itself."""

    live: bool
    hint: str | None
    issued_at: datetime | None
    revoked_at: datetime | None
    quota: int
    used: int


def digest(api_key: str) -> str:
    """A key's SHA-256: 256 random bits need no slow hash."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def key_state(entitlement: Entitlement) -> KeyState | None:
    """The key's state for an API product's entitlement; None for data to download."""
    if entitlement.quota is None:
        return None
    return KeyState(
        live=entitlement.api_key_hash is not None,
        hint=entitlement.api_key_hint,
        issued_at=entitlement.api_key_issued_at,
        revoked_at=entitlement.api_key_revoked_at,
        quota=entitlement.quota,
        used=entitlement.used,
    )


def issue_key(
    uow: UnitOfWork,
    actor: Actor,
    entitlement_id: int,
    *,
    contracts: ContractLookup,
    now: datetime | None = None,
) -> IssuedKey:
    """A new key for a buyer of the entitlement; any earlier key stops working at once."""
    now = now or utcnow()
    session = uow.session
    entitlement = own_entitlement(session, actor, entitlement_id, for_update=True)
    if entitlement.quota is None:
        raise NotAnApiProduct()
    check_usable(session, entitlement, now, contracts)
    rotated = entitlement.api_key_hash is not None
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    entitlement.api_key_hash = digest(api_key)
    entitlement.api_key_hint = api_key[-HINT_LENGTH:]
    entitlement.api_key_issued_at = now
    entitlement.api_key_revoked_at = None
    audit.record(
        session,
        "entitlement.api_key.rotated" if rotated else "entitlement.api_key.issued",
        actor=actor,
        organisation_id=entitlement.buyer_id,
        subject=str(entitlement.id),
        hint=entitlement.api_key_hint,
    )
    uow.commit()
    return IssuedKey(entitlement.id, api_key, entitlement.api_key_hint, now, rotated)


def revoke_key(
    uow: UnitOfWork, actor: Actor, entitlement_id: int, *, now: datetime | None = None
) -> KeyState:
    """Kill the entitlement's live key (a buyer of it only); a new one can be issued later."""
    now = now or utcnow()
    session = uow.session
    entitlement = own_entitlement(session, actor, entitlement_id, for_update=True)
    if entitlement.quota is None:
        raise NotAnApiProduct()
    if entitlement.api_key_hash is None:
        raise NoLiveKey()
    entitlement.api_key_hash = None
    entitlement.api_key_revoked_at = now
    audit.record(
        session,
        "entitlement.api_key.revoked",
        actor=actor,
        organisation_id=entitlement.buyer_id,
        subject=str(entitlement.id),
        hint=entitlement.api_key_hint,
    )
    uow.commit()
    state = key_state(entitlement)
    assert state is not None
    return state


class LiveKey(NamedTuple):
    """The entitlement a live key is for, its product and the ready version asked for (None
    when the product has no such version). Kept together so the session need not read them
    again: it holds what it loaded only while something else does."""

    entitlement: Entitlement
    product: DataProduct
    version: ProductVersion | None


@cache
def _by_key_hash() -> Select[Entitlement, DataProduct, ProductVersion]:
    """The entitlement holding a key hash, what a call reads of its product (its key and its
    personal-data approval; the rest loads if asked), and its ready version numbered (the latest
    when no number is given) without the profile a call does not read: one query, built once."""
    ready = aliased(ProductVersion)
    latest = (
        select(func.max(ready.number))
        .where(ready.product_id == Entitlement.product_id, ready.state == VersionState.READY)
        .correlate(Entitlement)
        .scalar_subquery()
    )
    return (
        select(Entitlement, DataProduct, ProductVersion)
        .join(DataProduct, DataProduct.id == Entitlement.product_id)
        .outerjoin(
            ProductVersion,
            and_(
                ProductVersion.product_id == Entitlement.product_id,
                ProductVersion.state == VersionState.READY,
                ProductVersion.number == func.coalesce(bindparam("number", type_=Integer), latest),
            ),
        )
        .where(Entitlement.api_key_hash == bindparam("key_hash"))
        .options(
            load_only(
                DataProduct.cipher_mode,
                DataProduct.wrapped_key,
                DataProduct.pi_legal_basis,
                DataProduct.pi_raw_approval,
            ),
            defer(ProductVersion.sample),
            defer(ProductVersion.quality),
        )
    )


def live_entitlement(session: Session, key: str, version: int | None = None) -> LiveKey:
    """The API product's entitlement whose live key this is, read with its product and the
    ready version numbered (the latest by default) in one query; 401 unknown, rotated or
    revoked."""
    found = (
        session.execute(_by_key_hash(), {"key_hash": digest(key), "number": version}).first()
        if key.startswith(API_KEY_PREFIX) and len(key) < 100
        else None
    )
    if found is None or found.Entitlement.quota is None:
        raise NotAuthenticated(N_("This API key is not valid."))
    return LiveKey(found.Entitlement, found.DataProduct, found.ProductVersion)
