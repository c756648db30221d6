"""The regulators' portal: the market dashboard (charts with their tables, the review queue, the
ledger check), the trade browser with its exports, and one trade's dossier with a check of its
proofs. Alerts and leak tracing are in views/alerts.py. Supervisors only: the services say who
may read, and audit every view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext
from flask_login import login_required
from marshmallow import RAISE, Schema, ValidationError, fields

from exchange.catalog import browse as catalog
from exchange.catalog.views.public import thousands, yuan
from exchange.http import charts
from exchange.http.attachments import content_disposition
from exchange.http.context import uow, web_actor
from exchange.http.i18n import current_language, translate
from exchange.http.problems import flatten_errors
from exchange.kernel.errors import ExchangeError, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.ledger.extension import chain_or_none
from exchange.oversight import dashboard as oversight_dashboard
from exchange.oversight import dossier as trade_dossier
from exchange.oversight import trades as trade_browser
from exchange.oversight.dashboard import MarketDashboard, Period
from exchange.oversight.export import export_trades
from exchange.oversight.trade_query import DEFAULT_SORT, TradeQuery
from exchange.oversight.trades import require_reader
from exchange.oversight.views import alerts as oversight_alerts
from exchange.trading.contracts import add_months
from exchange.trading.domain import ContractStatus
from exchange.trading.extension import signing_domain

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


class _Counted(Protocol):
    """A row of any dashboard series: its trades and their value."""

    @property
    def trades(self) -> int: ...
    @property
    def value(self) -> Decimal: ...


# A series: its id, title and table heading, then each row's label, figures and trade filter.
_Series = tuple[str, str, str, list[tuple[str, _Counted, Mapping[str, object]]]]
bp.register_blueprint(oversight_alerts.bp)

TRADED = ",".join(oversight_dashboard.TRADED)
SORTABLE = {"date": N_("Date"), "amount": N_("Price"), "vendor": N_("Vendor"), "buyer": N_("Buyer")}
# What each kind of ledger entry of a trade is called; unknown ones show their code.
ENTRY_TYPES = {
    "trade.negotiation": N_("Negotiation agreed"),
    "trade.contract": N_("Contract"),
    "trade.signature": N_("Signature"),
    "trade.payment": N_("Payment into escrow"),
    "trade.delivery": N_("Delivery"),
    "trade.acceptance": N_("Delivery accepted"),
    "trade.dispute": N_("Dispute"),
    "trade.settlement": N_("Settlement"),
    "trade.refund": N_("Refund"),
    "trade.api_usage": N_("Data API usage (one day)"),
    "rights.grant": N_("Licence granted"),
    "rights.transfer": N_("Rights transferred"),
}
PROOF_STEPS = {
    "leaf": N_("Entry hashes to its leaf"),
    "inclusion": N_("Leaf is in the tree"),
    "checkpoint": N_("Tree is in an anchored checkpoint"),
    "consistency": N_("Tree is consistent with the anchored one"),
    "chain": N_("Chain answers"),
    "contract": N_("Anchor contract found"),
    "transaction": N_("Anchoring transaction found"),
    "root": N_("Root on chain matches"),
}
ACCOUNT_KINDS = {
    "buyer": N_("Buyer funds"),
    "escrow": N_("Escrow"),
    "vendor_payable": N_("Payable to the vendor"),
    "fee_revenue": N_("Exchange fee"),
}
JOURNAL_KINDS = {"payment": N_("Payment"), "release": N_("Release"), "refund": N_("Refund")}


class PeriodSchema(Schema):
    """The dashboard's period: two UTC days, either left out for the default."""

    class Meta:
        unknown = RAISE

    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)


def messages(error: ExchangeError) -> dict[str, list[str]]:
    """A domain error's messages by field, translated; its detail under '_schema' when it
    names no field."""
    found = {
        field: [translate(m, **error.params) for m in msgs] for field, msgs in error.errors.items()
    }
    return found or {"_schema": [translate(error.detail, **error.params)]}


def _filled(args: Any) -> dict[str, list[str]]:
    """The query string without the fields left blank in a filter form."""
    return {k: [v for v in vs if v.strip()] for k, vs in args.lists() if any(v.strip() for v in vs)}


def _name(row: Any) -> str:
    """A board's or an organisation's name in the reader's language."""
    chinese = current_language() == "zh_CN"
    return str(row.name_zh if chinese else row.name_en or row.name_zh)


# The dashboard


@bp.get("")
@login_required
def home() -> tuple[str, int]:
    """The portal's home: the market over a period as charts and tables, what waits for review,
    and the way to every other oversight page."""
    actor = web_actor()
    require_reader(actor)  # refused before the query string is even read
    values = {k: vs[0] for k, vs in _filled(request.args).items()}
    try:
        period = PeriodSchema().load(values)
        board = oversight_dashboard.market_dashboard(uow(), actor, **period)
    except ValidationError as error:
        return _home_page(values, None, flatten_errors(error.messages)), 400
    except ValidationFailed as error:
        return _home_page(values, None, messages(error)), 400
    return _home_page(values, board, {}), 200


def _home_page(values: dict[str, str], board: MarketDashboard | None, errors: Any) -> str:
    return render_template(
        "oversight/home.html",
        values=values,
        errors=errors,
        board=board,
        figures=_figures(board) if board else [],
        traded=TRADED,
        form_detail=gettext("Some fields are not valid") if errors else None,
    )


