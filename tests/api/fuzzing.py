"""The standing fuzz of the API (issue 17): schemathesis makes requests to every operation of
/api/openapi.json, first its coverage phase (each parameter's and field's boundary values and
the ways to break it, deterministic) and then generated valid and invalid ones, and the app
must answer each without a 5xx, every refusal as problem+json, every answer as the document
says, and credentials needed exactly where the document's security says. Every operation that
reads JSON also gets the bodies no generator makes: nested 100,000 deep, and not UTF-8.

The fuzz runs in-process over the WSGI app (no server) on SQLite only: it checks the API layer
and its document, which do not depend on the backend, and PostgreSQL would double its two
minutes; the defects that do depend on it (ids past a column's range, numeric overflow) have
their own tests on both backends. Each test_fuzz_* module fuzzes as one role on a world of its
own, so pytest-xdist's loadscope spreads the roles over the workers and no role's writes (a
delisted product, a withdrawn negotiation) change what another sees. Every run makes the same
requests (derandomised), so a failure in CI is a failure on every machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from exchange.accounts.models import ApiToken
from exchange.app import create_app
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from tests.api.helpers import PROBLEM, english_client
from tests.catalog import Person, person
from tests.databases import TemplateDatabase
from tests.oversight import agreed, pay
from tests.payments import WEBHOOK_SECRET, stripe_signature
from tests.trading import market, propose

# Generated requests per operation and role, after its ~50 coverage cases: with five roles and
# ~87 operations, about 100 s of one core in all (a generated request costs ~25 ms, generation
# included; a coverage case ~3 ms).
MAX_EXAMPLES = 25
# Ids the world's rows have: most generated cases aim their integer path parameters here, or
# nearly every one would be a 404.
KNOWN_IDS = st.integers(min_value=1, max_value=3)
REVOKE = "DELETE /api/v1/auth/tokens/{token_id}"
WEBHOOK = "POST /api/v1/payments/stripe/webhook"
# Bodies no generator makes: nested as deep as the one that once crashed the process (a
# segfault, issue 17), and not UTF-8. Every operation reading JSON must refuse both with a 4xx.
HOSTILE_BODIES = {
    "nested 100,000 levels deep": b"[" * 100_000 + b"]" * 100_000,
    "not UTF-8": b'{"name": "\xff\xfe\xfd"}',
}
# Numbers past what any column, float or decimal context holds (the price_min=1e26, a
# cost of 1e309, ids of 2^63). Every field or query parameter taking a number or a decimal
# string must refuse each with a 4xx, whatever the other fields hold.
ABSURD: dict[str, list[Any]] = {
    "decimal": ["1e26", "1e309", "-1e309", "9" * 40 + ".5"],
    "integer": [2**63, -(2**63) - 1, 10**30],
    "number": [1e308, -1e308, 10**30],
}
# Failures kept per operation: one is enough to reproduce, a few show whether they differ.
KEPT = 3


@dataclass(frozen=True)
class World:
    """The app and one person per role: the vendor's listed, certified product with a version
    and an offer, a paid contract and an open negotiation between vendor and buyer."""

    app: Flask
    people: dict[str, Person]
    token_ids: dict[str, int]

    def headers(self, role: str) -> dict[str, str]:
        """The role's bearer header; none for the anonymous visitor."""
        return {} if role == "anonymous" else dict(self.people[role].headers)

    def spares(self, role: str, case: Any) -> bool:
        """Whether the case leaves the role's token alone: revoking it would leave the rest of
        the run a 401."""
        revoked = (case.path_parameters or {}).get("token_id")
        return case.operation.label != REVOKE or str(revoked) != str(self.token_ids.get(role))


def build_world(app: Flask) -> World:
    """Something at the small ids the fuzz aims at, for every role to read or act on."""
    found = market(app, english_client(app))
    regulator = person(app, [Role.REGULATOR])
    pay(app, found, agreed(app, found))
    propose(app, found.buyer, found.offer_id)
    people = {
        "vendor": found.vendor,
        "buyer": found.buyer,
        "operator": found.operator,
        "regulator": regulator,
    }
    with app.app_context():
        token_ids = {
            role: db.session.scalars(
                select(ApiToken.id).where(ApiToken.user_id == someone.user_id)
            ).one()
            for role, someone in people.items()
        }
        db.session.remove()
    return World(app, people, token_ids)


