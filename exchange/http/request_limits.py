"""Bounds every request meets before a view reads it: who must be known, how large, how deep.

The order is the point: a route that needs a bearer token answers 401 before its body is read
or validated (a stranger learns nothing from a 422 and cannot make the exchange parse hundreds of
megabytes), and a JSON body is capped in size, checked to be UTF-8 and measured for depth before
any parser sees it.
"""

from __future__ import annotations

from typing import Any, TypedDict

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

from exchange.delivery.api_keys import API_KEY_PREFIX
from exchange.http.auth import bearer_actor
from exchange.http.uploads import MULTIPART_OVERHEAD
from exchange.http.url_rules import IdOutOfRange, within_range
from exchange.kernel import json_depth
from exchange.kernel.errors import ExchangeError, NotAuthenticated
from exchange.kernel.i18n import N_

BEARER_SCHEME = "bearerAuth"
API_KEY_SCHEME = "dataApiKey"


class MalformedBody(ExchangeError):
    """The body cannot be read as what its Content-Type says."""

    status = 400
    code = "malformed-body"
    title = N_("The request body cannot be read")


def init_request_limits(app: Flask) -> None:
    """Authenticate token routes, then bound JSON bodies, before any view or CSRF check runs."""

    @app.before_request
    def _bound_request() -> None:
        if request.routing_exception is not None:
            # No such route, or an id past every column (its 404 stands, after a token route's
            # 401 as for any id that names nothing): nothing will read the body.
            if isinstance(request.routing_exception, IdOutOfRange):
                addressed = _addressed_view()
                if requires_bearer(addressed):
                    bearer_actor()
                if requires_api_key(addressed) and not _api_key_given():
                    raise NotAuthenticated(N_("This API key is not valid."))
            return
        view = current_app.view_functions.get(request.endpoint or "")
        if view is not None and requires_bearer(view):
            bearer_actor()
        if view is not None and requires_api_key(view) and not _api_key_given():
            raise NotAuthenticated(N_("This API key is not valid."))
        if request.is_json:
            _check_json_body(current_app.config["JSON_MAX_BYTES"])


def requires_bearer(view: Any) -> bool:
    """Whether an API view's documented security demands a token (not merely accepts one)."""
    security = getattr(view, "_apidoc", {}).get("manual_doc", {}).get("security")
    if not security:
        return False
    # OpenAPI: the alternatives are OR-ed; an empty one ({}) means anonymous is allowed too.
    return all(BEARER_SCHEME in requirement for requirement in security)


def requires_api_key(view: Any) -> bool:
    """Whether an API view's documented security is the data API's key."""
    security = getattr(view, "_apidoc", {}).get("manual_doc", {}).get("security")
    return bool(security) and all(API_KEY_SCHEME in requirement for requirement in security)


def _api_key_given() -> bool:
    """A data-API key in its header, at least in shape: the view checks that it is live."""
    key = request.headers.get("X-Api-Key", "")
    return key.startswith(API_KEY_PREFIX) and len(key) < 100


def _addressed_view() -> Any:
    """The view a path with an out-of-range id was addressed to, if any route matches it."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match(within_range(request.path), method=request.method)
    except HTTPException:
        return None
    return current_app.view_functions.get(str(endpoint))


def _check_json_body(max_bytes: int) -> None:
    """A JSON body is small, UTF-8 and shallow, or the request ends here with a 4xx."""
    limit = request.max_content_length
    request.max_content_length = max_bytes if limit is None else min(limit, max_bytes)
    raw = request.get_data(cache=True)  # 413 past the cap; cached for the view's parser
    if not raw:
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody(N_("A JSON body must be UTF-8 text.")) from None
    if json_depth.too_deep(text):
        raise MalformedBody(
            N_("The JSON is nested deeper than %(limit)s levels"), limit=json_depth.MAX_DEPTH
        )


def largest_body(app: Flask) -> int:
    """The largest body any route accepts (a signed-in member's data file)."""
    config = app.config
    largest = max(
        config["MAX_CONTENT_LENGTH"],
        config["UPLOAD_MAX_BYTES"] + MULTIPART_OVERHEAD,
        config["OVERSIGHT_LEAK_MAX_BYTES"] + MULTIPART_OVERHEAD,
        config["RIGHTS_DOCUMENT_MAX_BYTES"] + MULTIPART_OVERHEAD,
    )
    return int(largest)


class WaitressOptions(TypedDict):
    """The waitress adjustments `demo serve` passes."""

    threads: int
    max_request_body_size: int


def waitress_options(app: Flask) -> WaitressOptions:
    """How `demo serve` runs waitress: it buffers a whole body before the app sees a request
    (its default ceiling is 1 GB), so its ceiling is the exchange's largest body; servers that
    stream (gunicorn) let the checks above refuse a stranger before the body is read at all."""
    return {"threads": 8, "max_request_body_size": largest_body(app)}
