"""How a valuation explains itself: named factors, a method version, and JSON-ready dictionaries."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

# Bumped whenever a formula, weight or default changes, so a stored valuation says which rules
# produced it and can be reproduced with them.
METHOD_VERSION = "ganshu-pricing/1"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark an English template for the exchange's message catalog; pricing never translates."""
    return message


class Factor(NamedTuple):
    """One step of a valuation: its name, its value, and why, as a template and its parameters.

    `why` is an English `%(name)s` template kept apart from `params` so that the exchange can
    translate it before filling it in; `source` is the sentence in English.
    """

    name: str
    value: Decimal | int | str
    why: str
    params: tuple[tuple[str, object], ...] = ()

    @property
    def source(self) -> str:
        """Where the value came from, in English."""
        return self.why % dict(self.params) if self.params else self.why


def explain(name: str, value: Decimal | int | str, why: str, **params: object) -> Factor:
    """A factor whose explanation has parameters; pybabel extracts `why` (the third argument)."""
    return Factor(name, value, why, tuple(params.items()))


def jsonable(value: object) -> Any:
    """Dataclasses, factors, mappings and sequences as plain JSON values; Decimals as strings."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Factor):
        return {
            "name": value.name,
            "value": jsonable(value.value),
            "source": value.source,
            "why": value.why,
            "params": jsonable(dict(value.params)),
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(jsonable(key)): jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    raise TypeError(f"cannot express {type(value).__name__} as JSON")
