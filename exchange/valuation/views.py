"""Valuations on pages: ask for one from the product page, read its band, chart and reasons."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from marshmallow import fields, post_load
from werkzeug.wrappers import Response

from exchange.catalog import product_page
from exchange.catalog.domain import (
    ACCESS_LABELS,
    LICENCE_KIND_LABELS,
    TERRITORY_LABELS,
    USE_SCOPE_LABELS,
)
from exchange.catalog.views.public import PRODUCT, product_context
from exchange.http.context import uow, web_actor
from exchange.http.forms import submit_form
from exchange.http.i18n import translate
from exchange.http.schemas import BaseSchema
from exchange.kernel.i18n import N_
from exchange.trading.comparables import paid_trades
from exchange.valuation import valuations
from exchange.valuation.extension import valuation_settings
from exchange.valuation.schemas import ValuationRequestSchema
from pricing.money import cents

bp = Blueprint("valuations", __name__)
PAGE = "valuation/valuation.html"
APPROACHES = {
    "cost": N_("Cost approach"),
    "income": N_("Income approach"),
    "market": N_("Market approach"),
}
PURPOSES = {"listing": N_("listing"), "purchase": N_("purchase")}
# What the valuation templates read, by name.
TEMPLATE_GLOBALS: dict[str, Any] = {
    "valuation_approaches": APPROACHES,
    "valuation_purposes": PURPOSES,
}
# Parameters of pricing's explanations that are codes, and the labels they read as.
PARAM_LABELS: dict[str, Mapping[str, str]] = {
    "approach": {"cost": N_("cost"), "income": N_("income"), "market": N_("market")},
    "kind": {kind.value: label for kind, label in LICENCE_KIND_LABELS.items()},
    "scope": {scope.value: label for scope, label in USE_SCOPE_LABELS.items()},
    "territory": {territory.value: label for territory, label in TERRITORY_LABELS.items()},
    "access": {access.value: label for access, label in ACCESS_LABELS.items()},
}
COST_AMOUNTS = (
    "planning",
    "collection",
    "storage_processing",
    "labour",
    "indirect",
    "opportunity",
    "taxes",
    "return_rate",
)
COST_MONTHS = ("total_life_months", "remaining_life_months")
# The chart's drawing area in SVG units; the price axis runs between the margins.
WIDTH, MARGIN, TICKS = 640, 40, 5


class OfferChoiceSchema(BaseSchema):
    """The product page's form: an offer and, for the vendor, the costs as typed.

    The cost inputs are named `cost.<field>` (marshmallow nests them under "cost"), so the
    page, the API's schema and the service name an input alike; blank ones are left out, and
    none at all means no cost approach.
    """

    offer_id = fields.Integer(load_default=None, allow_none=True)

    @post_load
    def as_request(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Checked again by the API's own schema, so the page and the API refuse alike."""
        request: dict[str, Any] = ValuationRequestSchema().load(data)
        return request


ValuationFormSchema = OfferChoiceSchema.from_dict(
    {f"cost.{name}": fields.String() for name in COST_AMOUNTS}
    | {f"cost.{name}": fields.Integer() for name in COST_MONTHS},
    name="ValuationFormSchema",
)


@bp.route("/products/<int:product_id>/valuations", methods=["POST"])
@login_required
def ask(product_id: int) -> Any:
    """Value the product from its page, then show the new valuation; errors stay in place."""

    def done(data: dict[str, Any]) -> Response:
        setup = valuation_settings()
        valuation = valuations.request_valuation(
            uow(),
            web_actor(),
            product_id,
            data,
            table=setup.table,
            paid_trades=paid_trades,
            market=setup.market,
        )
        flash(gettext("The product is valued."), "success")
        return redirect(url_for("valuations.show", valuation_id=valuation["id"]))

    form = ValuationFormSchema()
    return submit_form(form, PRODUCT, done, **product_context(product_id, "valuation"))


@bp.route("/valuations/<int:valuation_id>")
@login_required
def show(valuation_id: int) -> str:
    """One valuation: the band as a chart and a table, each approach's factors, the inputs."""
    valuation = valuations.get_valuation(uow(), web_actor(), valuation_id)
    product = product_page.get_product(uow(), web_actor(), valuation["product_id"])
    return render_template(
        PAGE, v=valuation, product=product, chart=chart(valuation), approaches=APPROACHES
    )


@bp.app_template_global("explained")
def explained(factor: Mapping[str, Any]) -> str:
    """Where a factor's value came from, in the reader's language.

    Pricing keeps each explanation as an English template and its parameters; codes among the
    parameters read as their labels and phrases (a bound's reason) are translated too.
    """
    if "why" not in factor:  # stored before explanations kept their templates
        return str(factor.get("source", ""))
    params = {
        name: translate(PARAM_LABELS.get(name, {}).get(value, value))
        if isinstance(value, str)
        else value
        for name, value in factor["params"].items()
    }
    return translate(factor["why"], **params)


@bp.app_template_filter("figure")
def figure(value: object) -> str:
    """A factor's value for reading: at most four decimals, big numbers grouped."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    if abs(number) >= 1000:
        return f"{number:,.2f}"
    rounded = round(number, 4).normalize()
    return f"{rounded:f}" if rounded else "0"


class Chart(TypedDict):
    """Where the band, each approach's value and each comparable sit on the chart's axis."""

    width: int
    multiplier: Decimal
    band: dict[str, float]
    band_width: float
    approaches: list[tuple[str, Decimal, float]]
    comparables: list[tuple[valuations.ComparableView, Decimal, float]]
    ticks: list[tuple[Decimal, float]]
    left: int
    right: int


def chart(valuation: valuations.ValuationView) -> Chart:
    """Where the band, each approach's value and each comparable sit on the price axis.

    The approaches and comparables are valued for the reference licence; the band is priced
    for the offer's terms, so they are scaled by the licence multiplier to share its axis.
    """
    multiplier = Decimal(valuation["licence_multiplier"] or 1)
    band = {k: Decimal(valuation[k]) for k in ("floor", "reference", "ceiling")}
    values = {
        name: cents(Decimal(value) * multiplier)
        for name, value in valuation["values"].items()
        if name in APPROACHES
    }
    dots = [cents(Decimal(c["adjusted_price"]) * multiplier) for c in valuation["comparables"]]
    everything = [*band.values(), *values.values(), *dots]
    low, high = min(everything), max(everything)
    pad = (high - low) / 10 or high / 10 or Decimal(1)
    low, high = max(low - pad, Decimal(0)), high + pad

    def x(value: Decimal) -> float:
        return round(float(MARGIN + (value - low) / (high - low) * (WIDTH - 2 * MARGIN)), 1)

    step = (high - low) / (TICKS - 1)
    return Chart(
        width=WIDTH,
        multiplier=multiplier,
        band={k: x(v) for k, v in band.items()},
        band_width=max(round(x(band["ceiling"]) - x(band["floor"]), 1), 1.0),
        approaches=[(name, value, x(value)) for name, value in values.items()],
        comparables=[
            (c, price, x(price)) for c, price in zip(valuation["comparables"], dots, strict=True)
        ],
        ticks=[(low + step * i, x(low + step * i)) for i in range(TICKS)],
        left=MARGIN,
        right=WIDTH - MARGIN,
    )
