"""The full-text index lives beside the models: dialect-specific objects made by migration 0009."""

from __future__ import annotations

from typing import Any

# FTS5's virtual table and its shadow tables and triggers (SQLite); the tsvector column and its
# GIN index (PostgreSQL). Schema comparison and test resets leave these to their backends.
SEARCH_INDEX_PREFIXES = ("product_search", "search_vector", "ix_data_products_search_vector")


def is_search_index(name: str | None) -> bool:
    """True for a database object that belongs to the full-text index, not to a model."""
    return bool(name) and str(name).startswith(SEARCH_INDEX_PREFIXES)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: compare the models with the database, minus the full-text index."""
    return not (reflected and compare_to is None and is_search_index(name))
