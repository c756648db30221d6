"""What the buyer's console, the vendor's approval queue, the regulator's dossier and the result
downloads read of computation licences: never a row of the data, only the schema, the masked
sample, the policy and the released results."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.catalog.models import DataProduct
from exchange.catalog.product_page import VersionDetail, version_detail
from exchange.compute.domain import ColumnUse, ComputePolicy, QueryStatus
from exchange.compute.models import ComputeLicence, ComputeQuery
from exchange.compute.policies import from_json, latest_version
from exchange.compute.sandbox import BuyerTable
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, NotFound
from exchange.kernel.i18n import N_
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role

RECENT = 20


class Reason(TypedDict):
    """Why a query was refused, declined or failed: a message id and its parameters."""

    message: str
    params: dict[str, Any]


class QueryView(TypedDict):
    """A query as its buyer, its vendor and the regulators see it."""

    id: int
    contract_id: int
    status: str
    text: str
    refusal: str | None
    reason: Reason | None
    policy_version: int
    columns: list[str] | None
    rows: list[list[Any]] | None
    epsilon_spent: float
    result_hash: str | None
    ledger_seq: int | None
    decision_reason: str | None
    created_at: datetime
    ran_at: datetime | None


class LicensedColumn(TypedDict):
    """A column the buyer may use, its type and how."""

    name: str
    type: str
    use: str


class BuyerTableView(TypedDict):
    """What the console shows of the buyer's table: its columns and how many rows."""

    columns: list[str]
    types: list[str]
    rows: int


class Console(TypedDict):
    """The buyer's query console: the licence's terms, what is left, examples, recent runs."""

    contract_id: int
    product_id: int
    title_zh: str
    title_en: str
    policy_version: int
    columns: list[LicensedColumn]
    min_group_size: int
    max_rows: int
    needs_approval: bool
    protection: str
    queries_left: int
    query_quota: int
    epsilon_budget: float | None
    epsilon_left: float | None
    epsilon_per_query: float | None
    examples: list[str]
    sample: VersionDetail | None
    allow_join: bool
    buyer_table: BuyerTableView | None
    queries: list[QueryView]


def _reason(stored: str | None) -> Reason | None:
    if not stored:
        return None
    found = json.loads(stored)
    return Reason(message=str(found["message"]), params=dict(found.get("params") or {}))


def query_view(session: Session, query: ComputeQuery, *, with_result: bool = True) -> QueryView:
    """A query as plain data; without its result rows for a reader who may not see them."""
    shown = with_result or not query.joins_mine
    return QueryView(
        id=query.id,
        contract_id=query.contract_id,
        status=QueryStatus(query.status).value,
        text=query.text,
        refusal=query.refusal,
        reason=_reason(query.detail),
        policy_version=query.policy_version,
        columns=query.columns if shown else None,
        rows=query.rows if shown else None,
        epsilon_spent=query.epsilon_spent,
        result_hash=query.result_hash,
        ledger_seq=query.ledger_seq,
        decision_reason=query.decision_reason,
        created_at=query.created_at,
        ran_at=query.ran_at,
    )


def licence_of(session: Session, contract_id: int) -> ComputeLicence | None:
    """The computation licence a contract gave, if any."""
    return session.scalar(select(ComputeLicence).where(ComputeLicence.contract_id == contract_id))


