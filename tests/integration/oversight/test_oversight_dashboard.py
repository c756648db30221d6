"""The regulators' market dashboard over trades made through the real services, on SQLite and
PostgreSQL: the review queue, the period's checks, who may read it, and the audit event each view
leaves, and that only the ten biggest buyers are shown (its tallies over one floor of trades are
in test_oversight_dashboard_tallies).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from exchange.kernel.errors import PermissionDenied, ValidationFailed
from exchange.kernel.vocabulary import Role
from exchange.trading.contracts import add_months
from tests.api.helpers import MATRIX_ROLES, RolePeople
from tests.catalog import person, review, submit
from tests.integration.oversight.dashboard_floor import (
    THIS_MONTH,
    TODAY,
    ZERO,
    audit_events,
    dashboard,
    listed,
    paid,
    people,
)
from tests.rights import own_product

# The tallies


def test_only_the_ten_biggest_buyers_are_shown(app, client):
    floor = people(app)
    offer_id = listed(client, floor.copper, floor.operator, floor.regulator)
    buyers = [person(app, [Role.BUYER]) for _ in range(11)]
    for n, buyer in enumerate(buyers, start=1):  # the first buys least
        paid(app, floor, floor.copper, buyer, offer_id, f"{n * 1000}.00")

    top = dashboard(app, floor.regulator).top_buyers

    assert [b.organisation_id for b in top] == [b.organisation_id for b in buyers[:0:-1]]
    assert (top[0].value, top[-1].value) == (Decimal("11000.00"), Decimal("2000.00"))


# The review queue


def test_the_review_queue_counts_what_waits_and_how_much_is_important(app, client):
    vendor, operator = person(app, [Role.VENDOR]), person(app, [Role.OPERATOR])
    regulator = person(app, [Role.REGULATOR])
    important = {"grade": "important", "grade_justification": "涉及产业链产能布局，属重要数据。"}
    general = own_product(client, vendor)
    waiting_operator = own_product(client, vendor, **important)
    waiting_regulator = own_product(client, vendor, **important)
    own_product(client, vendor)  # a draft: not waiting
    for made in (general, waiting_operator, waiting_regulator):
        assert submit(client, vendor, made["id"]).status_code == 200
    assert review(client, operator, waiting_regulator["id"]).get_json()["status"] == "in_review"

    queue = dashboard(app, regulator).review_queue

    assert (queue.awaiting_operator, queue.awaiting_regulator) == (2, 1)
    assert (queue.waiting, queue.important) == (3, 2)
    assert queue.oldest_since is not None and queue.oldest_since.tzinfo is not None


def test_an_empty_market_shows_twelve_zero_months_and_an_empty_queue(app):
    seen = dashboard(app, person(app, [Role.REGULATOR]))
    assert (seen.period.date_from, seen.period.date_to) == (add_months(THIS_MONTH, -11), TODAY)
    assert [(row.trades, row.value) for row in seen.by_month] == [(0, ZERO)] * 12
    assert seen.by_board == seen.by_region == seen.top_vendors == seen.top_buyers == ()
    assert (seen.trades, seen.value, seen.review_queue.waiting) == (0, ZERO, 0)


# The period's checks


def test_a_period_that_ends_before_it_starts_is_refused_and_writes_nothing(app):
    regulator = person(app, [Role.REGULATOR])
    with pytest.raises(ValidationFailed) as refused:
        dashboard(app, regulator, date_from=date(2026, 5, 2), date_to=date(2026, 5, 1))
    assert set(refused.value.errors) == {"date_from"}
    assert audit_events(app) == []


def test_a_period_longer_than_ten_years_is_refused_and_writes_nothing(app):
    regulator = person(app, [Role.REGULATOR])
    with pytest.raises(ValidationFailed) as refused:
        dashboard(app, regulator, date_from=date(2016, 1, 1), date_to=date(2026, 1, 1))
    assert set(refused.value.errors) == {"date_to"}
    assert refused.value.params == {"years": 10}
    assert audit_events(app) == []


@pytest.mark.parametrize(
    ("field", "period"),
    [
        ("date_from", {"date_from": date(1999, 12, 31)}),
        ("date_from", {"date_from": date(9990, 1, 1), "date_to": date(9999, 12, 31)}),
        ("date_to", {"date_to": date(9999, 12, 31)}),
    ],
)
def test_a_date_no_trade_could_have_is_refused_and_writes_nothing(app, field, period):
    regulator = person(app, [Role.REGULATOR])
    with pytest.raises(ValidationFailed) as refused:
        dashboard(app, regulator, **period)
    assert set(refused.value.errors) == {field}
    assert audit_events(app) == []


def test_a_period_of_exactly_ten_years_is_allowed(app):
    seen = dashboard(
        app,
        person(app, [Role.REGULATOR]),
        date_from=date(2016, 1, 1),
        date_to=date(2025, 12, 31),
    )
    assert len(seen.by_month) == 120


def test_a_period_given_only_its_end_covers_the_twelve_months_before(app):
    seen = dashboard(app, person(app, [Role.REGULATOR]), date_to=date(2026, 3, 10))
    assert seen.period.date_from == date(2025, 4, 1)
    assert seen.by_month[-1].month == date(2026, 3, 1)


# Who may read it, and the audit trail


@pytest.mark.parametrize("role", [role for role in MATRIX_ROLES if role != "anonymous"])
def test_only_regulators_and_operators_may_read_the_dashboard(app, client, role):
    # Anonymous visitors never reach a service: the web layer refuses them with 401 first.
    who = getattr(RolePeople(app, client), role)
    if role in ("regulator", "operator"):
        assert dashboard(app, who).trades == 0
        assert [e.actor_id for e in audit_events(app)] == [who.user_id]
    else:
        with pytest.raises(PermissionDenied):
            dashboard(app, who)
        assert audit_events(app) == []


def test_each_view_is_audited_with_the_reader_and_the_period(app):
    regulator = person(app, [Role.REGULATOR])
    dashboard(app, regulator)
    dashboard(app, regulator, date_from=date(2026, 1, 1), date_to=date(2026, 6, 30))

    first, second = audit_events(app)
    assert (first.actor_id, first.organisation_id) == (
        regulator.user_id,
        regulator.organisation_id,
    )
    assert first.detail == {
        "date_from": add_months(THIS_MONTH, -11).isoformat(),
        "date_to": TODAY.isoformat(),
    }
    assert second.subject == "2026-01-01/2026-06-30"
    assert second.detail == {"date_from": "2026-01-01", "date_to": "2026-06-30"}
