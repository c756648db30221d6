"""Two real `flask ledger worker` processes on one database, on SQLite and PostgreSQL: one
leads anchoring; SIGKILLed, the other takes over (on SQLite once the lease lapses)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from exchange import ROOT
from exchange.kernel.models import utcnow
from exchange.ledger.tasks import ANCHOR
from exchange.worker.lease import LEADER_PREFIX
from exchange.worker.models import WorkerLease

# A bound on waiting for a process to start, lead or take over, not a measurement.
WAIT_SECONDS = 90.0

LOCK_HOLDER = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def leader_pid(database_url: str) -> int | None:
    """The pid of the process leading anchoring now, read from the lease row or lock."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                names = connection.execute(LOCK_HOLDER).scalars().all()
                leaders = [name for name in names if name.startswith(LEADER_PREFIX)]
                holders = [name.rsplit(" ", 1)[1] for name in leaders]
            else:
                holders = list(
                    connection.execute(
                        select(WorkerLease.holder).where(
                            WorkerLease.name == ANCHOR.name, WorkerLease.expires_at > utcnow()
                        )
                    ).scalars()
                )
    finally:
        engine.dispose()
    assert len(holders) <= 1, holders
    return int(holders[0].rsplit(":", 2)[1]) if holders else None


def eventually(found: Callable[[], int | None]) -> int:
    """Ask until there is an answer, for at most WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        answer = found()
        if answer is not None:
            return answer
        time.sleep(0.2)
    pytest.fail("no worker led in time")


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[dict[int, subprocess.Popen[bytes]]]:
    """Two worker processes started together on the test's database (and one embedded chain)."""
    env = os.environ | {
        "EXCHANGE_MODE": "test",
        "EXCHANGE_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "EXCHANGE_WORKER_LEASE_SECONDS": "3",
        "EXCHANGE_ANCHOR_INTERVAL_SECONDS": "0.2",
    }
    started: dict[int, subprocess.Popen[bytes]] = {}
    for number in (1, 2):
        with (tmp_path / f"worker{number}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "exchange.app", "ledger", "worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started[process.pid] = process
    yield started
    for process in started.values():
        process.kill()
        process.wait()


def test_one_of_two_worker_processes_leads_and_a_killed_leader_is_replaced(workers, database_url):
    first = eventually(lambda: leader_pid(database_url))
    assert first in workers
    workers[first].kill()
    workers[first].wait()
    second = eventually(lambda: pid if (pid := leader_pid(database_url)) != first else None)
    assert second in workers and second != first
    assert workers[second].poll() is None  # the survivor runs on, leading
