"""Anonymous visitors' catalog pages, kept for a few seconds: the catalog's busiest pages.

A page is cached only for a GET by someone not signed in with no message waiting, keyed by its
path and query and the visitor's language. The one per-visitor thing such a page holds, the
CSRF token of the language switch, is swapped for a marker when stored and for the visitor's
own token when served.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from exchange.http.i18n import current_language
from exchange.kernel.caching import TtlCache

CACHED_ENDPOINTS = frozenset({"main.home", "catalog.index"})
TOKEN_MARKER = "\x00csrf\x00"


def _key() -> tuple[str, str] | None:
    """The cache key of this request, or None when its page must not be shared."""
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if current_user.is_authenticated or session.get("_flashes"):
        return None
    return request.full_path, current_language()


def init_page_cache(app: Flask) -> None:
    """Serve and store anonymous catalog pages around the views."""
    pages: TtlCache[tuple[str, int, str]] = TtlCache(app.config["PAGE_CACHE_SECONDS"])
    app.extensions["page_cache"] = pages

    @app.before_request
    def _serve_cached() -> Response | None:
        key = _key() if pages.seconds > 0 else None
        hit = pages.get(key) if key else None
        if hit is None:
            return None
        body, status, mimetype = hit
        response = current_app.response_class(
            body.replace(TOKEN_MARKER, generate_csrf()), status=status, mimetype=mimetype
        )
        response.headers["X-Page-Cache"] = "hit"
        return response

    @app.after_request
    def _store(response: Response) -> Response:
        if response.headers.get("X-Page-Cache") == "hit":
            return response  # after_request runs for the cached response too
        key = _key() if pages.seconds > 0 else None
        if key and response.status_code == 200 and not response.direct_passthrough:
            body = response.get_data(as_text=True)
            token = g.get("csrf_token")
            pages.put(
                key,
                (
                    body.replace(token, TOKEN_MARKER) if token else body,
                    200,
                    response.mimetype or "text/html",
                ),
            )
            response.headers["X-Page-Cache"] = "miss"
        return response
