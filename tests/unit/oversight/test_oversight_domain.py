"""The oversight domain without a database: where an alert may go, when a price is too far out,
what keys name a finding, and the thresholds a configuration sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from exchange.oversight.domain import (
    ALERT_KIND_LABELS,
    ALERT_STATUS_LABELS,
    PAID_STATUSES,
    AlertKind,
    AlertStatus,
    Thresholds,
    burst_key,
    can_move,
    contract_key,
    exceeds,
    leak_key,
    pair_key,
    window_bucket,
)
from exchange.trading.domain import ContractStatus

OPEN, ACKNOWLEDGED, CLOSED = AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED


@pytest.mark.parametrize(
    "current, target, allowed",
    [
        (OPEN, ACKNOWLEDGED, True),
        (OPEN, CLOSED, True),
        (ACKNOWLEDGED, CLOSED, True),
        (OPEN, OPEN, False),
        (ACKNOWLEDGED, ACKNOWLEDGED, False),
        (ACKNOWLEDGED, OPEN, False),
        (CLOSED, OPEN, False),
        (CLOSED, ACKNOWLEDGED, False),
        (CLOSED, CLOSED, False),
    ],
)
def test_alerts_move_forward_only_and_closed_is_final(current, target, allowed):
    assert can_move(current, target) is allowed


def test_every_kind_and_status_has_a_label():
    assert set(ALERT_KIND_LABELS) == set(AlertKind)
    assert set(ALERT_STATUS_LABELS) == set(AlertStatus)


def test_every_kind_fits_its_column():
    assert max(len(kind.value) for kind in AlertKind) <= 16


def test_paid_contracts_are_those_whose_price_reached_escrow():
    assert PAID_STATUSES == {
        ContractStatus.IN_ESCROW,
        ContractStatus.DISPUTED,
        ContractStatus.SETTLED,
        ContractStatus.REFUNDED,
    }


@pytest.mark.parametrize(
    "deviation, expected",
    [("0.5", False), ("0.5001", True), ("-0.5", False), ("-0.5001", True), ("0", False)],
)
def test_only_a_deviation_beyond_the_threshold_exceeds_it(deviation, expected):
    assert exceeds(Decimal(deviation), Decimal("0.5")) is expected


def test_a_pair_is_keyed_the_same_whichever_comes_first():
    assert pair_key(AlertKind.CIRCULAR_TRADE, 7, 3) == pair_key(AlertKind.CIRCULAR_TRADE, 3, 7)
    assert pair_key(AlertKind.CIRCULAR_TRADE, 3, 7) == "circular_trade:3:7"


def test_keys_of_different_kinds_never_collide():
    keys = {contract_key(kind, 1) for kind in AlertKind}
    assert len(keys) == len(AlertKind)


def test_a_burst_is_keyed_by_the_fixed_window_it_crossed_in():
    hour = timedelta(hours=1)
    start = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    same = [start + timedelta(minutes=m) for m in (0, 30, 59)]
    assert {burst_key(AlertKind.PURCHASE_BURST, 4, at, hour) for at in same} == {
        burst_key(AlertKind.PURCHASE_BURST, 4, start, hour)
    }
    assert window_bucket(start + hour, hour) == window_bucket(start, hour) + 1
    assert burst_key(AlertKind.PURCHASE_BURST, 5, start, hour) != burst_key(
        AlertKind.PURCHASE_BURST, 4, start, hour
    )


def test_a_leak_is_keyed_by_entitlement_and_file():
    assert leak_key(12, "ab" * 32) == f"leak:12:{'ab' * 32}"
    assert leak_key(12, "ab" * 32) != leak_key(13, "ab" * 32)


def test_the_defaults_are_the_documented_ones():
    limits = Thresholds.from_config({})
    assert limits == Thresholds()
    assert limits.price_deviation == Decimal("0.5")
    assert limits.circular_window == timedelta(days=30)
    assert (limits.purchase_burst, limits.purchase_window) == (10, timedelta(hours=1))
    assert (limits.download_burst, limits.download_window) == (50, timedelta(hours=1))
    assert limits.leak_max_bytes == 50 * 1024 * 1024


def test_a_configuration_sets_each_threshold():
    limits = Thresholds.from_config(
        {
            "OVERSIGHT_PRICE_DEVIATION": "0.25",
            "OVERSIGHT_CIRCULAR_WINDOW_DAYS": 7,
            "OVERSIGHT_PURCHASE_BURST": 3,
            "OVERSIGHT_PURCHASE_BURST_SECONDS": 600,
            "OVERSIGHT_DOWNLOAD_BURST": "20",
            "OVERSIGHT_DOWNLOAD_BURST_SECONDS": 60,
            "OVERSIGHT_LOOKBACK_DAYS": 2,
            "OVERSIGHT_LEAK_MAX_BYTES": 1024,
        }
    )
    assert limits == Thresholds(
        price_deviation=Decimal("0.25"),
        circular_window=timedelta(days=7),
        purchase_burst=3,
        purchase_window=timedelta(minutes=10),
        download_burst=20,
        download_window=timedelta(minutes=1),
        lookback=timedelta(days=2),
        leak_max_bytes=1024,
    )


@pytest.mark.parametrize(
    "key, value",
    [
        ("OVERSIGHT_PRICE_DEVIATION", "half"),
        ("OVERSIGHT_PRICE_DEVIATION", "-0.1"),
        ("OVERSIGHT_PURCHASE_BURST", 0),
        ("OVERSIGHT_DOWNLOAD_BURST_SECONDS", 0),
        ("OVERSIGHT_LOOKBACK_DAYS", -1),
        ("OVERSIGHT_LEAK_MAX_BYTES", 0),
    ],
)
def test_a_nonsensical_threshold_is_refused(key, value):
    with pytest.raises(ValueError, match="OVERSIGHT|oversight"):
        Thresholds.from_config({key: value})
