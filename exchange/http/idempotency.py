"""The Idempotency-Key header on every state-changing API call made with a bearer token: the
same key again answers with the first answer (marked Idempotent-Replayed), a key reused for a
different request is a 422, and a duplicate sent while the first runs is a 409."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from exchange.http.auth import bearer_actor
from exchange.http.context import uow
from exchange.http.request_limits import BEARER_SCHEME
from exchange.kernel import idempotency
from exchange.kernel.errors import ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.idempotency import IdempotentRequest, KeptAnswer

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Payments keep their own records, in the payment's transaction (exchange.trading.payment_start).
OWN_KEYS = frozenset({"api_payments.start_payment"})


def init_idempotency(app: Flask) -> None:
    """Replay or claim before the view (after the token and body checks), keep after it."""
    app.before_request(_replay_or_claim)
    app.after_request(_keep_answer)


def accepts_key(method: str, security: Any) -> bool:
    """Whether an operation takes the header: it changes state and is called with a token."""
    return method.upper() in STATE_CHANGING and any(
        BEARER_SCHEME in requirement for requirement in security or ()
    )


def _applies() -> bool:
    if request.routing_exception is not None or HEADER not in request.headers:
        return False
    if request.endpoint in OWN_KEYS or not request.headers.get("Authorization", "").strip():
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    security = getattr(view, "_apidoc", {}).get("manual_doc", {}).get("security")
    return accepts_key(request.method, security)


def _key() -> str:
    key = request.headers[HEADER].strip()
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed.on(
            HEADER, N_("Enter between %(min)s and %(max)s characters."), min=1, max=MAX_KEY_LENGTH
        )
    return key


def _request_hash() -> str:
    """What makes two requests the same: method, path, query, content type and body."""
    digest = hashlib.sha256()
    for part in (request.method, request.full_path, request.mimetype):
        digest.update(part.encode() + b"\0")
    if request.mimetype == "multipart/form-data":  # files are spooled: hash them, not memory
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}".encode() + b"\0")
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"{name}:{upload.filename}".encode() + b"\0")
            for chunk in iter(lambda: upload.stream.read(1 << 20), b""):  # noqa: B023
                digest.update(chunk)
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay_or_claim() -> Response | None:
    if not _applies():
        return None
    key = _key()
    actor = bearer_actor()
    claimed = IdempotentRequest(
        user_id=actor.user_id,
        key=key,
        method=request.method,
        path=request.path,
        request_hash=_request_hash(),
    )
    kept = idempotency.claim(uow(), claimed)
    if kept is not None:
        return _replayed(kept)
    g.idempotent_request = claimed
    return None


def _replayed(kept: KeptAnswer) -> Response:
    response = current_app.response_class(kept.body, status=kept.status)
    if kept.content_type:
        response.headers["Content-Type"] = kept.content_type
    response.headers[REPLAYED] = "true"
    return response


def _keep_answer(response: Response) -> Response:
    claimed: IdempotentRequest | None = g.pop("idempotent_request", None)
    if claimed is None:
        return response
    try:
        if 200 <= response.status_code < 300 and not response.direct_passthrough:
            answer = KeptAnswer(
                response.status_code, response.content_type, response.get_data(as_text=True)
            )
            idempotency.keep(uow(), claimed, answer)
        elif response.status_code < 500:
            idempotency.release(uow(), claimed)
        # A 5xx leaves the claim as the view's commit left it: kept only if its change was.
    except SQLAlchemyError:
        current_app.logger.warning(
            "Could not keep the answer to Idempotency-Key %r on %s %s",
            claimed.key,
            request.method,
            request.path,
            exc_info=True,
        )
    return response
