"""The data API's usage: each closed day of a contract's calls summarised into one ledger entry
(how many calls, how many rows, and a hash over the calls in order), and the usage its vendor
and the regulators read.

A day is the exchange's business day (China time). Only days before today are summarised, so a
summary never misses a later call of its day; the unique (entitlement, day) row makes a second
worker's summary of the same day fail instead of writing a second entry.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TypedDict

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from exchange.accounts.names import PartyName, party_names
from exchange.catalog.models import DataProduct
from exchange.delivery.data_api import business_day
from exchange.delivery.models import ApiUsageDay, DataApiCall, Entitlement
from exchange.delivery.ports import ContractLookup
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import NotFound
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event

BATCH = 200  # (contract, day) summaries per pass
CLOSING_GRACE = timedelta(minutes=10)
WINDOW_DAYS = 30  # the days of usage a vendor's page shows
MAX_CONTRACTS = 200


class UsageDay(TypedDict):
    """One day of a contract's calls; `ledger_seq` None while the day is still open."""

    day: date
    calls: int
    rows: int
    calls_hash: str | None
    ledger_seq: int | None


class ContractUsage(TypedDict):
    """One buyer's use of an API product under one contract."""

    contract_id: int
    contract_number: str
    buyer: PartyName | None
    quota: int
    used: int
    expires_at: datetime
    key_live: bool
    days: list[UsageDay]


class ProductUsage(TypedDict):
    """An API product's usage by contract, newest contract first."""

    product_id: int
    title_zh: str
    title_en: str
    contracts: list[ContractUsage]


def calls_hash(calls: list[DataApiCall]) -> str:
    """A SHA-256 over the day's calls in the order they were served."""
    digest = hashlib.sha256()
    for call in calls:
        line = (
            f"{call.id}|{call.called_at.isoformat()}|{call.key_hint}|{call.version_number}|"
            f"{call.rows}|{call.request_digest}\n"
        )
        digest.update(line.encode())
    return digest.hexdigest()


def _summarise(
    session: Session, entitlement_id: int, day: date, contracts: ContractLookup
) -> ApiUsageDay:
    entitlement = require_found(session.get(Entitlement, entitlement_id))
    contract = require_found(contracts(session, entitlement.contract_id))
    calls = list(
        session.scalars(
            select(DataApiCall)
            .where(DataApiCall.entitlement_id == entitlement_id, DataApiCall.day == day)
            .order_by(DataApiCall.id)
        )
    )
    summary = ApiUsageDay(
        entitlement_id=entitlement_id,
        day=day,
        calls=len(calls),
        rows=sum(call.rows for call in calls),
        calls_hash=calls_hash(calls),
        ledger_seq=0,
    )
    session.add(summary)
    session.flush()  # a second worker's summary of the same day stops here, before the ledger
    entry = record_event(
        session,
        "trade.api_usage",
        {
            "contract": contract.number,
            "entitlement_id": entitlement_id,
            "product_id": entitlement.product_id,
            "day": day.isoformat(),
            "calls": summary.calls,
            "rows": summary.rows,
            "calls_hash": summary.calls_hash,
        },
        parties=[contract.buyer_id, contract.vendor_id],
    )
    summary.ledger_seq = entry.seq
    return summary


def summarise_closed_days(
    uow: UnitOfWork, *, contracts: ContractLookup, now: datetime | None = None
) -> int:
    """Write the ledger entry of every closed day with calls not yet summarised; how many."""
    # A day is closed a while after midnight: a call that began before it may still commit.
    today = business_day((now or utcnow()) - CLOSING_GRACE)
    session = uow.session
    pending = session.execute(
        select(DataApiCall.entitlement_id, DataApiCall.day)
        .outerjoin(
            ApiUsageDay,
            and_(
                ApiUsageDay.entitlement_id == DataApiCall.entitlement_id,
                ApiUsageDay.day == DataApiCall.day,
            ),
        )
        .where(DataApiCall.day < today, ApiUsageDay.id.is_(None))
        .group_by(DataApiCall.entitlement_id, DataApiCall.day)
        .order_by(DataApiCall.day, DataApiCall.entitlement_id)
        .limit(BATCH)
    ).all()
    for entitlement_id, day in pending:
        _summarise(session, entitlement_id, day, contracts)
        uow.commit()
    return len(pending)


def _may_read(actor: Actor, product: DataProduct) -> bool:
    return actor.has_role_in(product.vendor_id, Role.VENDOR) or actor.has_role(Role.REGULATOR)


def _days(session: Session, entitlement_ids: list[int], since: date) -> dict[int, list[UsageDay]]:
    """Each entitlement's days since `since`: summarised ones as the ledger has them, open ones
    counted from the calls."""
    found: dict[int, dict[date, UsageDay]] = defaultdict(dict)
    for summary in session.scalars(
        select(ApiUsageDay).where(
            ApiUsageDay.entitlement_id.in_(entitlement_ids), ApiUsageDay.day >= since
        )
    ):
        found[summary.entitlement_id][summary.day] = UsageDay(
            day=summary.day,
            calls=summary.calls,
            rows=summary.rows,
            calls_hash=summary.calls_hash,
            ledger_seq=summary.ledger_seq,
        )
    counted = session.execute(
        select(
            DataApiCall.entitlement_id,
            DataApiCall.day,
            func.count(DataApiCall.id),
            func.coalesce(func.sum(DataApiCall.rows), 0),
        )
        .where(DataApiCall.entitlement_id.in_(entitlement_ids), DataApiCall.day >= since)
        .group_by(DataApiCall.entitlement_id, DataApiCall.day)
    )
    for entitlement_id, day, calls, rows in counted:
        found[entitlement_id].setdefault(
            day, UsageDay(day=day, calls=calls, rows=int(rows), calls_hash=None, ledger_seq=None)
        )
    return {
        entitlement_id: sorted(days.values(), key=lambda d: d["day"], reverse=True)
        for entitlement_id, days in found.items()
    }


def product_usage(
    uow: UnitOfWork,
    actor: Actor,
    product_id: int,
    *,
    contracts: ContractLookup,
    now: datetime | None = None,
) -> ProductUsage:
    """The API product's usage by its buyers (its vendor's vendors and the regulators); 404 to
    anyone else, as if the product had no usage to show."""
    session = uow.session
    product = session.get(DataProduct, product_id)
    if product is None or not _may_read(actor, product):
        raise NotFound()
    entitlements = list(
        session.scalars(
            select(Entitlement)
            .where(Entitlement.product_id == product_id, Entitlement.quota.is_not(None))
            .order_by(Entitlement.id.desc())
            .limit(MAX_CONTRACTS)
        )
    )
    since = business_day(now or utcnow()) - timedelta(days=WINDOW_DAYS - 1)
    days = _days(session, [e.id for e in entitlements], since)
    lookups = {e.id: require_found(contracts(session, e.contract_id)) for e in entitlements}
    names = party_names(session, {c.buyer_id for c in lookups.values()})
    return ProductUsage(
        product_id=product.id,
        title_zh=product.title_zh,
        title_en=product.title_en,
        contracts=[
            ContractUsage(
                contract_id=lookups[e.id].id,
                contract_number=lookups[e.id].number,
                buyer=names.get(lookups[e.id].buyer_id),
                quota=e.quota or 0,
                used=e.used,
                expires_at=e.expires_at,
                key_live=e.api_key_hash is not None,
                days=days.get(e.id, []),
            )
            for e in entitlements
        ],
    )
