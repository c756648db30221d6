"""Which singletons this worker leads: one lease per singleton task, taken lazily, logged when
leadership changes hands, and released when the worker stops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from exchange.worker.lease import Lease, lease_for, new_holder


class Leadership:
    """This worker's leases, one per singleton task name (no database touched until asked)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._holder = new_holder()
        self._leases: dict[str, Lease] = {}
        self._leading: set[str] = set()

    def leads(self, name: str) -> bool:
        """Take or keep the singleton's lease; True while this worker leads it."""
        lease = self._leases.get(name) or self._lease(name)
        held = lease.hold()
        if held != (name in self._leading):
            self._leading.symmetric_difference_update({name})
            self._app.logger.info(
                "worker %s: %s %s", self._holder, "now leads" if held else "no longer leads", name
            )
        return held

    def release(self) -> None:
        """Hand every lease over (a stopped worker must not keep others waiting)."""
        for lease in self._leases.values():
            try:
                lease.release()
            except Exception:  # noqa: BLE001 - the others must still be released
                self._app.logger.warning("could not release %s", lease.name, exc_info=True)
        self._leases.clear()
        self._leading.clear()

    def _lease(self, name: str) -> Lease:
        from exchange.extensions import db

        with self._app.app_context():
            engine = db.engine
        seconds = float(self._app.config["WORKER_LEASE_SECONDS"])
        self._leases[name] = lease_for(engine, name, holder=self._holder, seconds=seconds)
        return self._leases[name]


@contextmanager
def leading(app: Flask, name: str) -> Iterator[bool]:
    """Lead the singleton `name` for one command (an operator's anchoring pass) and hand it
    back after; False, without waiting, while a worker leads it."""
    leadership = Leadership(app)
    try:
        yield leadership.leads(name)
    finally:
        leadership.release()
