"""The worker's loop: the start-up tasks once, then every pass's tasks until told to stop."""

from __future__ import annotations

import threading
import time

from flask import Flask

from exchange.worker.leadership import Leadership
from exchange.worker.registry import Task, schedule_of


def run_worker(app: Flask, stop: threading.Event) -> None:
    """Run the app's start-up tasks once, then its tasks in order on each pass (a task with a
    minimum interval only when that much time has passed), waiting ANCHOR_INTERVAL_SECONDS
    between passes, until told to stop; a failing task only waits for the next pass. A
    singleton task runs only while this worker leads it; its lease is released on the way out."""
    schedule = schedule_of(app)
    leadership = Leadership(app)
    try:
        for task in schedule.at_start:
            _run(app, task, leadership)
        _run_passes(app, schedule.each_pass, leadership, stop)
    finally:
        leadership.release()


def _run_passes(
    app: Flask, tasks: tuple[Task, ...], leadership: Leadership, stop: threading.Event
) -> None:
    """Every pass until told to stop, each task no sooner than its minimum interval."""
    interval = app.config["ANCHOR_INTERVAL_SECONDS"]
    every = {task.name: float(app.config[task.every]) for task in tasks if task.every}
    last_run = dict.fromkeys(every, float("-inf"))
    while not stop.is_set():
        for task in tasks:
            if task.name in every:
                if time.monotonic() - last_run[task.name] < every[task.name]:
                    continue
                last_run[task.name] = time.monotonic()
            _run(app, task, leadership)
        stop.wait(interval)


def _run(app: Flask, task: Task, leadership: Leadership) -> None:
    """One task, logged (a singleton only when this worker leads it); a failure waits for the
    next pass."""
    try:
        if task.singleton and not leadership.leads(task.name):
            return
        line = task.run(app)
        if line:
            app.logger.info("%s", line)
    except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
        app.logger.exception("%s", task.failure)


class WorkerThread:
    """The demo's in-app worker, stopped (and waited for) with stop()."""

    def __init__(self, app: Flask) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=run_worker, args=(app, self._stop), name="exchange-worker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask the worker to stop and wait for its pass in flight to finish."""
        self._stop.set()
        self._thread.join(timeout=60)


def start_worker_thread(app: Flask) -> WorkerThread:
    """Run the worker beside the web server, as the demo does."""
    return WorkerThread(app)
