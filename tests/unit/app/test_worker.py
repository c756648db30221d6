"""The worker's loop over the tasks create_app registers: order, failures, minimum intervals."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from exchange.app import create_app
from exchange.worker.loop import run_worker
from exchange.worker.registry import Schedule, Task, register_tasks, schedule_of


def bare_app(**config: object) -> Flask:
    """An app with no database: only what the loop reads (its config, logger and schedule)."""
    app = Flask(__name__)
    app.config.update({"ANCHOR_INTERVAL_SECONDS": 0, **config})
    return app


def recording(name: str, ran: list[str], line: str | None = None) -> Task:
    """A task that notes it ran and says `line`."""

    def run(_app: Flask) -> str | None:
        ran.append(name)
        return line

    return Task(name, run, failure=f"{name} failed")


def stopping_after(passes: int, stop: threading.Event, ran: list[str]) -> Task:
    """A task that stops the worker on its `passes`-th run."""

    def run(_app: Flask) -> None:
        ran.append("stop")
        if ran.count("stop") == passes:
            stop.set()

    return Task("stop", run, failure="stop failed")


def test_the_exchange_anchors_first_then_reconciles_then_runs_each_pass_in_order(tmp_path):
    schedule = schedule_of(create_app({"MODE": "test", "INSTANCE_PATH": str(tmp_path)}))
    assert [task.name for task in schedule.at_start] == ["ledger.anchor", "trading.reconcile"]
    assert [task.name for task in schedule.each_pass] == [
        "catalog.ingest",
        "trading.sweep",
        "rights.settle",
        "delivery.api_usage",
        "compute.abandoned",
        "oversight.detect",
        "ledger.anchor",
    ]


def test_start_up_tasks_run_once_before_the_passes():
    app, ran, stop = bare_app(), [], threading.Event()
    register_tasks(
        app,
        Schedule(
            at_start=(recording("first", ran), recording("once", ran)),
            each_pass=(recording("each", ran), stopping_after(2, stop, ran)),
        ),
    )
    run_worker(app, stop)
    assert ran == ["first", "once", "each", "stop", "each", "stop"]


def test_a_stopped_worker_still_runs_its_start_up_tasks():
    app, ran, stop = bare_app(), [], threading.Event()
    register_tasks(app, Schedule(at_start=(recording("first", ran),), each_pass=()))
    stop.set()
    run_worker(app, stop)
    assert ran == ["first"]


def test_a_failing_task_is_logged_and_the_pass_goes_on(caplog):
    app, ran, stop = bare_app(), [], threading.Event()

    def broken(_app: Flask) -> str | None:
        raise RuntimeError("the gateway is down")

    register_tasks(
        app,
        Schedule(
            at_start=(),
            each_pass=(
                Task("broken", broken, failure="worker: broken failed; retrying"),
                recording("after", ran, line="worker: after did 1 thing"),
                stopping_after(1, stop, ran),
            ),
        ),
    )
    with caplog.at_level(logging.INFO):
        run_worker(app, stop)
    assert ran == ["after", "stop"]
    [failure] = [record for record in caplog.records if record.exc_info]
    assert failure.getMessage() == "worker: broken failed; retrying"
    assert "worker: after did 1 thing" in caplog.messages


def test_a_task_with_an_interval_waits_for_it_between_passes():
    app, ran, stop = bare_app(DETECT_SECONDS=3600), [], threading.Event()
    throttled = Task(
        "slow", recording("slow", ran).run, failure="slow failed", every="DETECT_SECONDS"
    )
    register_tasks(app, Schedule(at_start=(), each_pass=(throttled, stopping_after(3, stop, ran))))
    run_worker(app, stop)
    assert ran == ["slow", "stop", "stop", "stop"]


def test_only_anchoring_is_a_singleton_the_leading_worker_alone_runs(tmp_path):
    schedule = schedule_of(create_app({"MODE": "test", "INSTANCE_PATH": str(tmp_path)}))
    tasks = schedule.at_start + schedule.each_pass
    assert {task.name for task in tasks if task.singleton} == {"ledger.anchor"}
