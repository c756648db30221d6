"""Cutting the sandbox child off the network in the kernel, not only in DuckDB's settings.

The child moves into a network namespace of its own, inside a user namespace of its own so that
no privilege is needed: the namespace holds one loopback interface, down, so no socket reaches
any host (not the database, not the chain node, not the internet), whatever DuckDB or a library
it loads would try. Files stay as they were: the private folder and the one data file. Where the
kernel refuses (user namespaces turned off, or not Linux), DuckDB's locked settings remain the
only wall against the network; production should allow user namespaces (or run the child under
bwrap/nsjail).
"""

from __future__ import annotations

import ctypes
import sys

CLONE_NEWUSER = 0x10000000  # <linux/sched.h>
CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Move this (single-threaded) process into an empty network namespace; whether the
    kernel allowed it."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.unshare(CLONE_NEWUSER | CLONE_NEWNET)) == 0
