"""Licence terms move the price through a table the exchange keeps in config, never constants.

A valuation prices a product under the table's reference terms; a licence costs that reference
price times one multiplier per term, each read from the table:
    kind (exclusivity), scope and territory — a multiplier per value;
    term — the multiplier of the first step whose `up_to_months` covers the term;
    seats — 1 for the first seat, plus the tier's `each` for every further seat;
    derivative and redistribution rights — their multiplier when granted, 1 when not;
    access (copy, api, computation) and its quota of calls or queries — see pricing.access;
    a computation licence's differential-privacy budget — see pricing.privacy.
`licence_table` checks a parsed table (TOML or JSON alike): every multiplier above zero,
steps in order, longer terms and larger quotas never cheaper, and the reference terms priced
at exactly 1. A copy's access and quota multipliers are 1, so a copy's explanation names
neither; an api or computation licence's names both, and a computation licence's its budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any, TypeVar

from pricing.access import (
    COPY_ONLY,
    NO_QUOTAS,
    QuotaStep,
    access_multiplier,
    access_sections,
    quota_multiplier,
)
from pricing.errors import ValuationError
from pricing.explain import METHOD_VERSION, N_, Factor, explain, jsonable
from pricing.money import CONTEXT, MAX_MULTIPLIER, ONE, ZERO, bounded, whole
from pricing.money import multiplier as _multiplier
from pricing.privacy import NO_PRIVACY, PrivacyStep, privacy_multiplier, privacy_points
from pricing.terms import (
    MAX_SEATS,
    MAX_TERM_MONTHS,
    Access,
    LicenceKind,
    LicenceTerms,
    Territory,
    UseScope,
    choice,
)

E = TypeVar("E", LicenceKind, UseScope, Territory)


@dataclass(frozen=True, slots=True)
class TermStep:
    """Terms up to this many months cost this multiple of the reference price."""

    up_to_months: int
    multiplier: Decimal


@dataclass(frozen=True, slots=True)
class SeatTier:
    """Each seat up to this one (beyond the first) adds `each` to the seats multiplier."""

    up_to: int
    each: Decimal


@dataclass(frozen=True, slots=True)
class LicenceTable:
    """A checked licence-terms table; build it with `licence_table` or `read_licence_table`."""

    version: str
    reference: LicenceTerms
    kind: Mapping[LicenceKind, Decimal]
    scope: Mapping[UseScope, Decimal]
    territory: Mapping[Territory, Decimal]
    term: tuple[TermStep, ...]
    seats: tuple[SeatTier, ...]
    derivative: Decimal
    redistribution: Decimal
    access: Mapping[Access, Decimal] = field(default_factory=lambda: COPY_ONLY)
    quota: Mapping[Access, tuple[QuotaStep, ...]] = field(default_factory=lambda: NO_QUOTAS)
    privacy: tuple[PrivacyStep, ...] = NO_PRIVACY


@dataclass(frozen=True, slots=True)
class LicenceAdjustment:
    """The multiplier a licence's terms put on the reference price, factor by factor."""

    terms: LicenceTerms
    table: LicenceTable
    multiplier: Decimal
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The terms, the table, the multiplier and its factors as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def licence_table(data: Mapping[str, Any]) -> LicenceTable:
    """A LicenceTable from its parsed form (see licence_terms.toml), checked throughout."""
    section = _section(data, "reference")
    unknown = sorted(set(section) - {f.name for f in fields(LicenceTerms)})
    if unknown:
        raise ValuationError(
            "reference", "%(key)s is not a licence term", key=", ".join(map(str, unknown))
        )
    reference = LicenceTerms(**section)
    term = tuple(
        TermStep(
            whole(step.get("up_to_months"), "term.up_to_months", 1, MAX_TERM_MONTHS),
            _multiplier(step.get("multiplier"), "term.multiplier"),
        )
        for step in _steps(data, "term")
    )
    seats = tuple(
        SeatTier(
            whole(tier.get("up_to"), "seats.up_to", 1, MAX_SEATS),
            bounded(tier.get("each"), "seats.each", ZERO, MAX_MULTIPLIER, allow_float=True),
        )
        for tier in _steps(data, "seats")
    )
    for name, steps in (
        ("term", [s.up_to_months for s in term]),
        ("seats", [t.up_to for t in seats]),
    ):
        if steps != sorted(set(steps)):
            raise ValuationError(name, "%(name)s steps must rise one after another", name=name)
    if [s.multiplier for s in term] != sorted(s.multiplier for s in term):
        raise ValuationError("term", "a longer term must never cost less than a shorter one")
    rights = _section(data, "rights")
    access, quota = access_sections(data)
    table = LicenceTable(
        version=str(data.get("version", "")),
        reference=reference,
        kind=_per_value(data, "kind", LicenceKind),
        scope=_per_value(data, "scope", UseScope),
        territory=_per_value(data, "territory", Territory),
        term=term,
        seats=seats,
        derivative=_multiplier(rights.get("derivative"), "rights.derivative"),
        redistribution=_multiplier(rights.get("redistribution"), "rights.redistribution"),
        access=access,
        quota=quota,
        privacy=privacy_points(data),
    )
    if licence_multiplier(reference, table) != ONE:
        raise ValuationError("reference", "the reference terms must have a multiplier of 1")
    return table


