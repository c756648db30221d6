"""What a right covers and when two claims collide: worked cases and properties."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from exchange.catalog.domain import Territory, UseScope
from exchange.rights.domain import Scope, collides, uncovered

JAN, JUL, DEC = date(2027, 1, 1), date(2027, 7, 1), date(2027, 12, 31)


def scope(uses=("commercial",), territory="mainland", start=JAN, end=DEC) -> Scope:
    return Scope.of(uses, territory, start, end)


def test_claims_sharing_a_use_and_a_day_overlap():
    assert scope(start=JAN, end=JUL).overlaps(scope(start=JUL, end=DEC))  # dates are inclusive


def test_claims_apart_in_time_or_use_do_not_overlap():
    assert not scope(end=JUL - timedelta(days=1)).overlaps(scope(start=JUL))
    assert not scope(uses=("research",)).overlaps(scope(uses=("commercial",)))


def test_an_open_ended_claim_overlaps_everything_after_its_start():
    assert scope(end=None).overlaps(scope(start=date(2090, 1, 1), end=None))
    assert not scope(start=JUL, end=None).overlaps(scope(start=JAN, end=JUL - timedelta(days=1)))


def test_only_an_exclusive_claim_collides():
    first, second = scope(), scope()
    assert not collides(first, False, second, False)
    assert collides(first, True, second, False) and collides(first, False, second, True)


def test_a_wider_scope_covers_a_narrower_one():
    held = scope(uses=("research", "commercial"), territory="global", end=None)
    assert held.covers(scope(uses=("commercial",), territory="jiangxi", start=JUL, end=DEC))


def test_a_scope_does_not_cover_more_uses_a_wider_territory_or_a_longer_period():
    held = scope(uses=("commercial",), territory="mainland", end=DEC)
    assert not held.covers(scope(uses=("commercial", "research")))
    assert not held.covers(scope(territory="global"))
    assert not held.covers(scope(end=None))
    assert not held.covers(scope(start=JAN - timedelta(days=1)))


def test_uncovered_names_the_claims_no_licence_allows():
    licence = scope(uses=("commercial",), end=DEC)
    inside, outside = scope(end=JUL), scope(uses=("research",))
    assert uncovered([inside, outside], [licence]) == [outside]


days = st.integers(min_value=0, max_value=3000)
scopes = st.builds(
    lambda uses, territory, start, length: Scope(
        frozenset(uses),
        territory,
        JAN + timedelta(days=start),
        None if length is None else JAN + timedelta(days=start + length),
    ),
    st.sets(st.sampled_from(list(UseScope)), min_size=1),
    st.sampled_from(list(Territory)),
    days,
    st.none() | days,
)


@given(scopes, scopes)
def test_overlap_is_symmetric(a, b):
    assert a.overlaps(b) == b.overlaps(a)


@given(scopes)
def test_a_scope_covers_and_overlaps_itself(a):
    assert a.covers(a) and a.overlaps(a)


@given(scopes, scopes)
def test_what_a_scope_covers_it_overlaps(a, b):
    if a.covers(b):
        assert a.overlaps(b)


@given(scopes, scopes, scopes)
def test_cover_is_transitive(a, b, c):
    if a.covers(b) and b.covers(c):
        assert a.covers(c)
