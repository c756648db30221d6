"""Declarative base with a constraint naming convention and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Enum, Integer, MetaData, Numeric
from sqlalchemy.orm import DeclarativeBase, registry

from contracts.schema import NAMING_CONVENTION, UTCDateTime

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


# Money: up to a trillion yuan, to the fen.
Money = Numeric(14, 2)


def enum_column(enum_type: type, name: str) -> Enum:
    """An enum stored as its values in a checked VARCHAR(16): the same on SQLite and PostgreSQL."""
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


def utcnow() -> datetime:
    """The current time in UTC, the only clock the models use."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )
