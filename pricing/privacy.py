"""How a computation licence's differential-privacy budget moves its price.

A licence table's `[[privacy]]` points each give a budget ε per contract (`epsilon`) and its
multiplier:
    ε ≤ the first point         the first point's multiplier (the most protected licence sold)
    between two points a < ε ≤ b  m_a + (m_b − m_a) × (ε − a) / (b − a), to six places
    beyond the last point        the last point's multiplier
A smaller budget gives less of the data away (noisier answers, and fewer before it is spent),
so it never costs more: the points' budgets rise, their multipliers never fall and none is
above 1, the multiplier of a licence without a budget (small groups suppressed, answers exact).
A table without the section is an older one and prices every budget at 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise
from typing import Any

from pricing.errors import ValuationError
from pricing.money import CONTEXT, ONE, ZERO, bounded, multiplier
from pricing.terms import MAX_EPSILON, LicenceTerms

PRIVACY_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class PrivacyStep:
    """A licence whose budget is this ε costs this multiple of one without a budget."""

    epsilon: Decimal
    multiplier: Decimal


NO_PRIVACY: tuple[PrivacyStep, ...] = ()


def privacy_points(data: Mapping[str, Any]) -> tuple[PrivacyStep, ...]:
    """The `[[privacy]]` points of a parsed table, checked; none for an older table (or one
    stored from it, whose points are an empty list)."""
    value = data.get("privacy")
    if value is None or (isinstance(value, list | tuple) and not value):
        return NO_PRIVACY
    if not isinstance(value, list) or not value or not all(isinstance(p, Mapping) for p in value):
        raise ValuationError(
            "privacy", "the licence table needs [[%(name)s]] steps", name="privacy"
        )
    points = tuple(
        PrivacyStep(
            bounded(p.get("epsilon"), "privacy.epsilon", ZERO, MAX_EPSILON, allow_float=True),
            multiplier(p.get("multiplier"), "privacy.multiplier"),
        )
        for p in value
    )
    if any(point.epsilon == 0 for point in points):
        raise ValuationError("privacy.epsilon", "a privacy budget must be above zero")
    if any(point.multiplier > ONE for point in points):
        raise ValuationError(
            "privacy.multiplier",
            "a privacy budget must never cost more than a licence without one (1)",
        )
    for low, high in pairwise(points):
        if high.epsilon <= low.epsilon:
            raise ValuationError(
                "privacy", "%(name)s steps must rise one after another", name="privacy"
            )
        if high.multiplier < low.multiplier:
            raise ValuationError(
                "privacy", "a larger privacy budget must never cost less than a smaller one"
            )
    return points


def privacy_multiplier(terms: LicenceTerms, points: tuple[PrivacyStep, ...]) -> Decimal:
    """The multiplier of the licence's budget on the table's points (1 without a budget)."""
    budget = terms.privacy_budget
    if budget is None or not points:
        return ONE
    below = points[0]
    for point in points:
        if budget <= point.epsilon:
            if point is below or budget == point.epsilon:
                return point.multiplier
            with localcontext(CONTEXT):
                rise = (point.multiplier - below.multiplier) * (budget - below.epsilon)
                exact = below.multiplier + rise / (point.epsilon - below.epsilon)
                return exact.quantize(PRIVACY_PLACES, rounding=ROUND_HALF_UP)
        below = point
    return points[-1].multiplier
