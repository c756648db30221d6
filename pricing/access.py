"""How the kind of access and its quota move a licence's price, and what one call or query costs.

A licence table's `[access]` section gives a multiplier per access kind; a copy is the
reference access and must be exactly 1. Each kind with a quota (api, computation) has its own
`[[quota.<kind>]]` points, each a quota (`at`) and its multiplier:
    quota ≤ the first point      the first point's multiplier (the smallest package sold)
    between two points a < q ≤ b  m_a + (m_b − m_a) × (q − a) / (b − a), to six places
    beyond the last point        refused, as a term beyond the last step is
A straight line between points means one more call never jumps the price. The points must rise,
their multipliers never fall (more quota never costs less) and never rise faster than the quota
(a bigger quota never costs more per call or query, else two small contracts would undercut one
big one); on a straight line between two such points the price per unit never rises either.
A kind left out of both sections is not priced (its licences are refused); a table with
neither section is an older one and prices copies only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from pricing.errors import ValuationError
from pricing.money import CONTEXT, ONE, amount, cents, multiplier, whole
from pricing.terms import MAX_QUOTA, Access, LicenceTerms, choice

QUOTA_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class QuotaStep:
    """A quota of this many calls or queries costs this multiple of the reference price."""

    at: int
    multiplier: Decimal


COPY_ONLY: Mapping[Access, Decimal] = MappingProxyType({Access.COPY: ONE})
NO_QUOTAS: Mapping[Access, tuple[QuotaStep, ...]] = MappingProxyType({})


def access_sections(
    data: Mapping[str, Any],
) -> tuple[Mapping[Access, Decimal], Mapping[Access, tuple[QuotaStep, ...]]]:
    """The `[access]` multipliers and `[[quota.<kind>]]` points of a parsed table, checked."""
    if "access" not in data and "quota" not in data:
        return COPY_ONLY, NO_QUOTAS
    access, quota = _section(data, "access"), _section(data, "quota")
    multipliers = {
        choice(Access, key, "access"): multiplier(value, f"access.{key}")
        for key, value in access.items()
    }
    if multipliers.get(Access.COPY) != ONE:
        raise ValuationError("access", "a copy is the reference access: its multiplier must be 1")
    steps = {choice(Access, key, "quota"): _points(key, value) for key, value in quota.items()}
    if Access.COPY in steps:
        raise ValuationError("quota", "a copy of the data has no quota")
    unpaired = sorted(a.value for a in set(multipliers) ^ set(steps) if a is not Access.COPY)
    if unpaired:
        raise ValuationError(
            "quota",
            "the licence table needs both an access multiplier and quota steps for %(access)s",
            access=", ".join(unpaired),
        )
    return MappingProxyType(multipliers), MappingProxyType(steps)


def access_multiplier(terms: LicenceTerms, multipliers: Mapping[Access, Decimal]) -> Decimal:
    """The multiplier of the licence's kind of access, or a refusal if the table has none."""
    if terms.access not in multipliers:
        raise ValuationError(
            "access",
            "the licence table does not price %(access)s access",
            access=terms.access.value,
        )
    return multipliers[terms.access]


def quota_multiplier(terms: LicenceTerms, steps: Mapping[Access, tuple[QuotaStep, ...]]) -> Decimal:
    """The multiplier of the licence's quota on the table's points (1 for a copy)."""
    if terms.quota is None:
        return ONE
    points = steps[terms.access]
    if terms.quota > points[-1].at:
        raise ValuationError(
            "quota",
            "the licence table prices quotas up to %(limit)s for %(access)s access, not %(value)s",
            limit=points[-1].at,
            access=terms.access.value,
            value=terms.quota,
        )
    below = points[0]
    for point in points:
        if terms.quota <= point.at:
            if point is below or terms.quota == point.at:
                return point.multiplier
            with localcontext(CONTEXT):
                rise = (point.multiplier - below.multiplier) * (terms.quota - below.at)
                exact = below.multiplier + rise / (point.at - below.at)
                return exact.quantize(QUOTA_PLACES, rounding=ROUND_HALF_UP)
        below = point
    raise AssertionError("unreachable: the quota is within the last point")


def unit_price(price: Decimal, terms: LicenceTerms) -> Decimal | None:
    """The price of one call or query, to the fen (two significant figures under a fen).

    None for a copy, which has no unit. A unit price under one fen keeps two significant
    figures (¥0.0030, not ¥0.00), so that a cheap query never reads as free.
    """
    total = amount(price, "price")
    if terms.quota is None:
        return None
    with localcontext(CONTEXT):
        exact = total / terms.quota
    rounded = cents(exact)
    if rounded or not exact:
        return rounded
    places = Decimal(1).scaleb(exact.adjusted() - 1)
    return exact.quantize(places, rounding=ROUND_HALF_UP, context=CONTEXT)


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = data.get(name)
    if not isinstance(section, Mapping):
        raise ValuationError(name, "the licence table needs a [%(name)s] section", name=name)
    return section


def _points(key: object, value: object) -> tuple[QuotaStep, ...]:
    field = f"quota.{key}"
    if not isinstance(value, list) or not value or not all(isinstance(p, Mapping) for p in value):
        raise ValuationError(field, "the licence table needs [[%(name)s]] steps", name=field)
    points = tuple(
        QuotaStep(
            whole(p.get("at"), f"{field}.at", 1, MAX_QUOTA),
            multiplier(p.get("multiplier"), f"{field}.multiplier"),
        )
        for p in value
    )
    for low, high in pairwise(points):
        if high.at <= low.at:
            raise ValuationError(field, "%(name)s steps must rise one after another", name=field)
        if high.multiplier < low.multiplier:
            raise ValuationError(field, "a larger quota must never cost less than a smaller one")
        if high.multiplier * low.at > low.multiplier * high.at:
            raise ValuationError(
                field, "a larger quota must never cost more per call or query than a smaller one"
            )
    return points
