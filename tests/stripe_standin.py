"""A small, faithful stand-in for the Stripe API, served over HTTP on a free local port.

It answers what the exchange calls (create and retrieve PaymentIntents, create Refunds) the way
Stripe does: form-encoded parameters with `metadata[key]` nesting, a bearer secret key, required
parameters checked, errors as {"error": {...}} with Stripe's types, and Idempotency-Key honoured
(the same key with the same parameters replays the first answer; with different ones it is a 400
idempotency_error). Every request is kept so tests can assert what was sent.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_ganshu_standin"


@dataclass
class Seen:
    """One request as the stand-in received it."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


@dataclass
class StripeStandIn:
    """The stand-in's state: objects by id, idempotent answers by key, requests in order."""

    secret_key: str = SECRET_KEY
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    _idempotent: dict[str, tuple[str, dict[str, Any], int, dict[str, Any]]] = field(
        default_factory=dict
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:
            response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        params = parse_form(request.get_data(as_text=True)) if request.method == "POST" else {}
        self.requests.append(Seen(request.method, request.path, dict(request.headers), params))
        if request.headers.get("Authorization") != f"Bearer {self.secret_key}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            signature = f"{request.method} {request.path}"
            if key in self._idempotent:
                first_signature, first_params, status, body = self._idempotent[key]
                if first_signature != signature or first_params != params:
                    return _error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                response = _json(status, body)
                response.headers["Idempotent-Replayed"] = "true"
                return response
            status, body = self._route(request, params)
            if status < 500:
                self._idempotent[key] = (signature, params, status, body)
            return _json(status, body)
        return _json(*self._route(request, params))

    def _route(self, request: Request, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and parts == ["v1", "payment_intents"]:
            return self._create_intent(params)
        if request.method == "GET" and parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
            intent = self.intents.get(parts[2])
            if intent is None:
                return _missing("payment_intent", parts[2])
            return 200, intent
        if request.method == "POST" and parts == ["v1", "refunds"]:
            return self._create_refund(params)
        return 404, _error_body(
            "invalid_request_error", f"Unrecognized request URL ({request.path})."
        )

    def _create_intent(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for name in ("amount", "currency"):
            if name not in params:
                return 400, _missing_param(name)
        if not str(params["amount"]).isdigit() or int(params["amount"]) < 1:
            return 400, _error_body("invalid_request_error", "Invalid positive integer", "amount")
        intent_id = "pi_" + secrets.token_hex(12)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "currency": params["currency"],
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "created": int(time.time()),
            "livemode": False,
            "latest_charge": None,
        }
        self.intents[intent_id] = intent
        return 200, intent

    def _create_refund(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if "payment_intent" not in params and "charge" not in params:
            return 400, _missing_param("payment_intent")
        if intent is None:
            return _missing("payment_intent", params.get("payment_intent", ""))
        if intent["status"] != "succeeded":
            return 400, _error_body(
                "invalid_request_error",
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
            )
        amount = int(params.get("amount", intent["amount_received"]))
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        if amount < 1 or refunded + amount > intent["amount_received"]:
            return 400, _error_body("invalid_request_error", "Refund amount is invalid.", "amount")
        refund = {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "reason": params.get("reason"),
            "metadata": params.get("metadata", {}),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def succeed(self, intent_id: str) -> dict[str, Any]:
        """The buyer paid: the PaymentIntent succeeds with a charge, as its event will carry it."""
        intent = self.intents[intent_id]
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge="ch_" + secrets.token_hex(12),
        )
        return dict(intent)

    def charge_of(self, intent_id: str) -> dict[str, Any]:
        """The intent's charge as a `charge.refunded` event carries it."""
        intent = self.intents[intent_id]
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent_id
        )
        return {
            "id": intent["latest_charge"],
            "object": "charge",
            "amount": intent["amount_received"],
            "amount_refunded": refunded,
            "refunded": refunded == intent["amount_received"],
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "metadata": {},
        }

    def seen(self, method: str, path: str) -> list[Seen]:
        """The requests made to one endpoint."""
        return [r for r in self.requests if r.method == method and r.path == path]


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding: `a=1&metadata[k]=v&items[0][x]=y` into nested dicts."""
    parsed: dict[str, Any] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        keys = name.replace("]", "").split("[")
        target = parsed
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return parsed


def _error_body(kind: str, message: str, param: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if param:
        error["param"] = param
    return {"error": error}


def _missing_param(name: str) -> dict[str, Any]:
    body = _error_body("invalid_request_error", f"Missing required param: {name}.", name)
    body["error"]["code"] = "parameter_missing"
    return body


def _missing(kind: str, object_id: str) -> tuple[int, dict[str, Any]]:
    body = _error_body("invalid_request_error", f"No such {kind}: '{object_id}'", "id")
    body["error"]["code"] = "resource_missing"
    return 404, body


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, kind: str, message: str) -> Response:
    return _json(status, _error_body(kind, message))


@contextmanager
def stripe_standin() -> Iterator[StripeStandIn]:
    """Serve a fresh stand-in on a free port for the block; its address is `.url`."""
    standin = StripeStandIn()
    server = make_server("127.0.0.1", 0, standin, threaded=True)
    standin.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
