"""Schemas of valuations: what a vendor or buyer sends to be valued, and the band returned.

They check shape only; whether a cost is negative, growth outruns the discount rate or the
horizon outlives the data is pricing's to say, and the service names the field it refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from exchange.http.i18n import translate
from exchange.http.schemas import BaseSchema, choice
from exchange.valuation.valuations import ValuationView
from pricing import IncomeMethod


class Figure(fields.Decimal):
    """An amount or a rate as a decimal string or an integer, never a binary float."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=None, as_string=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, float | bool) or not isinstance(value, str | int):
            raise ValidationError(
                str(_l('Give the number as a string or an integer, e.g. "0.05".'))
            )
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise ValidationError(str(_l("Enter a number, e.g. 1200.00."))) from error
        if not number.is_finite():
            raise ValidationError(str(_l("Enter a finite number.")))
        return number


def _months(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


class CostInputSchema(BaseSchema):
    """The vendor's costs of making the data (CNY), the return on them and the data's life."""

    planning = Figure(load_default=Decimal(0))
    collection = Figure(load_default=Decimal(0))
    storage_processing = Figure(load_default=Decimal(0))
    labour = Figure(load_default=Decimal(0))
    indirect = Figure(load_default=Decimal(0))
    opportunity = Figure(load_default=Decimal(0))
    taxes = Figure(load_default=Decimal(0))
    return_rate = Figure(required=True)
    total_life_months = _months(required=True)
    remaining_life_months = _months(required=True)


class DiscountInputSchema(BaseSchema):
    """The discount rate built up from a risk-free rate and four premiums, as fractions."""

    risk_free = Figure(required=True)
    management = Figure(load_default=Decimal(0))
    circulation = Figure(load_default=Decimal(0))
    security = Figure(load_default=Decimal(0))
    regulatory = Figure(load_default=Decimal(0))


class IncomeInputSchema(BaseSchema):
    """The income the data brings by one method, discounted over the years it can live."""

    method = choice(IncomeMethod, required=True)
    discount = fields.Nested(DiscountInputSchema, required=True)
    earnings = Figure()
    revenue = Figure()
    royalty_rate = Figure()
    contributory_charges = Figure()
    profit_with = Figure()
    profit_without = Figure()
    growth = Figure()
    years = _months()
    contract_term_months = _months()
    update_cycle_months = _months()
    timeliness_months = _months()


class ValuationRequestSchema(BaseSchema):
    """Which licence to value (default the cheapest active offer) and the inputs given."""

    offer_id = fields.Integer(strict=True, load_default=None, allow_none=True)
    cost = fields.Nested(CostInputSchema, load_default=None, allow_none=True)
    income = fields.Nested(IncomeInputSchema, load_default=None, allow_none=True)


class ComparableUsedSchema(Schema):
    ref = fields.String()
    is_trade = fields.Boolean()
    on = fields.String()
    price = fields.String()
    adjusted_price = fields.String()
    similarity = fields.String()
    weight = fields.String()


class ValuationSchema(Schema):
    """A stored valuation: the band, each approach's weight and explanation, and its inputs."""

    id = fields.Integer()
    product_id = fields.Integer()
    purpose = fields.String(validate=validate.OneOf(("listing", "purchase")))
    requested_by_id = fields.Integer()
    organisation_id = fields.Integer(allow_none=True)
    method_version = fields.String()
    floor = fields.Decimal(as_string=True)
    reference = fields.Decimal(as_string=True)
    ceiling = fields.Decimal(as_string=True)
    weights = fields.Dict(keys=fields.String(), values=fields.String())
    values = fields.Dict(keys=fields.String(), values=fields.String())
    licence_multiplier = fields.String(allow_none=True)
    explanation = fields.List(fields.Dict())
    approaches = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()))
    licence = fields.List(fields.Dict(), allow_none=True)
    comparables = fields.List(fields.Nested(ComparableUsedSchema))
    skipped = fields.Method("_skipped")
    inputs = fields.Dict()
    created_at = fields.DateTime()

    def _skipped(self, view: ValuationView) -> dict[str, dict[str, str]]:
        """Why an approach was left out, in the caller's language."""
        return {
            name: {"field": why["field"], "reason": translate(why["message"], **why["params"])}
            for name, why in view["skipped"].items()
        }