def _figures(board: MarketDashboard) -> list[dict[str, Any]]:
    """Each series as a chart and the table that follows it; each row links to its trades in
    the trade browser (the same days and the statuses the dashboard counts as traded)."""
    period = board.period
    scope = {
        "date_from": period.date_from.isoformat(),
        "date_to": period.date_to.isoformat(),
        "status": TRADED,
    }
    series: list[_Series] = [
        (
            "by-month",
            gettext("Traded value by month"),
            gettext("Month"),
            [(m.key, m, _month_days(m.month, period)) for m in board.by_month],
        ),
        (
            "by-board",
            gettext("Traded value by industry board"),
            gettext("Industry board"),
            [(_name(b), b, {"board": b.code}) for b in board.by_board],
        ),
        (
            "by-region",
            gettext("Traded value by region the data covers"),
            gettext("Region"),
            [(translate(r.label), r, {"region": r.region}) for r in board.by_region],
        ),
        (
            "top-vendors",
            gettext("Top vendors by traded value"),
            gettext("Vendor"),
            [(_name(p), p, {"vendor": p.organisation_id}) for p in board.top_vendors],
        ),
        (
            "top-buyers",
            gettext("Top buyers by traded value"),
            gettext("Buyer"),
            [(_name(p), p, {"buyer": p.organisation_id}) for p in board.top_buyers],
        ),
        (
            "by-grade",
            gettext("Traded value by classification grade"),
            gettext("Classification grade"),
            [(translate(g.label), g, {"grade": g.grade.value}) for g in board.by_grade],
        ),
    ]
    empty = gettext("Nothing traded in this period.")
    figures = []
    for name, title, heading, rows in series:
        draw = charts.line_chart if name == "by-month" else charts.bar_chart
        points = [(label, row.value) for label, row, _ in rows]
        svg = draw(points, chart_id=f"chart-{name}", title=title, fmt=yuan, empty_text=empty)
        figures.append(
            {
                "id": name,
                "title": title,
                "heading": heading,
                "svg": svg,
                "rows": [
                    {
                        "label": label,
                        "trades": thousands(row.trades),
                        "value": yuan(row.value),
                        # products naming no region have no filter of their own
                        "filter": None if None in narrow.values() else {**scope, **narrow},
                    }
                    for label, row, narrow in rows
                ],
            }
        )
    return figures


def _month_days(first: date, period: Period) -> dict[str, str]:
    """The days of one month inside the period, as the trade browser's date filter."""
    last = add_months(first, 1) - timedelta(days=1)
    start, end = max(first, period.date_from), min(last, period.date_to)
    return {"date_from": start.isoformat(), "date_to": end.isoformat()}


# The trade browser


@bp.get("/trades")
@login_required
def trades() -> tuple[str, int]:
    """Every trade, filtered, sorted and paged; a bad filter is named in place (400)."""
    actor = web_actor()
    require_reader(actor)
    try:
        query = TradeQuery.parse(request.args)
        found = trade_browser.list_trades(
            uow(), actor, query.filters, sort=query.sort, page=query.page, per_page=query.per_page
        )
    except ValidationFailed as error:
        return _trades_page(None, messages(error)), 400
    return _trades_page(found, {}), 200


def _trades_page(found: trade_browser.TradePage | None, errors: dict[str, list[str]]) -> str:
    args = _filled(request.args)
    chosen = {
        key: {v.strip() for vs in values for v in vs.split(",")} for key, values in args.items()
    }
    return render_template(
        "oversight/trades.html",
        found=found,
        errors=errors,
        args=args,
        chosen=chosen,
        values={key: values[0] for key, values in args.items()},
        boards=catalog.list_boards(uow()),
        statuses=list(ContractStatus),
        sortable=SORTABLE,
        sort=found["sort"] if found else request.args.get("sort", DEFAULT_SORT),
        pages=-(-found["total"] // found["per_page"]) if found else 0,
        form_detail=gettext("Some filters are not valid") if errors else None,
    )


@bp.get("/trades/export.<fmt>")
@login_required
def export(fmt: str) -> Any:
    """Every trade the filters match as CSV or XLSX, headed in the reader's language."""
    actor = web_actor()
    require_reader(actor)
    try:
        query = TradeQuery.parse(request.args)
        made = export_trades(
            uow(),
            actor,
            query.filters,
            sort=query.sort,
            fmt=fmt,
            language=current_language(),
            translate=gettext,
        )
    except ValidationFailed as error:
        return _trades_page(None, messages(error)), 400
    response = Response(made.content, mimetype=made.media_type)
    response.headers["Content-Disposition"] = content_disposition(made.filename)
    return response


# One trade


@bp.get("/trades/<int:contract_id>")
@login_required
def trade(contract_id: int) -> str:
    """Everything about one trade, its ledger entries linked to their proofs."""
    return _trade_page(contract_id, None)


@bp.post("/trades/<int:contract_id>/proofs")
@login_required
def check_proofs(contract_id: int) -> str:
    """Check each of the trade's ledger entries against the tree and the chain."""
    actor = web_actor()
    require_reader(actor)  # before the chain is opened on a stranger's behalf
    report = trade_dossier.check_trade_proofs(uow(), actor, contract_id, chain_or_none())
    return _trade_page(contract_id, report)


def _trade_page(contract_id: int, report: trade_dossier.TradeProofs | None) -> str:
    actor = web_actor()
    require_reader(actor)
    dossier = trade_dossier.trade_dossier(uow(), actor, contract_id, domain=signing_domain())
    band = dossier["contract"]["valuation_band"]
    price = dossier["contract"]["price"]
    return render_template(
        "oversight/trade.html",
        d=dossier,
        c=dossier["contract"],
        report=report,
        within_band=band and Decimal(band["floor"]) <= price <= Decimal(band["ceiling"]),
        entry_types=ENTRY_TYPES,
        proof_steps=PROOF_STEPS,
        account_kinds=ACCOUNT_KINDS,
        journal_kinds=JOURNAL_KINDS,
    )
