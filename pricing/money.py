"""Numbers in and out: every input checked into a finite Decimal, every price rounded to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from pricing.errors import ValuationError

CENT = Decimal("0.01")
# One context for every computation, so the caller's decimal settings cannot change a result.
CONTEXT = Context(prec=28)
# A quadrillion yuan: an amount at or above it is a typo, not a data product.
MAX_AMOUNT = Decimal(10) ** 15
ZERO = Decimal(0)
ONE = Decimal(1)
# A licence-table multiplier beyond this is a typo.
MAX_MULTIPLIER = Decimal(1000)


def number(value: object, field: str, *, allow_float: bool = False) -> Decimal:
    """A finite Decimal from a Decimal, int or numeric string; a float only where allowed.

    Money never arrives as a float (binary floats cannot hold most fen amounts); shares such as
    quality scores may, and are read through their shortest repr so 0.1 means 0.1.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValuationError(field, "%(name)s must be a number, not a yes/no", name=field)
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float) and allow_float:
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValuationError(
                field, "%(name)s must be a number, not %(value)r", name=field, value=value
            ) from None
    else:
        raise ValuationError(
            field,
            "%(name)s must be a decimal number, not %(kind)s",
            name=field,
            kind=type(value).__name__,
        )
    if not result.is_finite():
        raise ValuationError(
            field, "%(name)s must be a finite number, not %(value)s", name=field, value=result
        )
    return result


def amount(value: object, field: str, *, positive: bool = False, signed: bool = False) -> Decimal:
    """A money amount in yuan: at least zero (above zero if positive; any sign if signed)."""
    result = number(value, field)
    if abs(result) >= MAX_AMOUNT:
        raise ValuationError(
            field,
            "%(name)s of %(value)s yuan is beyond any data product",
            name=field,
            value=result,
        )
    if positive and result <= 0:
        raise ValuationError(field, "%(name)s must be above zero", name=field)
    if not signed and result < 0:
        raise ValuationError(field, "%(name)s cannot be negative", name=field)
    return result


def share(value: object, field: str) -> Decimal:
    """A share between 0 and 1 inclusive, such as a quality score."""
    return bounded(value, field, ZERO, ONE, allow_float=True)


def bounded(
    value: object, field: str, low: Decimal, high: Decimal, *, allow_float: bool = False
) -> Decimal:
    """A number within [low, high]; rates are given as fractions, so 100% is 1."""
    result = number(value, field, allow_float=allow_float)
    if not low <= result <= high:
        raise ValuationError(
            field,
            "%(name)s must be between %(low)s and %(high)s, not %(value)s",
            name=field,
            low=low,
            high=high,
            value=result,
        )
    return result


def whole(value: object, field: str, low: int, high: int) -> int:
    """A whole number within [low, high], such as months or seats."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValuationError(
            field, "%(name)s must be a whole number, not %(value)r", name=field, value=value
        )
    if not low <= value <= high:
        raise ValuationError(
            field,
            "%(name)s must be between %(low)s and %(high)s, not %(value)s",
            name=field,
            low=low,
            high=high,
            value=value,
        )
    return value


def multiplier(value: object, field: str) -> Decimal:
    """A licence-table multiplier: above zero and at most MAX_MULTIPLIER."""
    result = bounded(value, field, ZERO, MAX_MULTIPLIER, allow_float=True)
    if result == 0:
        raise ValuationError(field, "%(name)s must be above zero", name=field)
    return result


def cents(value: Decimal) -> Decimal:
    """Rounded to the fen, half up, as prices are quoted."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)


def priced(value: Decimal, field: str) -> Decimal:
    """A result rounded to the fen, refused if that leaves nothing to charge."""
    result = cents(value)
    if result <= 0:
        raise ValuationError(
            field, "%(name)s comes to less than one fen: too small to price", name=field
        )
    return result


def ratio(value: float) -> Decimal:
    """A dimensionless factor computed in floating point, fixed to six places as a Decimal."""
    return Decimal(f"{value:.6f}")
