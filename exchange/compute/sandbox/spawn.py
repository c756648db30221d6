"""Starting a sandbox child, holding it to its limits, and reading its report; parent side.

Limits are applied with prlimit once the child has started and before any job is written (the
child refuses to run without them), rather than in a preexec_fn, which may deadlock a threaded
web server between fork and exec. That also lets a spare child, started early, take the limits
of whichever run it serves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from exchange import ROOT
from exchange.compute.sandbox.isolation import network_isolated
from exchange.compute.sandbox.wire import Job, SandboxLimits, read_report, write_job

# The child leaves the network first, by running isolation.py as a file with only the standard
# library imported, while it has one thread (a process with two may not enter a user namespace,
# and the exchange's imports start threads); then it runs this tree's code (not whatever
# `exchange` an isolated interpreter would find).
ISOLATION = Path(__file__).with_name("isolation.py")
BOOT = (
    "import runpy, sys; runpy.run_path(sys.argv[2], run_name='__main__'); "
    "sys.path.insert(0, sys.argv[1]); "
    "from exchange.compute.sandbox.child import main; main()"
)
READ_SIZE = 65_536
log = logging.getLogger(__name__)
_WARNED = False


@dataclass
class Child:
    """A started child and its private folder, which go together."""

    process: subprocess.Popen[bytes]
    folder: Path
    started: float = field(default_factory=time.monotonic)
    owner: int = field(default_factory=os.getpid)  # a forked web worker must not reuse it


@dataclass(frozen=True)
class Outcome:
    """How a child ended: its report (possibly empty or cut), exit status (None when it was
    stopped after a whole report, unwaited), and why we stopped it."""

    report: bytes
    returncode: int | None
    timed_out: bool = False
    too_large: bool = False


def start_child() -> Child:
    """Start a child in a fresh 0700 folder with a minimal environment; it waits on stdin."""
    folder = Path(tempfile.mkdtemp(prefix="ganshu-sandbox-"))
    env = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(folder),
        "TMPDIR": str(folder),
        "MALLOC_ARENA_MAX": "2",  # glibc's per-thread arenas would reserve GBs of address space
        "ARROW_DEFAULT_MEMORY_POOL": "system",  # so RLIMIT_AS bounds real use, and it is faster
    }
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOT, str(ROOT), str(ISOLATION)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # tracebacks may quote data; the report says what failed
            cwd=folder,
            env=env,
            start_new_session=True,  # its own process group, killed whole
            close_fds=True,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Child(process, folder)


def discard(child: Child) -> None:
    """Kill the child's process group if it still runs, reap it, and remove its folder.

    A child another process started (a spare seen by a forked worker) is left to its owner.
    """
    if child.owner != os.getpid():
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, signal.SIGKILL)
    for stream in (child.process.stdin, child.process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.process.wait(timeout=5)
    shutil.rmtree(child.folder, ignore_errors=True)


def limit(child: Child, limits: SandboxLimits) -> None:
    """Hold the child to the run's limits; hard and soft alike, so it cannot raise them."""
    pid = child.process.pid
    cpu = int(limits.cpu_seconds + _cpu_used(child)) + 1
    resource.prlimit(pid, resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
    resource.prlimit(pid, resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes))
    files = limits.max_open_files
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (files, files))
    resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))


def _cpu_used(child: Child) -> float:
    """Seconds of CPU the child has used so far (its imports), counted against RLIMIT_CPU."""
    try:
        with open(f"/proc/{child.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, IndexError, ValueError):
        return time.monotonic() - child.started  # at most this, whatever it did


def communicate(child: Child, job: Job, sealed: Iterable[bytes]) -> Outcome:
    """Send the job and the sealed bytes, read the report within the time and size limits."""
    limits = job.limits
    deadline = time.monotonic() + limits.seconds
    writer = _Writer(child, job, sealed)
    writer.start()
    stdout = child.process.stdout
    assert stdout is not None
    report = bytearray()
    timed_out = too_large = False
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if not selector.select(remaining):
                continue
            piece = os.read(stdout.fileno(), READ_SIZE)
            if not piece:
                break
            report += piece
            if len(report) > limits.max_output_bytes:
                too_large = True
                break
    returncode: int | None = None
    # A whole report is all the child had to give: its exit (an interpreter's teardown with
    # DuckDB and Arrow) is not waited for; the caller reaps it (see discard).
    done = not (timed_out or too_large) and _whole(report)
    if done:
        _warn_if_networked(child)
    if timed_out or too_large or done:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signal.SIGKILL)
    if not done:
        try:
            returncode = child.process.wait(timeout=max(deadline - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:  # it closed stdout but lingers: stop it
            os.killpg(child.process.pid, signal.SIGKILL)
            returncode = child.process.wait()
            timed_out = True
    writer.join(timeout=max(deadline - time.monotonic(), 1.0))
    if writer.is_alive():  # stuck reading the store: the child is gone; leave the thread (a daemon)
        timed_out = True
    writer.raise_source_error()
    return Outcome(bytes(report), returncode, timed_out, too_large)


def _warn_if_networked(child: Child) -> None:
    """Say once per process when a child that answered still shares our network: the kernel
    refused it a namespace, and DuckDB's locked settings are its only wall."""
    global _WARNED
    if not _WARNED and network_isolated(child.process.pid) is False:
        _WARNED = True
        log.warning(
            "compute sandbox: the kernel refused the child a network namespace (user namespaces "
            "off?); it runs with the network, behind DuckDB's locked settings only"
        )


def _whole(report: bytearray) -> bool:
    """Whether the report reads as one; else the exit status must tell what happened."""
    try:
        read_report(bytes(report))
    except (ValueError, KeyError, TypeError):
        return False
    return True


class _Writer(threading.Thread):
    """Feeds the child's stdin; a child that stops reading (it failed, or was killed) ends it."""

    def __init__(self, child: Child, job: Job, sealed: Iterable[bytes]) -> None:
        super().__init__(name="sandbox-stdin", daemon=True)
        self.child = child
        self.job = job
        self.sealed = sealed
        self.source_error: BaseException | None = None

    def run(self) -> None:
        stdin = self.child.process.stdin
        assert stdin is not None
        try:
            write_job(stdin, self.job)
            for chunk in self.sealed:
                stdin.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except BaseException as error:  # the store failed: the child sees a cut stream
            self.source_error = error
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def raise_source_error(self) -> None:
        """Re-raise in the caller what reading the sealed object raised, if anything."""
        if self.source_error is not None:
            raise self.source_error
