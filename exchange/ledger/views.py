"""The ledger pages: entries with their proofs and anchors, and whole-ledger verification."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext
from flask_login import login_required
from marshmallow import ValidationError, fields
from werkzeug.wrappers import Response

from exchange.accounts.names import PartyName, UnnamedParty, named, organisation_names
from exchange.http.attachments import content_disposition
from exchange.http.context import uow, web_actor
from exchange.http.problems import flatten_errors
from exchange.kernel.i18n import N_
from exchange.ledger import events as ledger
from exchange.ledger.extension import chain_of
from exchange.ledger.schemas import LedgerQuerySchema

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

# What each kind of entry is called on the page; unknown types show their code.
ENTRY_TYPES = {
    "organisation.verification_decided": N_("Organisation verification decided"),
}


class NamedEntry(ledger.ListedEntry):
    """An entry in the browser, its parties named by accounts (the ledger keeps only their ids)."""

    party_names: list[PartyName | UnnamedParty]


class NamedEntryDetail(ledger.EntryDetail):
    """One entry with its proof and anchor, its parties named by accounts."""

    party_names: list[PartyName | UnnamedParty]


class Day(fields.Date):
    """A calendar day (UTC) read as the instant it starts, or with end=True the next one starts."""

    def __init__(self, *, end: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.end = end

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        day: date = super()._deserialize(value, attr, data, **kwargs)
        return datetime.combine(day + timedelta(days=int(self.end)), time(), tzinfo=UTC)


class LedgerPageQuerySchema(LedgerQuerySchema):
    """The API's filters with whole days, `until` included, as a date picker gives them."""

    since = Day(load_default=None, allow_none=True)
    until = Day(end=True, load_default=None, allow_none=True)


def _filters() -> dict[str, str]:
    """The query string without the fields left blank in the filter form."""
    return {name: value for name, value in request.args.items() if value.strip()}


@bp.route("")
@login_required
def index() -> tuple[str, int]:
    """Entries newest first, filtered; supervisors see all, parties their own."""
    filters = _filters()
    try:
        query = LedgerPageQuerySchema().load(filters)
    except ValidationError as error:
        return _index_page(filters, [], flatten_errors(error.messages)), 422
    entries = ledger.list_entries(uow(), web_actor(), **query)
    names = organisation_names(uow(), (o for e in entries for o in e["parties"]))
    listed = [NamedEntry(**e, party_names=named(names, e["parties"])) for e in entries]
    return _index_page(filters, listed, {}, full_page=len(entries) == query["limit"]), 200


def _index_page(
    filters: dict[str, str],
    entries: list[NamedEntry],
    errors: dict[str, list[str]],
    *,
    full_page: bool = False,
) -> str:
    return render_template(
        "ledger/index.html",
        entries=entries,
        filters=filters,
        errors=errors,
        full_page=full_page,
        entry_types=ENTRY_TYPES,
        form_detail=gettext("Some fields are not valid") if errors else None,
    )


@bp.route("/<int:seq>")
@login_required
def entry(seq: int) -> str:
    """One entry with its inclusion proof and where it is anchored."""
    detail = ledger.entry_detail(uow(), web_actor(), seq)
    names = organisation_names(uow(), detail["parties"])
    return render_template(
        "ledger/entry.html",
        entry=NamedEntryDetail(**detail, party_names=named(names, detail["parties"])),
        entry_types=ENTRY_TYPES,
        bundle_name=bundle_name(seq),
    )


@bp.route("/<int:seq>/proof.json")
@login_required
def proof(seq: int) -> Response:
    """The entry's proof bundle as a file, to check with `python -m contracts.verify`."""
    bundle = ledger.proof_bundle(uow(), web_actor(), seq)
    response = jsonify(bundle)
    response.headers["Content-Disposition"] = content_disposition(bundle_name(seq))
    return response


def bundle_name(seq: int) -> str:
    """The file name a downloaded bundle is saved under."""
    return f"ganshu-ledger-entry-{seq}.json"


@bp.route("/verify", methods=["POST"])
@login_required
def verify() -> str:
    """Recompute the whole ledger and check its anchors (regulators and operators)."""
    actor = web_actor()
    ledger.require_supervisor(actor)  # before the chain is opened on a stranger's behalf
    report = ledger.verify_ledger(uow(), actor, chain_of())
    return render_template("ledger/verification.html", report=report)
