"""Oversight alerts: what a regulator is warned about, the life of an alert, and the thresholds.

Detection raises an alert once per finding: each finding has a de-duplication key built from
the rows that prove it (a contract, a pair of contracts, a buyer and a window), so running the
detectors again never raises it twice. A regulator acknowledges an alert and closes it; closed
is final.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from exchange.kernel.i18n import N_
from exchange.trading.domain import ContractStatus


class AlertKind(StrEnum):
    PRICE_DEVIATION = "price_deviation"
    CIRCULAR_TRADE = "circular_trade"
    RELATED_PARTIES = "related_parties"
    PURCHASE_BURST = "purchase_burst"
    DOWNLOAD_BURST = "download_burst"
    IMPORTANT_DATA = "important_data"
    LEAK = "leak"


ALERT_KIND_LABELS = {
    AlertKind.PRICE_DEVIATION: N_("Price far outside the valuation band"),
    AlertKind.CIRCULAR_TRADE: N_("Circular trade"),
    AlertKind.RELATED_PARTIES: N_("Trade between related organisations"),
    AlertKind.PURCHASE_BURST: N_("Burst of purchases"),
    AlertKind.DOWNLOAD_BURST: N_("Burst of downloads"),
    AlertKind.IMPORTANT_DATA: N_("Trade of important data"),
    AlertKind.LEAK: N_("Leaked copy traced"),
}


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


ALERT_STATUS_LABELS = {
    AlertStatus.OPEN: N_("Open"),
    AlertStatus.ACKNOWLEDGED: N_("Acknowledged"),
    AlertStatus.CLOSED: N_("Closed"),
}

# Where each status may go next; closed is final.
TRANSITIONS: Mapping[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.OPEN: frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED}),
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.CLOSED}),
    AlertStatus.CLOSED: frozenset(),
}

# A contract counts as a trade once its price reached escrow, even if later refunded.
PAID_STATUSES = frozenset(
    {
        ContractStatus.IN_ESCROW,
        ContractStatus.DISPUTED,
        ContractStatus.SETTLED,
        ContractStatus.REFUNDED,
    }
)

NOTE_MAX_LENGTH = 4000
LEAK_MAX_BYTES = 50 * 1024 * 1024  # the largest suspect file a regulator may upload


def can_move(current: AlertStatus, target: AlertStatus) -> bool:
    """Whether an alert in `current` may be moved to `target`."""
    return target in TRANSITIONS[current]


def exceeds(deviation: Decimal, threshold: Decimal) -> bool:
    """Whether a signed deviation from the band is further out than the threshold allows."""
    return abs(deviation) > threshold


def pair_key(kind: AlertKind, first_id: int, second_id: int) -> str:
    """The key of a finding about two rows, the same whichever is named first."""
    low, high = sorted((first_id, second_id))
    return f"{kind.value}:{low}:{high}"


def contract_key(kind: AlertKind, contract_id: int) -> str:
    """The key of a finding about one contract."""
    return f"{kind.value}:{contract_id}"


def window_bucket(moment: datetime, window: timedelta) -> int:
    """Which fixed window of the clock a moment falls in, so one burst keys at most two alerts."""
    return int(moment.timestamp() // window.total_seconds())


def burst_key(kind: AlertKind, buyer_id: int, moment: datetime, window: timedelta) -> str:
    """The key of a buyer's burst whose threshold was crossed at `moment`."""
    return f"{kind.value}:{buyer_id}:{window_bucket(moment, window)}"


def leak_key(entitlement_id: int, content_sha256: str) -> str:
    """The key of one suspect file traced to one entitlement."""
    return f"{AlertKind.LEAK.value}:{entitlement_id}:{content_sha256}"


# Configuration keys, with their defaults; the exchange's config may set any of them.
CONFIG_DEFAULTS: Mapping[str, Any] = {
    "OVERSIGHT_PRICE_DEVIATION": "0.5",  # 50 % beyond the band's floor or ceiling
    "OVERSIGHT_CIRCULAR_WINDOW_DAYS": 30,
    "OVERSIGHT_PURCHASE_BURST": 10,  # more purchases than this by one buyer …
    "OVERSIGHT_PURCHASE_BURST_SECONDS": 3600,  # … within this many seconds
    "OVERSIGHT_DOWNLOAD_BURST": 50,
    "OVERSIGHT_DOWNLOAD_BURST_SECONDS": 3600,
    "OVERSIGHT_LOOKBACK_DAYS": 7,  # how far back each detection pass looks
    "OVERSIGHT_LEAK_MAX_BYTES": LEAK_MAX_BYTES,
}


@dataclass(frozen=True)
class Thresholds:
    """How far out a price, how many trades or downloads, and over what windows, raise alerts."""

    price_deviation: Decimal = Decimal("0.5")
    circular_window: timedelta = timedelta(days=30)
    purchase_burst: int = 10
    purchase_window: timedelta = timedelta(hours=1)
    download_burst: int = 50
    download_window: timedelta = timedelta(hours=1)
    lookback: timedelta = timedelta(days=7)
    leak_max_bytes: int = LEAK_MAX_BYTES

    def __post_init__(self) -> None:
        if self.price_deviation < 0:
            raise ValueError("OVERSIGHT_PRICE_DEVIATION must not be negative")
        for name in ("purchase_burst", "download_burst", "leak_max_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"the oversight threshold {name} must be at least 1")
        for name in ("circular_window", "purchase_window", "download_window", "lookback"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"the oversight window {name} must be positive")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        """The thresholds a configuration sets, the defaults for any key it leaves out."""
        value = {key: config.get(key, default) for key, default in CONFIG_DEFAULTS.items()}
        try:
            deviation = Decimal(str(value["OVERSIGHT_PRICE_DEVIATION"]))
        except InvalidOperation:
            raise ValueError("OVERSIGHT_PRICE_DEVIATION must be a number") from None
        return cls(
            price_deviation=deviation,
            circular_window=timedelta(days=float(value["OVERSIGHT_CIRCULAR_WINDOW_DAYS"])),
            purchase_burst=int(value["OVERSIGHT_PURCHASE_BURST"]),
            purchase_window=timedelta(seconds=float(value["OVERSIGHT_PURCHASE_BURST_SECONDS"])),
            download_burst=int(value["OVERSIGHT_DOWNLOAD_BURST"]),
            download_window=timedelta(seconds=float(value["OVERSIGHT_DOWNLOAD_BURST_SECONDS"])),
            lookback=timedelta(days=float(value["OVERSIGHT_LOOKBACK_DAYS"])),
            leak_max_bytes=int(value["OVERSIGHT_LEAK_MAX_BYTES"]),
        )
