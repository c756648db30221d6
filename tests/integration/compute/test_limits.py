"""The sandbox's limits: time, memory, rows, output; a wrong key or plaintext fails cleanly in
the child; the child's folder and process are gone afterwards."""

from __future__ import annotations

import os
import resource
import stat
import tempfile
import time

import pytest

from exchange.compute.domain import GROUP_SIZE, Aggregate, ComputePolicy
from exchange.compute.sandbox import (
    QueryFailed,
    QueryOutOfMemory,
    QueryTimedOut,
    QueryTooLarge,
    ResultTooLarge,
    Sandbox,
    SandboxLimits,
    run_query,
)
from exchange.compute.sandbox.spawn import discard, limit, start_child
from tests.integration.compute.conftest import CITY_OUTPUTS, CITY_SQL, FIELDS, POLICY, checked

CSV = "city,amount,visits,secret\n" + "".join(f"c{i % 50},{i}.5,{i},s\n" for i in range(5000))
GiB = 1024**3


@pytest.fixture
def stored(upload):
    return upload(CSV.encode())


def run(sandbox, stored, sql=CITY_SQL, outputs=CITY_OUTPUTS, **options):
    return sandbox.run_query(
        options.pop("sealed", None) or stored.sealed(),
        data_key=options.pop("data_key", stored.data_key),
        mode=stored.mode,
        file_format="csv",
        fields=FIELDS,
        query=checked(sql, outputs),
        policy=options.pop("policy", POLICY),
        **options,
    )


def test_a_query_running_past_the_time_limit_is_killed(sandbox, stored):
    sql = (
        f"SELECT COUNT(*) AS n, COUNT(*) AS {GROUP_SIZE} FROM range(1000000) a, range(1000000) b"
        " WHERE (a.range * b.range) % 7 = 3"
    )
    started = time.monotonic()
    with pytest.raises(QueryTimedOut) as raised:
        run(sandbox, stored, sql, [("n", Aggregate.COUNT)], limits=SandboxLimits(seconds=1.5))
    assert 1.5 <= time.monotonic() - started < 4
    assert raised.value.status == 422 and raised.value.code == "query-timed-out"


def test_a_query_blowing_memory_fails_cleanly(sandbox, stored):
    sql = f"SELECT length(list(range)) AS n, COUNT(*) AS {GROUP_SIZE} FROM range(300000000)"
    with pytest.raises(QueryOutOfMemory) as raised:
        run(sandbox, stored, sql, [("n", Aggregate.COUNT)], limits=SandboxLimits(memory_bytes=GiB))
    assert raised.value.status == 422


def test_more_raw_rows_than_the_release_could_use_is_refused(sandbox, stored):
    policy = ComputePolicy(POLICY.columns, min_group_size=1, max_rows=1)
    sql = f"SELECT visits, COUNT(*) AS n, COUNT(*) AS {GROUP_SIZE} FROM data GROUP BY visits"
    with pytest.raises(QueryTooLarge):  # 5,000 groups; at most 10 × 1 + 1,000 are read
        run(sandbox, stored, sql, [("visits", None), ("n", Aggregate.COUNT)], policy=policy)


def test_a_report_past_the_output_cap_is_refused(sandbox, stored):
    with pytest.raises(ResultTooLarge):
        run(sandbox, stored, limits=SandboxLimits(max_output_bytes=200))


def test_a_wrong_data_key_fails_in_the_child(sandbox, stored):
    with pytest.raises(QueryFailed) as raised:
        run(sandbox, stored, data_key=os.urandom(len(stored.data_key)))
    assert type(raised.value) is QueryFailed
    assert raised.value.detail == "The licensed data could not be opened for this run."


def test_plaintext_handed_in_place_of_sealed_bytes_is_refused(sandbox, stored):
    with pytest.raises(QueryFailed) as raised:
        run(sandbox, stored, sealed=[CSV.encode()])
    assert raised.value.detail == "The licensed data could not be opened for this run."


