"""The worker runs a singleton task only while it leads it, on SQLite and PostgreSQL; the other
tasks run on every worker, and a stopped worker hands its leases over."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import create_engine

from exchange.worker.lease import Lease, lease_for
from exchange.worker.loop import run_worker
from exchange.worker.registry import Schedule, Task, register_tasks

SINGLETON = "test.singleton"


def recording(name: str, ran: list[str], *, singleton: bool = False) -> Task:
    """A task that notes it ran."""

    def run(_app: Flask) -> None:
        ran.append(name)

    return Task(name, run, failure=f"{name} failed", singleton=singleton)


def two_passes(app: Flask) -> list[str]:
    """Run the worker for two passes of a singleton and an ordinary task; what ran, in order."""
    ran: list[str] = []
    stop = threading.Event()

    def stop_after_two(_app: Flask) -> None:
        ran.append("stop")
        if ran.count("stop") == 2:
            stop.set()

    register_tasks(
        app,
        Schedule(
            at_start=(recording(SINGLETON, ran, singleton=True),),
            each_pass=(
                recording("ordinary", ran),
                recording(SINGLETON, ran, singleton=True),
                Task("stop", stop_after_two, failure="stop failed"),
            ),
        ),
    )
    app.config["ANCHOR_INTERVAL_SECONDS"] = 0
    run_worker(app, stop)
    return ran


def rival(database_url: str) -> Lease:
    """Another worker's lease on the same singleton, on an engine (and connection) of its own."""
    return lease_for(create_engine(database_url), SINGLETON, holder="rival", seconds=3600)


def test_a_singleton_does_not_run_on_a_worker_that_does_not_lead(app, database_url):
    other = rival(database_url)
    assert other.hold()
    try:
        assert two_passes(app) == ["ordinary", "stop", "ordinary", "stop"]
    finally:
        other.release()


def test_a_singleton_runs_at_start_and_on_each_pass_on_the_leader(app):
    at_start = [SINGLETON]
    each_pass = ["ordinary", SINGLETON, "stop"]
    assert two_passes(app) == at_start + each_pass + each_pass


def test_a_stopped_worker_hands_its_lease_over_at_once(app, database_url):
    two_passes(app)
    other = rival(database_url)
    try:
        assert other.hold()  # a lease of an hour, yet no wait for it
    finally:
        other.release()
