"""The buyer's own table, which a computation licence may let queries join as `mine`: a small
CSV the buyer uploads, read with bounds (bytes, rows, columns) and typed column by column."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from sqlalchemy import select

from exchange.compute.domain import QueryStatus
from exchange.compute.models import ComputeQuery
from exchange.compute.policies import from_json
from exchange.compute.queries import buyer_licence
from exchange.compute.reading import BuyerTableView, view
from exchange.compute.sandbox import BuyerTable
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.errors import Conflict, PayloadTooLarge, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.unit_of_work import UnitOfWork

MAX_BYTES = 2 * 1024 * 1024 - 64 * 1024  # inside the 2 MiB every request but uploads keeps
MAX_ROWS = 100_000
MAX_COLUMNS = 50
MAX_NAME = 100


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed.on(
                "file", N_("The table must be a CSV in UTF-8 or GB18030.")
            ) from None


# What each type looks like in the CSV, written as DuckDB reads it (Python alone would also take
# 1_000 as an integer and 20240105 as a date, which DuckDB would turn into nothing).
SHAPES = (
    ("integer", re.compile(r"-?\d{1,18}")),
    ("decimal", re.compile(r"-?\d{1,18}(\.\d{1,18})?")),
    ("date", re.compile(r"\d{4}-\d{2}-\d{2}")),
)


def _kind(values: list[str]) -> str:
    """The narrowest type every non-blank value of a column reads as."""
    filled = [v for v in values if v != ""]
    if not filled:
        return "string"
    for kind, shape in SHAPES:
        if all(shape.fullmatch(value) for value in filled):
            if kind == "date" and not all(_is_date(value) for value in filled):
                continue
            return kind
    return "string"


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_buyer_csv(content: bytes) -> BuyerTable:
    """The uploaded CSV as a typed table; 413 or 422 with the reason when it does not fit."""
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(N_("Your table may be at most 2 MB."))
    text = _text(content)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise ValidationFailed.on("file", N_("The file is not a readable CSV table.")) from None
    records = [row for row in records if any(cell.strip() for cell in row)]
    if len(records) < 2:
        raise ValidationFailed.on("file", N_("The table needs a header row and at least one row."))
    header = [name.strip() for name in records[0]]
    if len(header) > MAX_COLUMNS or len(records) - 1 > MAX_ROWS:
        raise ValidationFailed.on(
            "file", N_("Your table may have at most 50 columns and 100,000 rows.")
        )
    distinct = {name.casefold() for name in header}  # DuckDB's names ignore case
    if any(not name or len(name) > MAX_NAME for name in header) or len(distinct) < len(header):
        raise ValidationFailed.on(
            "file", N_("Name every column of your table, once, in at most 100 characters.")
        )
    width = len(header)
    rows = [[cell.strip() for cell in (row + [""] * width)[:width]] for row in records[1:]]
    kinds = [_kind([row[i] for row in rows]) for i in range(width)]
    return BuyerTable(
        fields=[{"name": name, "type": kind} for name, kind in zip(header, kinds, strict=True)],
        rows=[[cell if cell != "" else None for cell in row] for row in rows],
    )


class TableInUse(Conflict):
    code = "table-in-use"
    title = N_("A query joining your table waits for approval or runs; change it afterwards")


class JoinNotAllowed(Conflict):
    code = "join-not-allowed"
    title = N_("This licence does not let queries join a table of yours")


def set_buyer_table(
    uow: UnitOfWork, actor: Actor, contract_id: int, content: bytes
) -> BuyerTableView:
    """The buyer uploads (or replaces) the table its queries may join, where the policy allows."""
    session = uow.session
    licence = buyer_licence(session, actor, contract_id)
    if not from_json(licence.policy).allow_join:
        raise JoinNotAllowed()
    waiting = session.scalar(
        select(ComputeQuery.id).where(
            ComputeQuery.licence_id == licence.id,
            ComputeQuery.status.in_([QueryStatus.PENDING, QueryStatus.RUNNING]),
            ComputeQuery.joins_mine.is_(True),
        )
    )
    if waiting is not None:  # the vendor approves a query as it reads against this table
        raise TableInUse()
    table = read_buyer_csv(content)
    licence.buyer_table = dict(table)
    audit.record(
        session,
        "compute.buyer_table_set",
        actor=actor,
        organisation_id=licence.buyer_id,
        subject=str(contract_id),
        rows=len(table["rows"]),
    )
    uow.commit()
    shape = view(table)
    assert shape is not None
    return shape
