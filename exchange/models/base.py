"""Declarative base with a constraint naming convention and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from contracts.schema import NAMING_CONVENTION, UTCDateTime

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time in UTC, the only clock the models use."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )
