"""The one error pricing raises: a refused input, named, with a message the exchange translates."""

from __future__ import annotations

from pricing.explain import N_


class ValuationError(ValueError):
    """An input pricing refuses; `field` names it and `message % params` says why, in English.

    `message` is a `%(name)s`-style template kept apart from its `params` so that the exchange
    can translate the template before filling it in.
    """

    def __init__(self, field: str, message: str, /, **params: object) -> None:
        self.field = field
        self.message = message
        self.params = params
        super().__init__(f"{field}: {message % params}")


class TooFewComparables(ValuationError):
    """The market approach refuses to guess from fewer comparables than it needs."""

    def __init__(self, found: int, needed: int) -> None:
        super().__init__(
            "comparables",
            N_("only %(found)s comparable(s) similar enough, %(needed)s needed"),
            found=found,
            needed=needed,
        )
        self.found = found
        self.needed = needed