FACTORS = (
    "exclusivity",
    "scope",
    "territory",
    "term",
    "seats",
    "derivative",
    "redistribution",
    "access",
    "quota",
    "privacy",
)
# How many of the factors each access names: a copy's access and quota are the reference's
# (both 1), and only a computation licence has a privacy budget.
NAMED = {
    Access.COPY: len(FACTORS) - 3,
    Access.API: len(FACTORS) - 1,
    Access.COMPUTATION: len(FACTORS),
}
QUOTA_WHY = {
    Access.API: N_("a quota of %(quota)s API calls: licence table %(version)s"),
    Access.COMPUTATION: N_("a quota of %(quota)s queries: licence table %(version)s"),
}


def licence_adjustment(terms: LicenceTerms, table: LicenceTable) -> LicenceAdjustment:
    """The multiplier for these terms under this table, with one factor per term."""
    values = _values(terms, table)
    with localcontext(CONTEXT):
        multiplier = ONE
        for value in values:
            multiplier *= value
    whys: tuple[tuple[str, dict[str, object]], ...] = (
        (N_("%(kind)s: licence table %(version)s"), {"kind": terms.kind.value}),
        (N_("%(scope)s: licence table %(version)s"), {"scope": terms.scope.value}),
        (N_("%(territory)s: licence table %(version)s"), {"territory": terms.territory.value}),
        (
            N_("%(months)s months, step up to %(step)s: licence table %(version)s"),
            {"months": terms.term_months, "step": _term(terms, table).up_to_months},
        ),
        (N_("%(seats)s seat(s): licence table %(version)s"), {"seats": terms.seats}),
        (
            N_("derivative works allowed: licence table %(version)s")
            if terms.derivative
            else N_("derivative works not allowed: licence table %(version)s"),
            {},
        ),
        (
            N_("redistribution allowed: licence table %(version)s")
            if terms.redistribution
            else N_("redistribution not allowed: licence table %(version)s"),
            {},
        ),
        (N_("%(access)s: licence table %(version)s"), {"access": terms.access.value}),
        (QUOTA_WHY.get(terms.access, ""), {"quota": terms.quota}),
        (
            N_("a privacy budget of ε %(epsilon)s per contract: licence table %(version)s")
            if terms.privacy_budget is not None
            else N_("no privacy budget (exact answers): licence table %(version)s"),
            {"epsilon": str(terms.privacy_budget)} if terms.privacy_budget is not None else {},
        ),
    )
    named = NAMED[terms.access]
    explanation = (
        *(
            explain(name, value, why, **params, version=table.version)
            for name, value, (why, params) in zip(
                FACTORS[:named], values[:named], whys[:named], strict=True
            )
        ),
        Factor("licence", multiplier, "product of the factors above"),
    )
    return LicenceAdjustment(terms, table, multiplier, explanation)


def licence_multiplier(terms: LicenceTerms, table: LicenceTable) -> Decimal:
    """Only the multiplier of licence_adjustment, for pricing many comparables."""
    values = _values(terms, table)
    with localcontext(CONTEXT):
        multiplier = ONE
        for value in values:
            multiplier *= value
        return multiplier


def _values(terms: LicenceTerms, table: LicenceTable) -> tuple[Decimal, ...]:
    return (
        table.kind[terms.kind],
        table.scope[terms.scope],
        table.territory[terms.territory],
        _term(terms, table).multiplier,
        _seats(terms.seats, table),
        table.derivative if terms.derivative else ONE,
        table.redistribution if terms.redistribution else ONE,
        access_multiplier(terms, table.access),
        quota_multiplier(terms, table.quota),
        privacy_multiplier(terms, table.privacy),
    )


def _term(terms: LicenceTerms, table: LicenceTable) -> TermStep:
    for step in table.term:
        if terms.term_months <= step.up_to_months:
            return step
    raise ValuationError(
        "term_months",
        "the licence table prices terms up to %(limit)s months, not %(value)s",
        limit=table.term[-1].up_to_months,
        value=terms.term_months,
    )


def _seats(seats: int, table: LicenceTable) -> Decimal:
    if seats > table.seats[-1].up_to:
        raise ValuationError(
            "seats",
            "the licence table prices up to %(limit)s seats, not %(value)s",
            limit=table.seats[-1].up_to,
            value=seats,
        )
    multiplier, counted = ONE, 1
    for tier in table.seats:
        extra = min(seats, tier.up_to) - counted
        if extra > 0:
            multiplier += tier.each * extra
            counted += extra
    return multiplier


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = data.get(name)
    if not isinstance(section, Mapping):
        raise ValuationError(name, "the licence table needs a [%(name)s] section", name=name)
    return section


def _steps(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    steps = data.get(name)
    if not isinstance(steps, list) or not steps or not all(isinstance(s, Mapping) for s in steps):
        raise ValuationError(name, "the licence table needs [[%(name)s]] steps", name=name)
    return steps


def _per_value(data: Mapping[str, Any], name: str, kind: type[E]) -> Mapping[E, Decimal]:
    section = _section(data, name)
    values = {
        choice(kind, key, name): _multiplier(value, f"{name}.{key}")
        for key, value in section.items()
    }
    missing = [member.value for member in kind if member not in values]
    if missing:
        raise ValuationError(
            name,
            "the licence table gives no %(name)s multiplier for %(missing)s",
            name=name,
            missing=", ".join(missing),
        )
    return MappingProxyType(values)
