"""Leader leases between real processes, on SQLite (a lease row) and PostgreSQL (an advisory
lock): started together exactly one leads; killed, it is replaced (on PostgreSQL as soon as the
server sees its connection gone, on SQLite once its lease lapses); released, at once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from exchange import ROOT

NAME = "ledger.anchor"
# Long enough that a live leader's lease cannot lapse between two lines of a test.
LAPSE_SECONDS = 5.0
TAKEOVER_WAIT_SECONDS = 30.0


class Holder:
    """A lease holder in its own process, driven line by line."""

    def __init__(self, url: str, seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.worker.holder", url, NAME, str(seconds)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.answer() == "ready"

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def answer(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def ask(self, command: str) -> str:
        self.send(command)
        return self.answer()

    def kill(self) -> None:
        """SIGKILL: no release, no clean close of its connection."""
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def holders(database_url: str) -> Iterator[Callable[..., Holder]]:
    """Start holders on the test's database; every one is killed when the test ends."""
    started: list[Holder] = []

    def start(seconds: float = LAPSE_SECONDS) -> Holder:
        started.append(Holder(database_url, seconds))
        return started[-1]

    yield start
    for holder in started:
        holder.kill()


def takes_over(holder: Holder) -> bool:
    """Ask until it leads, for at most TAKEOVER_WAIT_SECONDS (a bound, not a measurement)."""
    deadline = time.monotonic() + TAKEOVER_WAIT_SECONDS
    while time.monotonic() < deadline:
        if holder.ask("hold") == "leads":
            return True
        time.sleep(0.1)
    return False


def test_workers_started_together_elect_exactly_one_leader(holders):
    workers = [holders() for _ in range(3)]
    for worker in workers:
        worker.send("hold")  # every question is out before any answer is read
    answers = [worker.answer() for worker in workers]
    assert sorted(answers) == ["follows", "follows", "leads"]
    assert [worker.ask("hold") for worker in workers] == answers  # and the leader stays


def test_a_killed_leader_is_replaced(holders, database_url):
    leader, follower = holders(), holders()
    assert leader.ask("hold") == "leads"
    assert follower.ask("hold") == "follows"
    leader.kill()
    if database_url.startswith("sqlite"):
        # The dead leader's row still stands until it lapses: no one leads meanwhile.
        assert follower.ask("hold") == "follows"
    assert takes_over(follower)
    assert follower.ask("hold") == "leads"


def test_a_killed_leader_on_a_long_lease(holders, database_url):
    leader, follower = holders(seconds=3600), holders(seconds=3600)
    assert leader.ask("hold") == "leads"
    leader.kill()
    if database_url.startswith("postgresql"):
        # the advisory lock went with the leader's connection: replaced before any lease lapses
        assert takes_over(follower)
    else:
        # SQLite has no advisory locks: the dead leader's row stands for its hour
        time.sleep(1)
        assert follower.ask("hold") == "follows"


def test_a_released_lease_is_taken_at_once(holders):
    leader, follower = holders(seconds=3600), holders(seconds=3600)
    assert leader.ask("hold") == "leads"
    assert leader.ask("release") == "released"
    assert follower.ask("hold") == "leads"
    assert leader.ask("hold") == "follows"
