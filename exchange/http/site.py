"""The home page, the language switch and the health check."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from exchange.accounts import users as accounts
from exchange.catalog import browse as catalog
from exchange.catalog.extension import catalog_cache
from exchange.http.context import uow
from exchange.ledger.extension import chain_of
from exchange.ledger.health import check_health

bp = Blueprint("main", __name__)


def _rewritten_by_browsers(text: str) -> bool:
    """Control characters and spaces are dropped and a backslash read as a slash."""
    return any(ch == "\\" or unicodedata.category(ch)[0] in "CZ" for ch in text)


def is_local_path(target: str) -> bool:
    """True when a browser can only read the target as a path on this site.

    Browsers drop tabs and newlines inside URLs, read a backslash as a slash and fold
    full-width characters, and proxies may decode percent-escapes again: so a target is local
    only if none of those readings of its path, even after decoding up to three times, gives
    an address with a scheme or a host."""
    if _rewritten_by_browsers(target):
        return False
    reading = target
    for _ in range(4):
        path = unicodedata.normalize("NFKC", re.split(r"[?#]", reading, maxsplit=1)[0])
        if _rewritten_by_browsers(path) or not path.startswith("/") or path.startswith("//"):
            return False
        parts = urlsplit(path)
        if parts.scheme or parts.netloc:
            return False
        reading = unquote(reading)
    return True


def safe_next(default: str = "/") -> str:
    """A local path to return to; anything that could point elsewhere falls back to the default."""
    target = request.values.get("next", "")
    return target if is_local_path(target) else default


@bp.route("/")
def home() -> str:
    """The front page: a search box, the boards with their counts and the newest listings."""
    newest = catalog.browse(
        uow(), catalog.CatalogQuery(sort="newest", per_page=6, facets=()), catalog_cache()
    )
    return render_template("home.html", boards=catalog.list_boards(uow()), newest=newest)


@bp.route("/language", methods=["POST"])
def switch_language() -> Response:
    """Switch between Chinese and English, remembered in the session and on the account."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.update_profile(uow(), current_user.actor, {"locale": locale})
    return redirect(safe_next())


@bp.route("/healthz")
def healthz() -> tuple[Any, int]:
    """Liveness and readiness: the database and the chain."""
    try:
        chain = chain_of()
    except Exception:  # noqa: BLE001 - a chain that cannot even be built is reported as down
        current_app.logger.exception("healthz: the chain could not be opened")
        chain = None
    report = check_health(
        uow().session,
        chain,
        kind=current_app.config["CHAIN"],
        stale_seconds=current_app.config["ANCHOR_STALE_SECONDS"],
    )
    return jsonify(report), 200 if report["ready"] else 503
