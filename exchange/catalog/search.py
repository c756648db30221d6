"""Full-text matching and ranking over the products' pre-segmented text, per backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, table, text
from sqlalchemy.orm import Session

from exchange.catalog.models import DataProduct
from exchange.catalog.search_terms import query_terms

# Titles count five times the summary, tags and the rest in the ranking.
TITLE_WEIGHT = 5.0


def apply_search(
    session: Session, statement: Select[tuple[DataProduct]], query: str
) -> tuple[Select[tuple[DataProduct]], ColumnElement[float] | None]:
    """Restrict the statement to products matching every term; return it with a rank to sort by.

    A query with no searchable term (only punctuation, say) matches nothing rather than all.
    """
    terms = query_terms(query)
    if not terms:
        return statement.where(text("1 = 0")), None
    if session.get_bind().dialect.name == "postgresql":
        tsquery = func.to_tsquery("simple", " & ".join(terms))
        vector: ColumnElement[Any] = literal_column("data_products.search_vector")
        rank = func.ts_rank(vector, tsquery)
        return statement.where(vector.op("@@")(tsquery)), rank
    fts = table("product_search", column("rowid"), column("product_search"))
    match = " AND ".join(f'"{term}"' for term in terms)
    statement = statement.join(fts, fts.c.rowid == DataProduct.id).where(
        fts.c.product_search.op("MATCH")(match)
    )
    # bm25() is lower for better matches; negate it so both backends sort descending.
    return statement, -func.bm25(literal_column("product_search"), TITLE_WEIGHT, 1.0)
