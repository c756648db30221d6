"""The vocabulary of a deal as pricing sees it: its own enums, with the catalog's values.

pricing never imports the exchange, so it keeps these small enums itself; their values are the
catalog's, so an exchange enum member (a str) converts with `Grade(member)`, and a unit test
checks that the two stay in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from pricing.errors import ValuationError
from pricing.money import ZERO, bounded, whole

E = TypeVar("E", bound=StrEnum)

# Long enough for any licence the exchange offers (its term is a small integer of months).
MAX_TERM_MONTHS = 1200
MAX_SEATS = 100_000
# Far beyond any quota the exchange accepts (its offers allow up to ten million).
MAX_QUOTA = 10**9
# The largest privacy budget (ε per contract) a query policy may set.
MAX_EPSILON = Decimal(100)


class Access(StrEnum):
    """What the buyer takes: a copy of the data, calls to its API, or queries it never sees."""

    COPY = "copy"
    API = "api"
    COMPUTATION = "computation"


class ProductType(StrEnum):
    DATASET = "dataset"
    API = "api"
    REPORT = "report"


class Grade(StrEnum):
    """Classification grade under GB/T 43697-2024."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


class LicenceKind(StrEnum):
    NON_EXCLUSIVE = "non_exclusive"
    EXCLUSIVE = "exclusive"


class UseScope(StrEnum):
    INTERNAL = "internal"
    RESEARCH = "research"
    COMMERCIAL = "commercial"


class Territory(StrEnum):
    JIANGXI = "jiangxi"
    MAINLAND = "mainland"
    GLOBAL = "global"


def choice(kind: type[E], value: object, field: str) -> E:
    """The member of the enum a value names, or a refusal listing the choices."""
    if isinstance(value, str) and value in kind._value2member_map_:
        return kind(value)
    raise ValuationError(
        field,
        "%(name)s must be one of %(choices)s, not %(value)r",
        name=field,
        choices=", ".join(member.value for member in kind),
        value=value,
    )


@dataclass(frozen=True, slots=True)
class LicenceTerms:
    """The terms a licence is priced under (the catalog's licence offer, without its price).

    `quota` counts the calls (api) or queries (computation) a contract allows: required for
    those, refused for a copy, which has no use to count. `privacy_budget` is a computation
    licence's differential-privacy budget (ε per contract), None when its answers are exact.
    """

    kind: LicenceKind = LicenceKind.NON_EXCLUSIVE
    scope: UseScope = UseScope.INTERNAL
    territory: Territory = Territory.JIANGXI
    term_months: int = 12
    seats: int = 1
    derivative: bool = False
    redistribution: bool = False
    access: Access = Access.COPY
    quota: int | None = None
    privacy_budget: Decimal | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", choice(LicenceKind, self.kind, "kind"))
        set_(self, "scope", choice(UseScope, self.scope, "scope"))
        set_(self, "territory", choice(Territory, self.territory, "territory"))
        whole(self.term_months, "term_months", 1, MAX_TERM_MONTHS)
        whole(self.seats, "seats", 1, MAX_SEATS)
        for name in ("derivative", "redistribution"):
            if not isinstance(getattr(self, name), bool):
                raise ValuationError(name, "%(name)s must be yes or no", name=name)
        set_(self, "access", choice(Access, self.access, "access"))
        if self.access is Access.COPY:
            if self.quota is not None:
                raise ValuationError("quota", "a copy of the data has no quota")
        elif self.quota is None:
            raise ValuationError(
                "quota",
                "%(access)s access needs a quota of calls or queries",
                access=self.access.value,
            )
        else:
            whole(self.quota, "quota", 1, MAX_QUOTA)
        if self.privacy_budget is not None:
            if self.access is not Access.COMPUTATION:
                raise ValuationError(
                    "privacy_budget", "only a computation licence has a privacy budget"
                )
            budget = bounded(
                self.privacy_budget, "privacy_budget", ZERO, MAX_EPSILON, allow_float=True
            )
            if budget == 0:
                raise ValuationError("privacy_budget", "a privacy budget must be above zero")
            set_(self, "privacy_budget", budget)
