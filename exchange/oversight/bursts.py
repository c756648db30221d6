"""Burst detectors: more purchases or downloads by one buyer within a window than the
thresholds allow. The database finds, for each event, whether the N-th earlier one by the same
buyer falls inside the window; one alert per buyer per fixed clock window (a burst that
straddles a boundary can raise two)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from exchange.delivery.models import Download, Entitlement
from exchange.oversight.detectors import (
    MAX_LISTED,
    Finding,
    contract_columns,
    epoch_seconds,
    stamp,
    trade_of,
)
from exchange.oversight.domain import (
    PAID_STATUSES,
    AlertKind,
    Thresholds,
    burst_key,
    window_bucket,
)
from exchange.oversight.evidence import DownloadBurstEvidence, PurchaseBurstEvidence
from exchange.trading.models import TradeContract


@dataclass(frozen=True)
class _Events:
    """One kind of dated event per buyer: whose it is, when, and what makes a row one."""

    buyer: Any
    at: Any
    order: Any
    select_from: Callable[[Any], Any]  # joins and conditions that make a row such an event


def _burst_anchors(
    session: Session,
    events: _Events,
    *,
    since: datetime,
    until: datetime,
    threshold: int,
    window: timedelta,
) -> list[tuple[int, datetime]]:
    """(buyer, moment) for each event with more than `threshold` events of the buyer in the
    window ending at it: the `threshold`-th event before it lies within the window."""
    earlier = func.lag(events.at, literal_column(str(int(threshold)))).over(
        partition_by=events.buyer, order_by=(events.at, events.order)
    )
    ordered = events.select_from(
        select(events.buyer.label("buyer_id"), events.at.label("at"), earlier.label("earlier"))
    ).where(events.at >= since - window, events.at <= until)
    ordered = ordered.subquery()
    rows = session.execute(
        select(ordered.c.buyer_id, ordered.c.at)
        .where(
            ordered.c.at >= since,
            ordered.c.earlier.is_not(None),
            epoch_seconds(ordered.c.at) - epoch_seconds(ordered.c.earlier)
            <= window.total_seconds(),
        )
        .order_by(ordered.c.buyer_id, ordered.c.at)
    )
    return [(row.buyer_id, row.at) for row in rows]


def _first_per_window(
    anchors: Sequence[tuple[int, datetime]], window: timedelta
) -> list[tuple[int, datetime]]:
    """The first moment each buyer crossed the threshold in each fixed window of the clock."""
    seen: dict[tuple[int, int], datetime] = {}
    for buyer_id, at in anchors:
        seen.setdefault((buyer_id, window_bucket(at, window)), at)
    return [(buyer_id, at) for (buyer_id, _), at in seen.items()]


def purchase_bursts(
    session: Session, *, since: datetime, until: datetime, thresholds: Thresholds
) -> list[Finding]:
    """A buyer paying for more than the threshold of contracts within the window."""
    c = TradeContract
    events = _Events(
        c.buyer_id,
        c.delivered_at,
        c.id,
        lambda query: query.where(c.status.in_(PAID_STATUSES), c.delivered_at.is_not(None)),
    )
    window, threshold = thresholds.purchase_window, thresholds.purchase_burst
    anchors = _burst_anchors(
        session, events, since=since, until=until, threshold=threshold, window=window
    )
    findings = []
    for buyer_id, at in _first_per_window(anchors, window):
        trades = session.execute(
            select(*contract_columns(c))
            .where(
                c.buyer_id == buyer_id,
                c.status.in_(PAID_STATUSES),
                c.delivered_at >= at - window,
                c.delivered_at <= at,
            )
            .order_by(c.delivered_at, c.id)
        ).all()
        listed = trades[:MAX_LISTED]
        findings.append(
            Finding(
                AlertKind.PURCHASE_BURST,
                burst_key(AlertKind.PURCHASE_BURST, buyer_id, at, window),
                PurchaseBurstEvidence(
                    buyer_id=buyer_id,
                    count=len(trades),
                    threshold=threshold,
                    window_seconds=window.total_seconds(),
                    window_start=stamp(at - window),
                    window_end=stamp(at),
                    contracts=[trade_of(row) for row in listed],
                ),
                (buyer_id,),
                tuple(row.id for row in listed),
            )
        )
    return findings


def download_bursts(
    session: Session, *, since: datetime, until: datetime, thresholds: Thresholds
) -> list[Finding]:
    """A buyer's members downloading more than the threshold of copies within the window."""
    d, e = Download, Entitlement
    events = _Events(
        e.buyer_id,
        d.created_at,
        d.id,
        lambda query: query.select_from(d).join(e, e.id == d.entitlement_id),
    )
    window, threshold = thresholds.download_window, thresholds.download_burst
    anchors = _burst_anchors(
        session, events, since=since, until=until, threshold=threshold, window=window
    )
    findings = []
    for buyer_id, at in _first_per_window(anchors, window):
        downloads = session.execute(
            select(d.id, d.entitlement_id, d.user_id, d.created_at, e.contract_id)
            .join(e, e.id == d.entitlement_id)
            .where(e.buyer_id == buyer_id, d.created_at >= at - window, d.created_at <= at)
            .order_by(d.created_at, d.id)
        ).all()
        contracts = sorted({row.contract_id for row in downloads})
        findings.append(
            Finding(
                AlertKind.DOWNLOAD_BURST,
                burst_key(AlertKind.DOWNLOAD_BURST, buyer_id, at, window),
                DownloadBurstEvidence(
                    buyer_id=buyer_id,
                    count=len(downloads),
                    threshold=threshold,
                    window_seconds=window.total_seconds(),
                    window_start=stamp(at - window),
                    window_end=stamp(at),
                    entitlement_ids=sorted({row.entitlement_id for row in downloads}),
                    user_ids=sorted({row.user_id for row in downloads if row.user_id}),
                    download_ids=[row.id for row in downloads[:MAX_LISTED]],
                ),
                (buyer_id,),
                tuple(contracts[:MAX_LISTED]),
            )
        )
    return findings
