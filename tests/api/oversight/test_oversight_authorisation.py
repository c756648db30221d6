"""Who may use the regulators' API, proven through HTTP: each route against every role.

Regulators use all of it; operators, who run the exchange and already see every payment and the
ledger, read the dashboard, the trades, a trade's dossier and proofs, the ledger's verification
and their own review queue, but alerts and leaked copies are the regulators' alone. Vendors and
buyers are refused (403), a visitor without a token too (401). Each test is one row of the
matrix: the refusals first, on one target (each must write nothing — no audit event, alert,
note or ledger entry — and be a problem of its status), then each allowed role.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.helpers import MATRIX_ROLES, PROBLEM_TYPES, RolePeople, matrix_answers
from tests.delivery import copper_prices
from tests.oversight import agreed, audit_actions, oversight_state, raised_alert
from tests.trading import Market, listed_offer

ROLES = MATRIX_ROLES
URL = "/api/v1/oversight"


class World(RolePeople):
    """The people of the matrix, and a contract or an alert for the routes that need one."""

    def target(self, stage: str) -> Any:
        """The id the route's path needs: a contract agreed between the vendor and the buyer,
        or an open alert raised by the detectors."""
        if stage == "alert":
            return raised_alert(self.app, self.client)
        assert stage == "contract"
        product_id, offer_id = listed_offer(self.app, self.client, self.vendor, self.operator)
        found = Market(self.vendor, self.buyer, self.operator, product_id, offer_id)
        return agreed(self.app, found)


@pytest.fixture
def world(app, client) -> World:
    return World(app, client)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {target} stands for what the stage gives
    stage: str | None  # None when the route needs nothing made first
    expected: dict[str, int]  # role -> status
    json: Callable[[Any], Any] | None = None  # the JSON body, given the target
    files: bool = False  # a suspect file, as multipart/form-data
    reads: bool = False  # the roles allowed may share one target
    audited: bool = True  # an allowed call is an audit event naming its reader


def answers(allowed: dict[str, int]) -> dict[str, int]:
    """Each role's status: the allowed ones; 403 for the others, 401 for the visitor."""
    return {role: allowed.get(role, 401 if role == "anonymous" else 403) for role in ROLES}


SUPERVISORS = answers({"operator": 200, "regulator": 200})
REGULATORS = answers({"regulator": 200})

ENDPOINTS = {
    "dashboard": Endpoint("GET", "/dashboard", None, SUPERVISORS, reads=True),
    "list trades": Endpoint("GET", "/trades?status=settled", None, SUPERVISORS, reads=True),
    "export trades": Endpoint("GET", "/trades/export?format=xlsx", None, SUPERVISORS, reads=True),
    "read a trade": Endpoint("GET", "/trades/{target}", "contract", SUPERVISORS, reads=True),
    "check a trade's proofs": Endpoint(
        "POST", "/trades/{target}/verification", "contract", SUPERVISORS, reads=True
    ),
    "verify the ledger": Endpoint("POST", "/verification", None, SUPERVISORS, reads=True),
    # Operators are answered with their own queue (submitted listings): the service allows it.
    "review queue": Endpoint("GET", "/review-queue", None, SUPERVISORS, reads=True, audited=False),
    "list alerts": Endpoint("GET", "/alerts?status=open", None, REGULATORS, reads=True),
    "read an alert": Endpoint("GET", "/alerts/{target}", "alert", REGULATORS, reads=True),
    "acknowledge an alert": Endpoint("POST", "/alerts/{target}/acknowledge", "alert", REGULATORS),
    "close an alert": Endpoint("POST", "/alerts/{target}/close", "alert", REGULATORS),
    "note an alert": Endpoint(
        "POST",
        "/alerts/{target}/notes",
        "alert",
        answers({"regulator": 201}),
        json=lambda _: {"body": "已要求买方说明用途。"},
    ),
    "trace a leak": Endpoint("POST", "/leaks", None, REGULATORS, files=True, reads=True),
}


def call(world: World, endpoint: Endpoint, role: str, target: Any) -> Any:
    path = URL + endpoint.path.format(target=target)
    options: dict[str, Any] = {"headers": world.headers(role)}
    if endpoint.json:
        options["json"] = endpoint.json(target)
    if endpoint.files:
        options["data"] = {"file": (io.BytesIO(copper_prices()), "copper.csv")}
        options["content_type"] = "multipart/form-data"
    return world.client.open(path, method=endpoint.method, **options)


@pytest.mark.parametrize("name", list(ENDPOINTS), ids=[n.replace(" ", "_") for n in ENDPOINTS])
def test_each_role_gets_the_expected_answer_and_refusals_write_nothing(app, world, name):
    endpoint = ENDPOINTS[name]
    got, wrote, malformed = matrix_answers(
        world, endpoint, call, lambda: oversight_state(app), PROBLEM_TYPES
    )
    assert got == endpoint.expected
    assert wrote == [], "these refusals wrote something"
    assert malformed == [], "these refusals are not problems of their status"


@pytest.mark.parametrize(
    "name",
    [name for name, endpoint in ENDPOINTS.items() if endpoint.audited],
    ids=[n.replace(" ", "_") for n, e in ENDPOINTS.items() if e.audited],
)
def test_each_regulator_view_and_action_is_one_audit_event(app, world, name):
    endpoint = ENDPOINTS[name]
    target = world.target(endpoint.stage) if endpoint.stage else None
    before = audit_actions(app, world.regulator.user_id)

    response = call(world, endpoint, "regulator", target)

    assert response.status_code == endpoint.expected["regulator"]
    assert len(audit_actions(app, world.regulator.user_id)) == len(before) + 1
