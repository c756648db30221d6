"""Every number any input schema reads (API bodies and queries, page forms) is bounded to what
its column can hold: ids past PostgreSQL's integer, amounts past the money columns and numbers
past the decimal context reached the database or the arithmetic and gave 500s."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from marshmallow import ValidationError, fields

import exchange
from exchange.http.schemas import BaseSchema

WHOLE = (2**31, -(2**31) - 1, 2**63, -(2**63), 10**30)
FRACTIONAL = (10**13, 10**30, "1e26", "1e309", "-1e309", "9" * 40 + ".5")


def input_schemas() -> Iterator[type[BaseSchema]]:
    """Every schema that reads input, from every module of the API and the pages."""
    for module in pkgutil.walk_packages(exchange.__path__, "exchange."):
        importlib.import_module(module.name)
    pending = [BaseSchema]
    while pending:
        schema = pending.pop()
        pending.extend(schema.__subclasses__())
        if schema is not BaseSchema:
            yield schema


def number_fields(schema: BaseSchema) -> Iterator[tuple[str, fields.Field, bool]]:
    """(key in the input, the number field, whether it sits inside a list)."""
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if isinstance(field, fields.List) and isinstance(field.inner, fields.Number):
            yield key, field.inner, True
        elif isinstance(field, fields.Number):
            yield key, field, False


def test_the_schemas_are_found():
    found = {schema.__name__ for schema in input_schemas()}
    assert {"TermsSchema", "CostInputSchema", "CatalogQuerySchema"} <= found
    assert len(found) > 30


@pytest.mark.parametrize(
    "schema_class",
    sorted(input_schemas(), key=lambda s: s.__qualname__),
    ids=lambda s: s.__qualname__,
)
def test_every_number_field_refuses_what_no_column_holds(schema_class):
    schema = schema_class()
    for key, field, listed in number_fields(schema):
        for value in WHOLE if isinstance(field, fields.Integer) else FRACTIONAL:
            data = {key: [value] if listed else value}
            with pytest.raises(ValidationError) as refused:
                schema.load(data, partial=True)
            assert key in refused.value.messages, (schema_class.__name__, key, value)
