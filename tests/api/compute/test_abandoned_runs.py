"""A query whose process died mid-run (a crash, a restart) is not left running with its share
spent: the worker fails it once no run could still be going, and gives the buyer back the query
and the privacy budget it took; runs still within their time, and finished ones, are left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exchange.compute import queries
from exchange.compute.domain import QueryStatus
from exchange.compute.models import ComputeLicence, ComputeQuery
from exchange.compute.tasks import abandoned_pass
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.trading.contract_lookup import trade_contract
from tests.compute import Licensed, licensed
from tests.trading import act

AGGREGATE = 'SELECT "地区", COUNT(*) AS n FROM data GROUP BY "地区"'


class ProcessDied:
    """The sandbox's side of a run whose web process dies while it waits for the result: the
    exception no handler in the exchange catches, as SIGKILL would leave things."""

    def run(self, *args: object, **kwargs: object) -> None:
        raise SystemExit("killed mid-run")


def crashed_run(app: Flask, deal: Licensed) -> int:
    """Submit a query whose process dies during the run; the query's id."""
    with pytest.raises(SystemExit):
        act(
            app,
            deal.buyer,
            queries.submit_query,
            deal.contract_id,
            AGGREGATE,
            runner=ProcessDied(),
            contracts=trade_contract,
        )
    with app.app_context():
        query_id = db.session.scalar(select(ComputeQuery.id).order_by(ComputeQuery.id.desc()))
        db.session.remove()
    assert query_id is not None
    return int(query_id)


def state(app: Flask, deal: Licensed, query_id: int) -> tuple[str, str | None, int, float]:
    with app.app_context():
        query = db.session.get(ComputeQuery, query_id)
        licence = db.session.scalar(
            select(ComputeLicence).where(ComputeLicence.contract_id == deal.contract_id)
        )
        assert query is not None and licence is not None
        found = (query.status.value, query.refusal, licence.queries_used, licence.epsilon_spent)
        db.session.remove()
    return found


def sweep(app: Flask, *, after: timedelta) -> int:
    with app.app_context():
        try:
            return queries.fail_abandoned(
                uow(), older_than=timedelta(minutes=2), now=utcnow() + after
            )
        finally:
            db.session.remove()


def test_a_run_whose_process_died_is_failed_and_given_back(app: Flask, client: FlaskClient):
    deal = licensed(app, client, quota=3, epsilon_budget=2.0, epsilon_per_query=0.5)
    query_id = crashed_run(app, deal)
    assert state(app, deal, query_id) == ("running", None, 1, 0.5)  # as the crash left it

    assert sweep(app, after=timedelta(seconds=30)) == 0  # a run could still be going
    assert state(app, deal, query_id) == ("running", None, 1, 0.5)

    assert sweep(app, after=timedelta(minutes=3)) == 1
    assert state(app, deal, query_id) == ("failed", "abandoned", 0, 0.0)
    assert sweep(app, after=timedelta(minutes=3)) == 0  # once


def test_finished_runs_are_left_alone(app: Flask, client: FlaskClient):
    deal = licensed(app, client, quota=3)
    response = client.post(
        f"/api/v1/contracts/{deal.contract_id}/queries",
        json={"text": AGGREGATE},
        headers=deal.buyer.headers,
    )
    assert response.status_code == 201, response.get_json()
    done = response.get_json()["id"]
    assert sweep(app, after=timedelta(hours=1)) == 0
    assert state(app, deal, done)[:3] == ("done", None, 1)


def test_the_worker_task_fails_them(app: Flask, client: FlaskClient):
    deal = licensed(app, client, quota=3)
    query_id = crashed_run(app, deal)
    with app.app_context():
        query = db.session.get(ComputeQuery, query_id)
        assert query is not None and query.status is QueryStatus.RUNNING
        query.created_at = utcnow() - timedelta(hours=1)  # the crash was an hour ago
        db.session.commit()
        db.session.remove()
    assert abandoned_pass(app) == "worker: 1 abandoned computation run(s) failed and given back"
    assert state(app, deal, query_id)[:3] == ("failed", "abandoned", 0)