def test_the_run_leaves_no_folder_behind(stored, monkeypatch, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs))
    assert run_query(
        stored.sealed(),
        data_key=stored.data_key,
        mode=stored.mode,
        file_format="csv",
        fields=FIELDS,
        query=checked(CITY_SQL, CITY_OUTPUTS),
        policy=POLICY,
    ).released.rows
    with pytest.raises(QueryTimedOut):
        run_query(
            stored.sealed(),
            data_key=stored.data_key,
            mode=stored.mode,
            file_format="csv",
            fields=FIELDS,
            query=checked(f"SELECT COUNT(*) AS n, 1 AS {GROUP_SIZE} FROM range(10000000000)"),
            policy=POLICY,
            limits=SandboxLimits(seconds=0.5),
        )
    assert list(runs.iterdir()) == []


def test_a_spare_child_waits_in_its_own_folder_until_closed(stored, monkeypatch, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs))
    before = children()
    sandbox = Sandbox(spare=True)
    try:
        for _ in range(2):  # the second run takes the spare started as the first ended
            run(sandbox, stored)
        # each run's child is reaped and its folder removed after its result is returned
        folders, waiting = spare_folders(runs, before)
        assert len(folders) == 1 and folders == waiting
        assert [folder.name[:15] for folder in runs.iterdir()] == ["ganshu-sandbox-"]
    finally:
        sandbox.close()
    assert list(runs.iterdir()) == []


def spare_folders(runs, before: set[int]) -> tuple[set[str], set[str]]:
    """The folders in `runs`, and those of new children still running, once both are the one
    folder of one child, or after five seconds."""
    deadline = time.monotonic() + 5
    while True:
        waiting = set()
        for pid in children() - before:
            try:
                waiting.add(os.readlink(f"/proc/{pid}/cwd"))
            except OSError:  # a zombie has no folder; it is about to be reaped
                continue
        folders = {str(folder) for folder in runs.iterdir()}
        if (len(folders) == 1 and folders == waiting) or time.monotonic() > deadline:
            return folders, waiting
        time.sleep(0.01)


def test_each_runs_child_is_reaped_once_its_result_is_returned(stored):
    before = children()  # a module's spare may wait among them
    sandbox = Sandbox()
    try:
        for _ in range(3):
            assert run(sandbox, stored).released.rows
        deadline = time.monotonic() + 5
        while children() - before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert children() - before == set()  # none left running, and no zombie
    finally:
        sandbox.close()


def children() -> set[int]:
    """This process's child processes, zombies too."""
    found: set[int] = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        try:
            with open(f"/proc/{os.getpid()}/task/{task}/children") as listed:
                found.update(int(pid) for pid in listed.read().split())
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return found


def wait_for_exec(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"exchange.compute.sandbox.child" in cmdline.read():
                return
        time.sleep(0.01)
    raise AssertionError("the child never started")


def test_the_child_runs_alone_in_a_private_folder_under_its_limits():
    child = start_child()
    pid = child.process.pid
    try:
        wait_for_exec(pid)  # until then /proc shows the web process's environment
        limit(child, SandboxLimits(memory_bytes=GiB, max_open_files=32))
        assert stat.S_IMODE(child.folder.stat().st_mode) == 0o700
        assert os.readlink(f"/proc/{pid}/cwd") == str(child.folder)
        with open(f"/proc/{pid}/environ", "rb") as proc_environ:
            names = {item.split(b"=")[0] for item in proc_environ.read().split(b"\0") if item}
        assert names == {  # nothing of the web process's environment: no secrets, no PYTHONPATH
            b"PATH",
            b"LANG",
            b"LC_ALL",
            b"HOME",
            b"TMPDIR",
            b"MALLOC_ARENA_MAX",
            b"ARROW_DEFAULT_MEMORY_POOL",
        }
        assert os.getpgid(pid) == pid  # its own process group, killed whole
        assert resource.prlimit(pid, resource.RLIMIT_AS) == (GiB, GiB)
        assert resource.prlimit(pid, resource.RLIMIT_NOFILE) == (32, 32)
        assert resource.prlimit(pid, resource.RLIMIT_CORE) == (0, 0)
    finally:
        discard(child)
    assert not child.folder.exists()
    assert child.process.poll() is not None
