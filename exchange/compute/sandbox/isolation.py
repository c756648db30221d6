"""Cutting the sandbox child off the network in the kernel, not only in DuckDB's settings.

The child moves into a network namespace of its own, inside a user namespace of its own so that
no privilege is needed: the namespace holds one loopback interface, down, so no socket reaches
any host (not the database, not the chain node, not the internet), whatever DuckDB or a library
it loads would try. It then drops every capability the new user namespace gave it, so it cannot
configure that namespace either. Files stay as they were: the private folder and the one data
file. It runs before anything else the child imports (spawn.BOOT loads this file by its path,
with only the standard library), since a process with a second thread may not enter a user
namespace. Where the kernel refuses (user namespaces turned off, or not Linux), DuckDB's locked
settings remain the only wall against the network; production should allow user namespaces (or
run the child under bwrap/nsjail).
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000  # <linux/sched.h>
CLONE_NEWNET = 0x40000000
CAPABILITY_VERSION_3 = 0x20080522  # <linux/capability.h>


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def isolate_network() -> bool:
    """Move this single-threaded process into an empty network namespace and drop the
    capabilities that gave it; whether the kernel allowed both."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if int(libc.unshare(CLONE_NEWUSER | CLONE_NEWNET)) != 0:
        return False
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    nothing = (_CapData * 2)()  # version 3 takes two sets of 32 bits, all zero
    return int(libc.capset(ctypes.byref(header), nothing)) == 0


def network_isolated(pid: int) -> bool | None:
    """Whether the process runs in another network namespace than this one (None: unknown,
    the process gone or /proc unreadable)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
    except OSError:
        return None


if __name__ == "__main__":  # spawn.BOOT runs this file before the child's imports
    isolate_network()