def view(table: BuyerTable | None) -> BuyerTableView | None:
    """The table's shape, never its rows."""
    if table is None:
        return None
    return BuyerTableView(
        columns=[f["name"] for f in table["fields"]],
        types=[f["type"] for f in table["fields"]],
        rows=len(table["rows"]),
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def examples(policy: ComputePolicy) -> list[str]:
    """Queries the policy accepts, built from its own columns, to start the buyer off."""
    keys = [rule.name for rule in policy.columns if rule.use is ColumnUse.GROUP]
    measures = [rule for rule in policy.columns if rule.use is not ColumnUse.HIDDEN]
    bounded = [rule.name for rule in measures if rule.lower is not None]
    found = ["SELECT COUNT(*) AS n FROM data"]
    if keys:
        key = _quoted(keys[0])
        found.append(f"SELECT {key}, COUNT(*) AS n FROM data GROUP BY {key} ORDER BY {key}")
    if keys and (bounded or (measures and not policy.epsilon_budget)):
        key = _quoted(keys[0])
        value = _quoted(bounded[0] if bounded else measures[-1].name)
        found.append(
            f"SELECT {key}, AVG({value}) AS average, SUM({value}) AS total FROM data GROUP BY {key}"
        )
    return found


def _recent(session: Session, licence_id: int) -> list[QueryView]:
    rows = session.scalars(
        select(ComputeQuery)
        .where(ComputeQuery.licence_id == licence_id)
        .order_by(ComputeQuery.id.desc())
        .limit(RECENT)
    )
    return [query_view(session, row) for row in rows]


def console(uow: UnitOfWork, actor: Actor, contract_id: int) -> Console:
    """The buyer's console for a computation contract (its buying organisation only)."""
    session = uow.session
    licence = licence_of(session, contract_id)
    if licence is None or not actor.is_member(licence.buyer_id):
        raise NotFound()
    policy = from_json(licence.policy)
    product = require_found(session.get(DataProduct, licence.product_id))
    version = latest_version(session, licence.product_id)
    types = {
        str(f["name"]): str(f.get("type", "string")) for f in (version.fields if version else [])
    }
    budget = licence.epsilon_budget
    return Console(
        contract_id=contract_id,
        product_id=product.id,
        title_zh=product.title_zh,
        title_en=product.title_en,
        policy_version=licence.policy_version,
        columns=[
            LicensedColumn(name=rule.name, type=types.get(rule.name, "string"), use=rule.use.value)
            for rule in policy.columns
            if rule.use is not ColumnUse.HIDDEN
        ],
        min_group_size=policy.min_group_size,
        max_rows=policy.max_rows,
        needs_approval=policy.needs_approval,
        protection=policy.protection.value,
        queries_left=licence.query_quota - licence.queries_used,
        query_quota=licence.query_quota,
        epsilon_budget=budget,
        epsilon_left=None if budget is None else max(0.0, budget - licence.epsilon_spent),
        epsilon_per_query=policy.epsilon_per_query,
        examples=examples(policy),
        sample=version_detail(version) if version else None,
        allow_join=policy.allow_join,
        buyer_table=view(cast(BuyerTable | None, licence.buyer_table)),
        queries=_recent(session, licence.id),
    )


def _may_read(actor: Actor, licence: ComputeLicence) -> bool:
    return (
        actor.is_member(licence.buyer_id)
        or actor.is_member(licence.vendor_id)
        or actor.has_role(Role.REGULATOR)
    )


def _sees_mine(actor: Actor, licence: ComputeLicence) -> bool:
    """Results keyed by the buyer's own table are the buyer's: its vendor sees the query, not
    them (the regulators see everything)."""
    return actor.is_member(licence.buyer_id) or actor.has_role(Role.REGULATOR)


def get_query(uow: UnitOfWork, actor: Actor, query_id: int) -> QueryView:
    """One query, for its buyer, its vendor and the regulators; 404 to anyone else."""
    session = uow.session
    query = session.get(ComputeQuery, query_id)
    licence = session.get(ComputeLicence, query.licence_id) if query else None
    if query is None or licence is None or not _may_read(actor, licence):
        raise NotFound()
    return query_view(session, query, with_result=_sees_mine(actor, licence))


def contract_queries(
    session: Session, contract_id: int, *, with_result: bool = True
) -> list[QueryView]:
    """Every query under a contract, oldest first: what the regulator's dossier lists."""
    rows = session.scalars(
        select(ComputeQuery)
        .where(ComputeQuery.contract_id == contract_id)
        .order_by(ComputeQuery.id)
    )
    return [query_view(session, row, with_result=with_result) for row in rows]


def list_queries(uow: UnitOfWork, actor: Actor, contract_id: int) -> list[QueryView]:
    """A contract's queries, newest first, for its buyer, its vendor and the regulators."""
    session = uow.session
    licence = licence_of(session, contract_id)
    if licence is None or not _may_read(actor, licence):
        raise NotFound()
    found = contract_queries(session, contract_id, with_result=_sees_mine(actor, licence))
    return list(reversed(found))


class PendingQuery(QueryView):
    """A query waiting for its vendor, with the product it runs over."""

    product_id: int
    title_zh: str
    title_en: str


def approvals(uow: UnitOfWork, actor: Actor) -> list[PendingQuery]:
    """The queries waiting for the approval of the actor's vendor organisations, oldest first."""
    session = uow.session
    vendors = [m.organisation_id for m in actor.memberships if Role.VENDOR in m.roles]
    rows = session.execute(
        select(ComputeQuery, DataProduct.id, DataProduct.title_zh, DataProduct.title_en)
        .join(ComputeLicence, ComputeLicence.id == ComputeQuery.licence_id)
        .join(DataProduct, DataProduct.id == ComputeLicence.product_id)
        .where(ComputeLicence.vendor_id.in_(vendors), ComputeQuery.status == QueryStatus.PENDING)
        .order_by(ComputeQuery.id)
        .limit(200)
    )
    return [
        PendingQuery(
            **query_view(session, row[0], with_result=False),
            product_id=row[1],
            title_zh=row[2],
            title_en=row[3],
        )
        for row in rows
    ]


def result_file(uow: UnitOfWork, actor: Actor, query_id: int, fmt: str) -> tuple[str, bytes]:
    """A run's released result as CSV or JSON: its file name and bytes."""
    query = get_query(uow, actor, query_id)
    if query["status"] != QueryStatus.DONE or query["columns"] is None:  # or not the reader's
        raise Conflict(N_("This query has no result to download."))
    columns, rows = query["columns"], query["rows"] or []
    if fmt == "json":
        body = json.dumps(
            {"columns": columns, "rows": rows, "result_hash": query["result_hash"]},
            ensure_ascii=False,
        )
        return f"query-{query_id}.json", body.encode()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return f"query-{query_id}.csv", out.getvalue().encode("utf-8-sig")