def world_on(database: TemplateDatabase, folder: Path) -> Iterator[World]:
    """A world on a fresh copy of the migrated template, released when done."""
    url = database.fresh(folder / "database")
    app = create_app(
        {
            "MODE": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,  # the webhook checks signatures, not 503s
        }
    )
    try:
        yield build_world(app)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        database.release(url)


def load_schema(app: Flask) -> Any:
    """The app's OpenAPI document as schemathesis reads it; credentials are the role's own,
    never generated."""
    config = SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)


# What every answer must pass


def problem_for_every_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every refusal is an RFC 9457 problem naming its own status, whatever the document says
    (response_schema_conformance holds it to the document's Problem schema)."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith(PROBLEM), f"{response.status_code} as {content_type!r}"
    body = json.loads(response.content)
    assert body.get("status") == response.status_code, body
    return None


def credentials_where_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """Credentials are needed exactly where the document's security says: without any, an
    operation that requires them answers 401, and one that does not answers 401 only where it
    documents one (wrong password); with a valid token, no bearer operation answers 401. An
    invalid path may match no route at all, so it says nothing about the operation's."""
    raw = case.operation.definition.raw
    security = raw.get("security") or []
    required = bool(security) and all(security)  # an empty alternative ({}) means "or none"
    status = response.status_code
    if case.method.upper() != case.operation.method.upper():
        return None  # the coverage phase's unexpected methods: 405, whoever asks
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return None
    if not any(name.lower() == "authorization" for name in case.headers or {}):
        if required:
            assert status == 401, f"{status} without credentials; documented {security}"
        elif "401" not in raw.get("responses", {}):
            assert status != 401, "401 without credentials, on an open operation"
    elif required and all("bearerAuth" in requirement for requirement in security):
        assert status != 401, "401 with a valid bearer token"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_for_every_error,
    credentials_where_documented,
]


# The fuzz


