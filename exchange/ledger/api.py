"""The contract ledger: entries, their proofs, and verification of the whole log."""

from __future__ import annotations

from typing import Any

from exchange.http.api import BEARER, Blueprint
from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.http.openapi import JSON_OBJECT, body_as
from exchange.ledger import events as ledger
from exchange.ledger.extension import chain_of
from exchange.ledger.schemas import (
    LedgerEntryDetailSchema,
    LedgerEntrySchema,
    LedgerQuerySchema,
    LedgerReportSchema,
)

blp = Blueprint("api_ledger", __name__, url_prefix="/api/v1/ledger", description="Contract ledger")


@blp.route("/entries", methods=["GET"])
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200, LedgerEntrySchema(many=True))
@blp.doc(security=BEARER)
def list_entries(query: dict[str, Any]) -> Any:
    """Entries newest first: regulators and operators see all, parties their own."""
    return ledger.list_entries(uow(), bearer_actor(), **query)


@blp.route("/entries/<int:seq>", methods=["GET"])
@blp.response(200, LedgerEntryDetailSchema)
@blp.doc(security=BEARER)
def get_entry(seq: int) -> Any:
    """One entry with its inclusion proof and anchor state."""
    return ledger.entry_detail(uow(), bearer_actor(), seq)


@blp.route("/entries/<int:seq>/proof", methods=["GET"])
@blp.response(200)
@body_as(blp, ["application/json"], "A proof bundle (format ganshu-ledger-proof/1).", JSON_OBJECT)
@blp.doc(security=BEARER)
def get_proof(seq: int) -> Any:
    """A self-contained proof bundle: check it with `python -m contracts.verify BUNDLE.json`."""
    return ledger.proof_bundle(uow(), bearer_actor(), seq)


@blp.route("/verification", methods=["POST"])
@blp.response(200, LedgerReportSchema)
@blp.doc(security=BEARER)
def verify() -> Any:
    """Recompute the whole ledger and check it against the chain (regulators and operators)."""
    actor = bearer_actor()
    ledger.require_supervisor(actor)  # before the chain is opened on a stranger's behalf
    return ledger.verify_ledger(uow(), actor, chain_of())
