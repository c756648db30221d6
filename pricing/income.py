"""The income approach: the data's future income, discounted back to today.

    V = Σ_{t=1..n} F_t / (1 + i)^t,   F_t = F_1 × (1 + g)^(t − 1)
F_1, the first year's income the data brings, by one of four methods:
    direct        F = earnings the data itself brings in
    royalty       F = R × K, revenue of what the data is used in times a royalty share K
    excess        F = R − contributory-asset charges (earnings left once the other assets are paid)
    incremental   F = profit with the data − profit without it
i = risk-free rate + management + circulation + security + regulatory premiums (each 0..1, the
total at most 1); g is the yearly growth of F, refused unless g < i. Years are whole years;
n may not outlive the data: n × 12 ≤ min(contract term, update cycle, timeliness) in months,
where the update cycle bounds a product whose next edition replaces this one (leave it out
when the licence includes updates) and timeliness is how long the data stays useful. Without
a requested n, n is the most whole years that bound allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from pricing.errors import ValuationError
from pricing.explain import METHOD_VERSION, N_, Factor, explain, jsonable
from pricing.money import CONTEXT, ONE, ZERO, amount, bounded, priced, whole
from pricing.terms import choice

MAX_MONTHS = 1200
PREMIUMS = ("management", "circulation", "security", "regulatory")


class IncomeMethod(StrEnum):
    DIRECT = "direct"
    ROYALTY = "royalty"
    EXCESS = "excess"
    INCREMENTAL = "incremental"


# The money inputs each method reads, and whether each may be negative (a loss).
METHOD_INPUTS: dict[IncomeMethod, tuple[tuple[str, bool], ...]] = {
    IncomeMethod.DIRECT: (("earnings", False),),
    IncomeMethod.ROYALTY: (("revenue", False), ("royalty_rate", False)),
    IncomeMethod.EXCESS: (("revenue", False), ("contributory_charges", False)),
    IncomeMethod.INCREMENTAL: (("profit_with", True), ("profit_without", True)),
}


@dataclass(frozen=True, slots=True)
class DiscountRate:
    """i built up from a risk-free rate and four premiums, each a fraction (0.05 is 5%)."""

    risk_free: Decimal
    management: Decimal = ZERO
    circulation: Decimal = ZERO
    security: Decimal = ZERO
    regulatory: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("risk_free", *PREMIUMS):
            object.__setattr__(self, name, bounded(getattr(self, name), name, ZERO, ONE))
        if not ZERO < self.total <= ONE:
            raise ValuationError(
                "discount_rate",
                "the discount rate must be above 0 and at most 1 (100%%), not %(value)s",
                value=self.total,
            )

    @property
    def total(self) -> Decimal:
        """i: the risk-free rate plus every premium."""
        return self.risk_free + self.management + self.circulation + self.security + self.regulatory


@dataclass(frozen=True, slots=True)
class IncomeInputs:
    """The method, its money inputs, the discount rate, growth and the horizon's bounds."""

    method: IncomeMethod
    discount: DiscountRate
    years: int | None = None
    earnings: Decimal | None = None
    revenue: Decimal | None = None
    royalty_rate: Decimal | None = None
    contributory_charges: Decimal | None = None
    profit_with: Decimal | None = None
    profit_without: Decimal | None = None
    growth: Decimal = ZERO
    contract_term_months: int | None = None
    update_cycle_months: int | None = None
    timeliness_months: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "method", choice(IncomeMethod, self.method, "method"))
        if not isinstance(self.discount, DiscountRate):
            raise ValuationError("discount", "the discount rate must be a DiscountRate")
        wanted = dict(METHOD_INPUTS[self.method])
        for name in (
            "earnings",
            "revenue",
            "royalty_rate",
            "contributory_charges",
            "profit_with",
            "profit_without",
        ):
            value = getattr(self, name)
            if name not in wanted:
                if value is not None:
                    raise ValuationError(
                        name,
                        "%(name)s is not used by the %(method)s method",
                        name=name,
                        method=self.method.value,
                    )
            elif value is None:
                raise ValuationError(
                    name,
                    "the %(method)s method needs %(name)s",
                    name=name,
                    method=self.method.value,
                )
            elif name == "royalty_rate":
                set_(self, name, bounded(value, name, ZERO, ONE))
            else:
                set_(self, name, amount(value, name, signed=wanted[name]))
        set_(self, "growth", bounded(self.growth, "growth", -ONE, ONE))
        if self.growth >= self.discount.total:
            raise ValuationError(
                "growth",
                "growth %(growth)s must stay below the discount rate %(rate)s",
                growth=self.growth,
                rate=self.discount.total,
            )
        for name in ("contract_term_months", "update_cycle_months", "timeliness_months"):
            if getattr(self, name) is not None:
                whole(getattr(self, name), name, 1, MAX_MONTHS)
        if self.years is not None:
            whole(self.years, "years", 1, MAX_MONTHS // 12)
        horizon(self)
        if first_income(self)[0] <= 0:
            raise ValuationError(
                "income",
                "the data brings no income by the %(method)s method",
                method=self.method.value,
            )


@dataclass(frozen=True, slots=True)
class IncomeValuation:
    """An income-approach value with its inputs, each year's income and its present value."""

    inputs: IncomeInputs
    first_income: Decimal
    discount_rate: Decimal
    years: int
    incomes: tuple[Decimal, ...]
    present_values: tuple[Decimal, ...]
    value: Decimal
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The valuation, its inputs and its explanation as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def income_approach(inputs: IncomeInputs) -> IncomeValuation:
    """The present value of the income the data brings over the years it can live."""
    bound = horizon(inputs)
    years = int(bound.value)
    discount = inputs.discount
    rate = discount.total
    with localcontext(CONTEXT):
        first, how = _first_income(inputs)
        incomes: list[Decimal] = []
        present: list[Decimal] = []
        income, factor, growth, step = first, ONE, ONE + inputs.growth, ONE + rate
        for _ in range(years):
            factor *= step
            incomes.append(income)
            present.append(income / factor)
            income *= growth
        exact = sum(present, ZERO)
    value = priced(exact, "income")
    explanation = (
        *(Factor(name, getattr(inputs, name), "given") for name, _ in METHOD_INPUTS[inputs.method]),
        Factor("first_income", first, how),
        Factor("risk_free", discount.risk_free, "discount-rate build-up: risk-free rate"),
        Factor("management", discount.management, "discount-rate build-up: management premium"),
        Factor("circulation", discount.circulation, "discount-rate build-up: circulation premium"),
        Factor("security", discount.security, "discount-rate build-up: security premium"),
        Factor("regulatory", discount.regulatory, "discount-rate build-up: regulatory premium"),
        Factor("discount_rate", rate, "i: the risk-free rate plus the four premiums"),
        Factor("growth", inputs.growth, "g: yearly growth of the income, given"),
        bound,
        Factor("value", value, "Σ F_t / (1 + i)^t for t = 1..n, to the fen"),
    )
    return IncomeValuation(
        inputs, first, rate, years, tuple(incomes), tuple(present), value, explanation
    )


def horizon(inputs: IncomeInputs) -> Factor:
    """n, and why: the years asked for (or the most allowed) within the data's life."""
    months, reason = MAX_MONTHS + 1, ""
    for bound, why in (
        (inputs.contract_term_months, N_("the contract term")),
        (inputs.update_cycle_months, N_("the update cycle")),
        (inputs.timeliness_months, N_("the data's timeliness")),
    ):
        if bound is not None and bound < months:
            months, reason = bound, why
    if not reason:
        raise ValuationError(
            "years", "give a contract term, an update cycle or a timeliness to bound the horizon"
        )
    if months < 12:
        raise ValuationError(
            "years",
            "the data can live %(months)s months (%(reason)s), less than one year",
            months=months,
            reason=reason,
        )
    if inputs.years is None:
        return explain(
            "years",
            months // 12,
            "n: the most whole years within %(months)s months (%(reason)s)",
            months=months,
            reason=reason,
        )
    if inputs.years * 12 > months:
        raise ValuationError(
            "years",
            "%(years)s years asked, but the data can live %(months)s months (%(reason)s)",
            years=inputs.years,
            months=months,
            reason=reason,
        )
    return explain(
        "years",
        inputs.years,
        "n: asked for, within %(months)s months (%(reason)s)",
        months=months,
        reason=reason,
    )


def first_income(inputs: IncomeInputs) -> tuple[Decimal, str]:
    """F_1 by the inputs' method, and the formula that gave it."""
    with localcontext(CONTEXT):
        return _first_income(inputs)


def _first_income(inputs: IncomeInputs) -> tuple[Decimal, str]:
    method = inputs.method
    if method is IncomeMethod.DIRECT:
        return _given(inputs.earnings), N_("F_1 = earnings the data brings in")
    if method is IncomeMethod.ROYALTY:
        first = _given(inputs.revenue) * _given(inputs.royalty_rate)
        return first, N_("F_1 = revenue × royalty share K")
    if method is IncomeMethod.EXCESS:
        first = _given(inputs.revenue) - _given(inputs.contributory_charges)
        return first, N_("F_1 = revenue − contributory-asset charges")
    first = _given(inputs.profit_with) - _given(inputs.profit_without)
    return first, N_("F_1 = profit with the data − profit without it")


def _given(value: Decimal | None) -> Decimal:
    if value is None:  # IncomeInputs requires every input of its method, so never here
        raise ValuationError("method", "an input of the method is missing")
    return value
