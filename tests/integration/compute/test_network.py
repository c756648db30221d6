"""The sandbox child has no network in the kernel: it runs in a network namespace of its own,
where no socket reaches the PostgreSQL server the tests themselves reach on 127.0.0.1, and
without the capabilities that namespace would give it."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from exchange.compute.sandbox.isolation import isolate_network, network_isolated
from exchange.compute.sandbox.spawn import discard, start_child
from tests.integration.compute.test_limits import wait_for_exec

POSTGRES = ("127.0.0.1", 5432)


def reaches(address: tuple[str, int]) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        try:
            probe.connect(address)
        except OSError:
            return False
        return True


@pytest.fixture
def server_up() -> None:
    assert reaches(POSTGRES), "PostgreSQL should listen on 127.0.0.1:5432 (the machine starts it)"


def test_an_isolated_process_reaches_no_host(server_up):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: isolate, then try the server the parent just reached
        os.close(read)
        answer = b"?"
        try:
            answer = b"I" if not isolate_network() else (b"R" if reaches(POSTGRES) else b"N")
        finally:
            os.write(write, answer)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answers:
        answer = answers.read()
    os.waitpid(pid, 0)
    assert answer == b"N"  # isolated, and the server unreachable from inside


def test_the_sandbox_child_runs_in_a_network_namespace_of_its_own():
    child = start_child()
    pid = child.process.pid
    try:
        wait_for_exec(pid)
        ours = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{pid}/ns/net") == ours and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.readlink(f"/proc/{pid}/ns/net") != ours
        assert os.readlink(f"/proc/{pid}/ns/user") != os.readlink("/proc/self/ns/user")
        # and it kept none of the capabilities its new user namespace gave it
        with open(f"/proc/{pid}/status") as status:
            caps = dict(line.split(":\t", 1) for line in status if line.startswith("Cap"))
        assert int(caps["CapEff"], 16) == 0 and int(caps["CapPrm"], 16) == 0
    finally:
        discard(child)


def test_the_parent_tells_an_isolated_child_from_one_that_shares_its_network():
    plain = subprocess.Popen(["sleep", "30"])  # noqa: S607 - a process that never isolates
    child = start_child()
    try:
        wait_for_exec(child.process.pid)
        deadline = time.monotonic() + 10
        while not network_isolated(child.process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert network_isolated(child.process.pid) is True
        assert network_isolated(plain.pid) is False
    finally:
        plain.kill()
        plain.wait()
        discard(child)
    assert network_isolated(plain.pid) is None  # gone
