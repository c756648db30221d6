"""The data API's meter: a served call spends one unit of its key's quota and is recorded as a
DataApiCall row, both in the caller's transaction, so the one commit that makes the call
durable makes both durable, and a crash before it leaves neither.

The two statements are built once and run on the session's connection: built on each call and
run through the ORM they took about three times as long (0.57 ms against 0.17 ms, measured).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TypedDict

from sqlalchemy import Insert, Update, bindparam, insert, update
from sqlalchemy.orm import Session

from exchange.delivery.api_keys import QuotaExhausted, digest
from exchange.delivery.models import DataApiCall, Entitlement
from exchange.kernel.errors import NotAuthenticated
from exchange.kernel.i18n import N_


class MeteredCall(TypedDict):
    """What the meter keeps of one served call (a DataApiCall row)."""

    entitlement_id: int
    day: date  # the exchange's business day (China time)
    key_hint: str
    version_number: int
    rows: int
    request_digest: str
    client_address: str | None
    called_at: datetime


@cache
def _spend_unit() -> Update:
    """One unit more used, only on the live key's entitlement and only within its quota."""
    return (
        update(Entitlement)
        .where(
            Entitlement.id == bindparam("entitlement_id"),
            Entitlement.api_key_hash == bindparam("key_hash"),
            Entitlement.used < Entitlement.quota,
        )
        .values(used=Entitlement.used + 1)
        .returning(Entitlement.used)
    )


@cache
def _record_call() -> Insert:
    return insert(DataApiCall)


def spend_and_record(
    session: Session, entitlement: Entitlement, key: str, call: MeteredCall
) -> int:
    """Spend one unit of the quota in one conditional UPDATE (so concurrent calls never
    overspend it) and record the call, in the session's transaction; the units now used. 409
    once the quota is spent, 401 if the key was rotated or revoked meanwhile: nothing recorded."""
    connection = session.connection()
    used = connection.execute(
        _spend_unit(), {"entitlement_id": entitlement.id, "key_hash": digest(key)}
    ).scalar_one_or_none()
    if used is None:
        session.refresh(entitlement)
        if entitlement.api_key_hash != digest(key):
            raise NotAuthenticated(N_("This API key is not valid."))
        raise QuotaExhausted()
    connection.execute(_record_call(), dict(call))
    return int(used)
