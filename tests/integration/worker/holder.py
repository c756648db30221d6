"""A lease holder in a process of its own: `python -m tests.integration.worker.holder URL NAME
SECONDS` answers each "hold" line on stdin with "leads" or "follows", releases on "release" and
exits at EOF, so a test can start several together and kill one the hard way."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine

from exchange.worker.lease import lease_for, new_holder


def main(url: str, name: str, seconds: str) -> None:
    """Answer the test's commands until it closes stdin (or kills this process)."""
    engine = create_engine(url)
    lease = lease_for(engine, name, holder=new_holder(), seconds=float(seconds))
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "hold":
            print("leads" if lease.hold() else "follows", flush=True)
        elif line.strip() == "release":
            lease.release()
            print("released", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
