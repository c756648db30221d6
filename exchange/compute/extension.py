"""The computation capability's adapters: the sandbox (one per process) and the runner that
feeds it the encrypted data, built from config in create_app and kept in app.extensions."""

from __future__ import annotations

from flask import Flask, current_app

from exchange.catalog.extension import data_files
from exchange.compute.running import SandboxRunner
from exchange.compute.sandbox import Sandbox, SandboxLimits


def init_compute(app: Flask) -> None:
    """One sandbox for this process, with a spare child started ahead unless configured off."""
    config = app.config
    spare = config["COMPUTE_SPARE"]
    if spare is None:
        spare = config["MODE"] != "test"
    app.extensions["compute_sandbox"] = Sandbox(spare=bool(spare))
    app.extensions["compute_limits"] = SandboxLimits(
        seconds=float(config["COMPUTE_SECONDS"]),
        cpu_seconds=int(float(config["COMPUTE_SECONDS"]) * 2),
        memory_bytes=int(config["COMPUTE_MEMORY_BYTES"]),
        threads=int(config["COMPUTE_THREADS"]),
    )


def query_runner() -> SandboxRunner:
    """The current app's runner over its data files and sandbox."""
    return SandboxRunner(
        data_files(),
        current_app.extensions["compute_sandbox"],
        current_app.extensions["compute_limits"],
    )
