"""The trading pages' HTML forms: the terms a buyer or vendor proposes, and the one-field forms
of the later steps. Shape only; the services check what depends on the trade's state."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_load, validate

from exchange.catalog.domain import Territory, UseScope
from exchange.catalog.schemas import Price
from exchange.http.schemas import BaseSchema, choice, text
from exchange.trading.domain import Terms
from exchange.trading.negotiation_reading import RoundView


def _count(low: int, high: int) -> fields.Integer:
    return fields.Integer(
        required=True,
        validate=validate.Range(min=low, max=high, error=_l("Enter a number from {min} to {max}.")),
        error_messages={"invalid": _l("Enter a whole number.")},
    )


class TermsFormSchema(BaseSchema):
    """A proposal or counter: a price in yuan, the licence's terms and a message."""

    price = Price(required=True)
    scope = choice(UseScope, required=True)
    term_months = _count(1, 120)
    territory = choice(Territory, required=True)
    exclusive = fields.Boolean(load_default=False)
    seats = _count(1, 10000)
    derivative = fields.Boolean(load_default=False)
    quota = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(
            min=1, max=10_000_000, error=_l("Enter a number from {min} to {max}.")
        ),
        error_messages={"invalid": _l("Enter a whole number.")},
    )
    message = text(2000, required=False)

    @post_load
    def _terms(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        terms = Terms(
            price=data["price"],
            scope=UseScope(data["scope"]),
            term_months=data["term_months"],
            territory=Territory(data["territory"]),
            exclusive=data["exclusive"],
            seats=data["seats"],
            derivative=data["derivative"],
            quota=data["quota"],
        )
        return {"terms": terms, "message": data.get("message")}


class MessageFormSchema(BaseSchema):
    """Accepting, rejecting or withdrawing, with an optional message."""

    message = text(2000, required=False)


class ReasonFormSchema(BaseSchema):
    """A dispute: the reason (the service says when it is missing or too long)."""

    reason = fields.String(load_default="")


class DisputeDecisionFormSchema(BaseSchema):
    """An operator's decision on a dispute."""

    decision = fields.String(load_default="")
    reason = fields.String(load_default="")


class ConfirmTransferFormSchema(BaseSchema):
    """The amount an operator saw arrive (the service checks it equals the price)."""

    amount = fields.String(load_default="")


def round_defaults(round_: RoundView) -> dict[str, Any]:
    """A counter starts from the last terms proposed."""
    return {
        "price": f"{round_['price']:.2f}",
        "scope": str(round_["scope"]),
        "term_months": round_["term_months"],
        "territory": str(round_["territory"]),
        "exclusive": round_["exclusive"],
        "seats": round_["seats"],
        "derivative": round_["derivative"],
        "quota": round_["quota"],
    }
