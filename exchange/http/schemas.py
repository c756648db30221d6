"""What every schema shares: bounded text, e-mail and choice fields, numbers bounded to what their
columns hold, and the BaseSchema that refuses unknown fields."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

Member = TypeVar("Member", bound=Enum)


class Text(fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def text(max_length: int, *, required: bool = True, **kwargs: Any) -> Text:
    """A text field with the exchange's translated length message."""
    length = validate.Length(
        min=1 if required else 0,
        max=max_length,
        error=_l("Enter between {min} and {max} characters."),
    )
    if not required:
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
    return Text(required=required, validate=length, **kwargs)


def email(**kwargs: Any) -> fields.Email:
    """An email address, at most 254 characters."""
    return fields.Email(
        validate=validate.Length(max=254, error=_l("Enter at most {max} characters.")), **kwargs
    )


class Choice(fields.Enum[Member]):
    """An enumeration field whose translated (lazy) message still gets its choices filled in."""

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        # marshmallow formats only plain str messages; lazy_gettext gives a LazyString.
        message = self.error_messages.get(key)
        if message is not None and not isinstance(message, str | bytes):
            return ValidationError(str(message).format(**kwargs))
        return super().make_error(key, **kwargs)


def choice(enum_type: type[Member], **kwargs: Any) -> fields.Enum[Member]:
    """One value of an enumeration, by value, with a translated message."""
    return Choice(
        enum_type,
        by_value=True,
        error_messages={"unknown": _l("Choose one of: {choices}.")},
        **kwargs,
    )


# What every number from outside must fit unless its field says tighter: ids and counts fit
# PostgreSQL's integer (every id column), amounts fit the exchange's money columns (14 digits,
# 2 after the point). Past these, a value overflowed the database or the decimal context: a 500.
INTEGER_RANGE = validate.Range(
    min=-(2**31), max=2**31 - 1, error=_l("Enter a number from {min} to {max}.")
)
DECIMAL_RANGE = validate.Range(
    min=Decimal("-999999999999.99"),
    max=Decimal("999999999999.99"),
    error=_l("Enter a number from {min} to {max}."),
)
FLOAT_RANGE = validate.Range(min=-1e12, max=1e12, error=_l("Enter a number from {min} to {max}."))


def bound_numbers(field: fields.Field[Any]) -> None:
    """Give a number field (or the numbers inside a list or tuple field) the storable range,
    unless it already carries a range of its own."""
    if isinstance(field, fields.List):
        bound_numbers(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            bound_numbers(inner)
    elif isinstance(field, fields.Number) and not any(
        isinstance(check, validate.Range) for check in field.validators
    ):
        if isinstance(field, fields.Decimal):
            field.validators.append(DECIMAL_RANGE)
        elif isinstance(field, fields.Integer):
            field.validators.append(INTEGER_RANGE)
        else:
            field.validators.append(FLOAT_RANGE)


class BaseSchema(Schema):
    """Every schema that reads input: unknown fields refused, every number storable."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        """Bound each number field as it is bound to the schema."""
        bound_numbers(field_obj)