def operation_cases(operation: Any, headers: dict[str, str]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests to one operation, most of them at the world's ids."""
    fixed = headers or None
    ids = [
        parameter.name
        for parameter in operation.path_parameters
        if parameter.definition.get("schema", {}).get("type") == "integer"
    ]
    aimed = bool(ids) and operation.label != REVOKE
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        anywhere = operation.as_strategy(mode, headers=fixed)
        if aimed:

            def at(known: dict[str, int], mode: GenerationMode = mode) -> Any:
                return operation.as_strategy(mode, headers=fixed, path_parameters=known)

            at_known = st.fixed_dictionaries({name: KNOWN_IDS for name in ids}).flatmap(at)
            strategies += [at_known, at_known, anywhere]
        else:
            strategies.append(anywhere)
    return st.one_of(strategies)


def send(case: Any) -> None:
    """Make the case's request and hold the answer to every check. A Stripe event carrying a
    Stripe-Signature is signed for real over the body as sent, so the webhook's handling of
    signed but malformed events is fuzzed, not only its refusal of bad signatures."""
    extra: dict[str, Any] = {}
    if case.operation.label == WEBHOOK and "Stripe-Signature" in (case.headers or {}):
        body = case.body
        if isinstance(body, NotSet):
            body = b""
        extra["data"] = body if isinstance(body, bytes) else json.dumps(body).encode()
        case.headers = {**case.headers, "Stripe-Signature": stripe_signature(extra["data"])}
    case.call_and_validate(checks=CHECKS, **extra)


def coverage_cases(schema: Any, operation: Any, headers: dict[str, str]) -> Iterator[Any]:
    """Schemathesis's coverage phase: for every parameter and field, its boundary values and
    the ways to break it (missing, wrong type, out of range, too long), and unexpected
    methods; deterministic, and far cheaper per case than generation."""
    config = schema.config.generation_for(operation=operation, phase="coverage")
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    for case in schema.iter_coverage_cases(
        operation, generation_modes=modes, generation_config=config
    ):
        if headers:
            case.headers = {**(case.headers or {}), **headers}
        yield case


def hostile_bodies(world: World, operation: Any, headers: dict[str, str]) -> list[str]:
    """Each hostile body sent to an operation that reads JSON, at the world's first ids: what
    was not refused with a 4xx problem."""
    content = (operation.definition.raw.get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return []
    path = re.sub(r"\{[^}]+\}", "1", operation.path)
    client = world.app.test_client()
    found = []
    for name, body in HOSTILE_BODIES.items():
        response = client.open(
            path,
            method=operation.method.upper(),
            data=body,
            content_type="application/json",
            headers=headers,
        )
        if not (400 <= response.status_code < 500 and response.mimetype == PROBLEM):
            found.append(
                f"- a body {name}: {response.status_code} {response.mimetype}\n"
                f"    {operation.method.upper()} {path}; {response.get_data(as_text=True)[:300]}"
            )
    return found


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed, and the object of a nullable anyOf/allOf."""
    for key in ("anyOf", "allOf", "oneOf"):
        if key in schema:
            schema = next((s for s in schema[key] if "$ref" in s or "properties" in s), schema)
    if "$ref" in schema:
        return resolved(document, document["components"]["schemas"][schema["$ref"].split("/")[-1]])
    return schema


def number_kind(schema: dict[str, Any]) -> str | None:
    """decimal, integer, number, or None for a schema that takes no number."""
    if schema.get("format") == "decimal":
        return "decimal"
    kind = schema.get("type")
    return kind if kind in ("integer", "number") else None


def number_fields(
    document: dict[str, Any], schema: dict[str, Any], at: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(where, kind) of every number a body schema takes, in nested objects and lists too."""
    schema = resolved(document, schema)
    if schema.get("type") == "array":
        yield from number_fields(document, schema.get("items", {}), (*at, 0))
        return
    kind = number_kind(schema)
    if kind and at:
        yield at, kind
    for name, field in schema.get("properties", {}).items():
        if not field.get("readOnly"):
            yield from number_fields(document, field, (*at, name))


def placed(where: tuple[str | int, ...], value: Any) -> Any:
    """A body holding only the value, at that place."""
    for key in reversed(where):
        value = [value] if isinstance(key, int) else {key: value}
    return value


def absurd_numbers(
    world: World, document: dict[str, Any], operation: Any, headers: dict[str, str]
) -> list[str]:
    """Each absurd number in each number field and query parameter of the operation, at the
    world's first ids: what was not refused with a 4xx problem."""
    raw = operation.definition.raw
    path = re.sub(r"\{[^}]+\}", "1", operation.path)
    requests: list[dict[str, Any]] = []
    for parameter in raw.get("parameters", []):
        kind = number_kind(parameter.get("schema", {}))
        if parameter.get("in") == "query" and kind:
            name = parameter["name"]
            requests += [{"query_string": {name: str(value)}} for value in ABSURD[kind]]
    content = (raw.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        for where, kind in number_fields(document, content["application/json"]["schema"]):
            body = [placed(where, value) for value in ABSURD[kind]]
            requests += [{"data": json.dumps(b), "content_type": "application/json"} for b in body]
    client = world.app.test_client()
    found = []
    for request in requests:
        method = operation.method.upper()
        signed = dict(headers)
        if operation.label == WEBHOOK:
            signed["Stripe-Signature"] = stripe_signature(request["data"].encode())
        response = client.open(path, method=method, headers=signed, **request)
        if not (400 <= response.status_code < 500 and response.mimetype == PROBLEM):
            sent = request.get("query_string") or request.get("data")
            found.append(
                f"- an absurd number: {response.status_code} {response.mimetype}\n"
                f"    {method} {path} {sent}; {response.get_data(as_text=True)[:300]}"
            )
    return found[:KEPT]


def fuzz(world: World, role: str, *, max_examples: int = MAX_EXAMPLES) -> list[str]:
    """Fuzz every operation of the document as the role: hostile bodies, absurd numbers, its
    coverage cases, then generated ones; each operation's failures, with the requests that
    reproduce them."""
    schema = load_schema(world.app)
    document = schema.raw_schema
    headers = world.headers(role)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        found = hostile_bodies(world, operation, headers)
        found += absurd_numbers(world, document, operation, headers)
        for case in coverage_cases(schema, operation, headers):
            if len(found) < KEPT and world.spares(role, case):
                try:
                    send(case)
                except FailureGroup as error:
                    found.append(str(error))

        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate, Phase.shrink],
        )
        @given(case=operation_cases(operation, headers))
        def run(case: Any) -> None:
            if world.spares(role, case):
                send(case)

        try:
            run()
        except (Exception, FailureGroup) as error:  # every operation's failures are reported
            found.append(described(error))
        if found:
            failures.append(f"{operation.label}:\n" + "\n".join(found))
    return failures


def described(error: BaseException) -> str:
    """Each failure Hypothesis found, with the request that reproduces it."""
    if isinstance(error, BaseExceptionGroup) and not isinstance(error, FailureGroup):
        return "\n".join(described(found) for found in error.exceptions)
    return str(error)
