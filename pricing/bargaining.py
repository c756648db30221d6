"""Negotiation and supervision against a band: a fair counter-offer and how far a price strays.

suggest_counter: each side's current position is its disagreement point; the generalised Nash
bargaining solution maximises (p − low)^(1 − β) × (high − p)^β over prices p between the two
positions, where β is the buyer's bargaining power (0.5 when the sides are even). Its maximum is
    p = low + (1 − β) × (high − low)
so the buyer keeps a share β of the gap between the positions and the vendor 1 − β. The result
is then clamped into the band, and back between the two positions: a counter never leaves
[floor, ceiling] unless the band lies outside both positions, and never leaves [low, high].

deviation: how far a price strays from a band, relative to the edge it crosses —
(price − ceiling) / ceiling above it (positive), (price − floor) / floor below it (negative, at
least −1), and 0 inside it. Regulators' alerts compare its size with a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from pricing.band import PriceBand
from pricing.explain import METHOD_VERSION, N_, Factor, explain, jsonable
from pricing.money import CONTEXT, ONE, ZERO, amount, bounded, cents

DEVIATION_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class CounterSuggestion:
    """A counter-offer between two positions, inside the band, and how it was reached."""

    price: Decimal
    buyer_price: Decimal
    vendor_price: Decimal
    buyer_power: Decimal
    split: Decimal
    clamped: bool
    explanation: tuple[Factor, ...]
    method_version: str = METHOD_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The suggestion and its inputs as JSON values."""
        result: dict[str, Any] = jsonable(self)
        return result


def suggest_counter(
    band: PriceBand,
    buyer_price: Decimal,
    vendor_price: Decimal,
    *,
    buyer_power: Decimal = Decimal("0.5"),
) -> CounterSuggestion:
    """The Nash-bargaining split of the gap between the two positions, clamped into the band."""
    buyer = amount(buyer_price, "buyer_price", positive=True)
    vendor = amount(vendor_price, "vendor_price", positive=True)
    power = bounded(buyer_power, "buyer_power", ZERO, ONE, allow_float=True)
    low, high = min(buyer, vendor), max(buyer, vendor)
    with localcontext(CONTEXT):
        split = low + (ONE - power) * (high - low)
    # Into the band, then back between the positions: a counter outside both sides' prices
    # would ask one side to move past what the other already offers.
    inside = min(max(split, band.floor), band.ceiling)
    price = cents(min(max(inside, low), high))
    clamped = not band.floor <= split <= band.ceiling
    explanation = (
        Factor("positions", f"{low}–{high}", "the buyer's and the vendor's current prices"),
        Factor("buyer_power", power, "β: the buyer keeps this share of the gap"),
        Factor("split", split, "low + (1 − β) × (high − low): the Nash bargaining solution"),
        explain(
            "counter",
            price,
            _why(clamped, outside=inside != min(max(inside, low), high)),
            floor=band.floor,
            ceiling=band.ceiling,
        ),
    )
    return CounterSuggestion(price, buyer, vendor, power, split, clamped, explanation)


def _why(clamped: bool, *, outside: bool) -> str:
    """Where the counter came from: the split, the band's edge, or the position nearer it."""
    if outside:
        return N_("the band %(floor)s–%(ceiling)s lies outside both positions: the nearer one")
    return N_("clamped into the band %(floor)s–%(ceiling)s") if clamped else N_("inside the band")


def deviation(price: Decimal, band: PriceBand) -> Decimal:
    """The signed relative distance of a price outside the band, 0 inside, to four places."""
    value = amount(price, "price")
    if band.floor <= value <= band.ceiling:
        return ZERO
    edge = band.ceiling if value > band.ceiling else band.floor
    with localcontext(CONTEXT):
        result = ((value - edge) / edge).quantize(DEVIATION_PLACES, rounding=ROUND_HALF_UP)
    return result if result else ZERO  # no "−0.0000" for a price a hair below the floor
