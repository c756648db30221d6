"""The worker's tasks: each capability declares its own in tasks.py; create_app lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class Task:
    """One piece of background work. `run` returns a line worth logging (None when it has
    nothing to say); when it raises, `failure` is logged with the traceback and the worker
    carries on. `every` names the setting holding the least seconds between two runs (None:
    every pass). A `singleton` runs only on the worker holding its lease (exchange/worker/lease.py),
    however many workers run."""

    name: str
    run: Callable[[Flask], str | None]
    failure: str
    every: str | None = None
    singleton: bool = False


@dataclass(frozen=True)
class Schedule:
    """What the worker runs once when it starts, then on every pass until it is stopped."""

    at_start: tuple[Task, ...]
    each_pass: tuple[Task, ...]


def register_tasks(app: Flask, schedule: Schedule) -> None:
    """Give the app its worker schedule (create_app does, in the order the tasks run)."""
    app.extensions["worker"] = schedule


def schedule_of(app: Flask) -> Schedule:
    """The app's worker schedule."""
    schedule: Schedule = app.extensions["worker"]
    return schedule
