"""A ledger leaf commits to its entry exactly as RFC 8785 would serialise it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import rfc8785

from contracts import ledger

BODIES = [
    '{"a":1}',
    'quote " and \\\\ backslash',
    "controls \x00\x01\x1f\n\t\r\b\f\x7f",
    "铜 \u2028 \U0001f600",
]


@pytest.mark.parametrize("body", BODIES)
def test_leaf_envelope_is_rfc8785_canonical(body):
    when = datetime(2026, 11, 28, 8, 30, 1, 123456, tzinfo=UTC)
    expected = rfc8785.dumps(
        {"seq": 12, "type": "t.x", "recorded_at": "2026-11-28T08:30:01.123456+00:00", "body": body}
    )
    assert ledger.leaf_data(12, "t.x", body, when) == expected


def test_leaf_time_is_written_in_utc_whatever_zone_it_came_in():
    from datetime import timedelta, timezone

    shanghai = datetime(2026, 11, 28, 16, 30, tzinfo=timezone(timedelta(hours=8)))
    assert b'"recorded_at":"2026-11-28T08:30:00.000000+00:00"' in ledger.leaf_data(
        0, "t", "{}", shanghai
    )
