"""What the OpenAPI document says beyond what flask-smorest derives from the views: every error
is RFC 9457 problem+json, decimals travel as strings, and who may call each operation."""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from apispec import APISpec, BasePlugin
from marshmallow import Schema, fields

from exchange.http.idempotency import HEADER as IDEMPOTENCY_HEADER
from exchange.http.idempotency import MAX_KEY_LENGTH, accepts_key

PROBLEM = "application/problem+json"
View = TypeVar("View", bound=Callable[..., Any])
# What marshmallow's Decimal(as_string=True) writes: format(value, "f"), never an exponent.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DECIMAL_STRING = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}


class ProblemSchema(Schema):
    """An RFC 9457 problem, as exchange.http.problems writes it (documentation only)."""

    type = fields.String(
        required=True,
        metadata={"description": "urn:ganshu:problem:<code>, or about:blank"},
    )
    title = fields.String(required=True, metadata={"description": "in the caller's language"})
    status = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    detail = fields.String(required=True)
    instance = fields.String(required=True, metadata={"description": "the request's path"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "messages by field ('a.b' for nested fields)"},
    )


def problem_content() -> dict[str, Any]:
    """The content of every error response."""
    return {PROBLEM: {"schema": "Problem"}}


def decimal_as_string(
    converter: Any, field: fields.Field[Any], ret: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """An apispec attribute function: a Decimal dumped as a string is documented as one
    (apispec calls every Decimal a number, whatever it dumps)."""
    if not (isinstance(field, fields.Decimal) and field.as_string):
        return {}
    for numeric in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        ret.pop(numeric, None)
    return dict(DECIMAL_STRING)


def is_error(status: int | str) -> bool:
    """Whether a response key of an operation documents an error."""
    return str(status) == "default" or (str(status).isdigit() and int(status) >= 400)


def register_error_responses(spec: APISpec, default_name: str) -> None:
    """The named responses flask-smorest refers to (UNPROCESSABLE_ENTITY, DEFAULT_ERROR...),
    each a problem."""
    for status in http.HTTPStatus:
        response: dict[str, Any] = {"description": status.phrase}
        if status >= 400:
            response["content"] = problem_content()
        spec.components.response(status.name, response, lazy=True)
    spec.components.response(
        default_name,
        {"description": "Any other refusal, as a problem", "content": problem_content()},
        lazy=True,
    )


class ProblemPlugin(BasePlugin):
    """Every error response of every operation is a problem, and every operation that needs a
    bearer token documents the 401 it answers without one."""

    def init_spec(self, spec: APISpec) -> None:
        spec.components.schema("Problem", schema=ProblemSchema)

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if isinstance(response, dict) and is_error(status):
                    response["content"] = problem_content()
            security = operation.get("security")
            if security and all("bearerAuth" in requirement for requirement in security):
                responses.setdefault(401, "UNAUTHORIZED")
        for method, operation in (operations or {}).items():
            if isinstance(operation, dict) and accepts_key(method, operation.get("security")):
                document_idempotency_key(operation)


def document_idempotency_key(operation: dict[str, Any]) -> None:
    """The Idempotency-Key header every state-changing call with a token accepts, and the
    refusals it brings (exchange.http.idempotency)."""
    parameters = operation.setdefault("parameters", [])
    if any(isinstance(p, dict) and p.get("name") == IDEMPOTENCY_HEADER for p in parameters):
        return  # the operation documents its own (payments)
    parameters.append(
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
            "description": "Send the same key again to retry safely: the first answer comes "
            "back (marked Idempotent-Replayed: true) and nothing is done twice; a key reused "
            "for a different request is a 422, one whose first request is still running a 409.",
        }
    )
    responses = operation.setdefault("responses", {})
    responses.setdefault(409, "CONFLICT")
    responses.setdefault(422, "UNPROCESSABLE_ENTITY")


# Documentation-only schemas of bodies that are not marshmallow-dumped.
JSON_OBJECT = {"type": "object"}
ANY_JSON: dict[str, Any] = {}
BINARY = {"type": "string", "format": "binary"}


def body_as(
    blp: Any, media_types: Iterable[str], description: str, json: dict[str, Any] = ANY_JSON
) -> Callable[[View], View]:
    """Document the 200 body a view writes itself (a file, a bundle) in each media type it may
    have, JSON by the given schema and anything else as bytes: flask-smorest documents only
    what a schema dumps."""

    def decorate(view: View) -> View:
        for media_type in sorted({media.split(";")[0].strip() for media in media_types}):
            view = blp.alt_response(
                200,
                schema=json if media_type.endswith("json") else BINARY,
                content_type=media_type,
                description=description,
                success=True,
            )(view)
        return view

    return decorate
