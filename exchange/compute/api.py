"""The computation API: a product's query policy (its vendor), a buyer's console and queries,
the released results, and the vendor's queue of queries awaiting approval."""

from __future__ import annotations

from typing import Any

from flask import Response

from exchange.compute import buyer_tables, policies, queries, reading
from exchange.compute.domain import ComputePolicy
from exchange.compute.extension import query_runner
from exchange.compute.schemas import (
    BuyerTableSchema,
    ConsoleSchema,
    PendingQuerySchema,
    PolicyInputSchema,
    PolicySchema,
    QueryDecisionSchema,
    QueryInputSchema,
    QuerySchema,
    ResultArgsSchema,
)
from exchange.http.api import BEARER, Blueprint
from exchange.http.attachments import content_disposition
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.http.openapi import body_as
from exchange.http.uploads import received_upload
from exchange.trading.contract_lookup import trade_contract

blp = Blueprint("api_compute", __name__, url_prefix="/api/v1", description="Computation")
RESULT_TYPES = {"csv": "text/csv", "json": "application/json"}


@blp.route("/products/<int:product_id>/compute-policy", methods=["GET"])
@blp.response(200, PolicySchema)
@blp.doc(security=BEARER)
def read_policy(product_id: int) -> Any:
    """The product's query policy, for its vendor's vendors (defaults until one is saved)."""
    return policies.read_policy(uow(), bearer_actor(), product_id)


@blp.route("/products/<int:product_id>/compute-policy", methods=["PUT"])
@blp.arguments(PolicyInputSchema)
@blp.response(200, PolicySchema)
@blp.doc(security=BEARER)
def save_policy(policy: ComputePolicy, product_id: int) -> Any:
    """Save a new version of the policy; contracts already made keep the version they froze."""
    return policies.save_policy(uow(), bearer_actor(), product_id, policy)


@blp.route("/contracts/<int:contract_id>/compute", methods=["GET"])
@blp.response(200, ConsoleSchema)
@blp.doc(security=BEARER)
def console(contract_id: int) -> Any:
    """What the buyer may query: licensed columns, masked sample, examples, what is left."""
    return reading.console(uow(), bearer_actor(), contract_id)


@blp.route("/contracts/<int:contract_id>/compute/table", methods=["PUT"])
@blp.response(200, BuyerTableSchema)
@blp.doc(
    security=BEARER,
    description="multipart/form-data with a CSV of your own in `file` (at most 2 MB, "
    "50 columns, 100,000 rows); queries join it as `mine` where the licence allows.",
)
def upload_table(contract_id: int) -> Any:
    """Upload (or replace) the table of your own that queries may join."""
    content = received_upload().stream.read(buyer_tables.MAX_BYTES + 1)
    return buyer_tables.set_buyer_table(uow(), bearer_actor(), contract_id, content)


@blp.route("/contracts/<int:contract_id>/queries", methods=["POST"])
@blp.arguments(QueryInputSchema)
@blp.response(201, QuerySchema)
@blp.doc(security=BEARER)
def submit(data: dict[str, Any], contract_id: int) -> Any:
    """Check a query against the licence and run it (or queue it for the vendor's approval);
    a refusal is 422 `query-refused` naming the rule broken."""
    return queries.submit_query(
        uow(),
        bearer_actor(),
        contract_id,
        data["text"],
        runner=query_runner(),
        contracts=trade_contract,
    )


@blp.route("/contracts/<int:contract_id>/queries", methods=["GET"])
@blp.response(200, QuerySchema(many=True))
@blp.doc(security=BEARER)
def contract_queries(contract_id: int) -> Any:
    """The contract's queries, newest first (its buyer, its vendor, the regulators)."""
    return reading.list_queries(uow(), bearer_actor(), contract_id)


@blp.route("/queries/<int:query_id>", methods=["GET"])
@blp.response(200, QuerySchema)
@blp.doc(security=BEARER)
def get_query(query_id: int) -> Any:
    """One query with its released result or the reason it has none."""
    return reading.get_query(uow(), bearer_actor(), query_id)


@blp.route("/queries/<int:query_id>/result", methods=["GET"])
@blp.arguments(ResultArgsSchema, location="query")
@blp.response(200)
@body_as(blp, RESULT_TYPES.values(), "The released result, as an attachment.")
@blp.doc(security=BEARER)
def result(args: dict[str, Any], query_id: int) -> Response:
    """The released result as CSV or JSON."""
    name, content = reading.result_file(uow(), bearer_actor(), query_id, args["format"])
    response = Response(content, mimetype=RESULT_TYPES[args["format"]])
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/compute/approvals", methods=["GET"])
@blp.response(200, PendingQuerySchema(many=True))
@blp.doc(security=BEARER)
def approvals() -> Any:
    """The queries waiting for the approval of the caller's vendor organisations."""
    return reading.approvals(uow(), bearer_actor())


@blp.route("/queries/<int:query_id>/decision", methods=["POST"])
@blp.arguments(QueryDecisionSchema)
@blp.response(200, QuerySchema)
@blp.doc(security=BEARER)
def decide(data: dict[str, Any], query_id: int) -> Any:
    """The vendor approves a pending query (it runs now) or declines it."""
    return queries.decide_query(
        uow(),
        bearer_actor(),
        query_id,
        approve=data["approve"],
        reason=data.get("reason"),
        runner=query_runner(),
        contracts=trade_contract,
    )
