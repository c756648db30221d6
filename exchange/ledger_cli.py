"""`flask ledger …`: the worker (anchoring, large uploads), one anchoring pass, verification,
re-anchoring."""

from __future__ import annotations

import signal
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from exchange.chains import anchor_policy, chain_of
from exchange.extensions import db

ledger_cli = AppGroup("ledger", help="The contract ledger and its anchoring.")


def anchor_once(app: Flask, *, force: bool = False) -> str:
    """One anchoring pass; returns a line saying what happened."""
    from contracts.anchoring import anchor_pending

    with app.app_context():
        run = anchor_pending(db.engine, chain_of(app), anchor_policy(app), force=force)
    if run.error:
        return f"anchoring postponed: {run.error}"
    if run.anchored_size:
        return f"anchored tree size {run.anchored_size} in {run.tx_hash}"
    if run.resent:
        return f"re-sent {run.resent} dropped anchor(s) (confirmed {run.confirmed})"
    return f"nothing due (repaired {run.repaired}, confirmed {run.confirmed})"


def ingest_once(app: Flask) -> int:
    """Profile the large uploads waiting as processing versions; how many were finished (the
    worker runs this on each pass, off any request thread)."""
    from exchange.catalog.processing import profile_pending
    from exchange.files import data_files
    from exchange.http.context import uow

    with app.app_context():
        try:
            return profile_pending(uow(), data_files())
        finally:
            db.session.remove()


def run_worker(app: Flask, stop: threading.Event) -> None:
    """Anchor first (repairing what a killed worker left and re-sending dropped anchors), then
    reconcile payments once, then profile large uploads, anchor due batches, issue due
    certificates, expire negotiations, settle trades and raise oversight alerts until told to
    stop; a failing chain only postpones anchoring."""
    from exchange.oversight_setup import detect_once
    from exchange.rights_setup import settle_once
    from exchange.trading_setup import reconcile_once, sweep_once

    _anchor_pass(app)  # before anything slower: a gateway's reconcile can take minutes
    try:
        reconciled = reconcile_once(app)
        if reconciled:
            app.logger.info("worker: payments reconciled at start-up: %s", reconciled)
    except Exception:  # noqa: BLE001 - a gateway that is down must not stop the worker
        app.logger.exception("worker: reconciling payments failed; the webhooks will bring them")
    interval = app.config["ANCHOR_INTERVAL_SECONDS"]
    detect_every = float(app.config["OVERSIGHT_DETECT_SECONDS"])
    detected_at = float("-inf")
    while not stop.is_set():
        try:
            profiled = ingest_once(app)
            if profiled:
                app.logger.info("worker: %s uploaded file(s) profiled", profiled)
        except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
            app.logger.exception("worker: profiling uploads failed; retrying")
        try:
            expired, settled = sweep_once(app)
            if expired or settled:
                app.logger.info(
                    "worker: %s negotiation(s) expired, %s trade(s) settled", expired, settled
                )
        except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
            app.logger.exception("worker: the trading sweep failed; retrying")
        try:
            issued = settle_once(app)
            if issued:
                app.logger.info("worker: %s rights certificate(s) issued", issued)
        except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
            app.logger.exception("worker: issuing certificates failed; retrying")
        try:
            if time.monotonic() - detected_at >= detect_every:  # a pass reads the whole week
                detected_at = time.monotonic()
                raised = detect_once(app)
                if raised:
                    app.logger.info("worker: %s oversight alert(s) raised", raised)
        except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
            app.logger.exception("worker: oversight detection failed; retrying")
        _anchor_pass(app)
        stop.wait(interval)


def _anchor_pass(app: Flask) -> None:
    """One anchoring pass of the worker, logged; a failure waits for the next pass."""
    try:
        line = anchor_once(app)
        if not line.startswith("nothing due"):
            app.logger.info("ledger worker: %s", line)
    except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
        app.logger.exception("ledger worker: the pass failed; retrying")


class WorkerThread:
    """The demo's in-app worker, stopped (and waited for) with stop()."""

    def __init__(self, app: Flask) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=run_worker, args=(app, self._stop), name="ledger-worker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask the worker to stop and wait for its pass in flight to finish."""
        self._stop.set()
        self._thread.join(timeout=60)


def start_worker_thread(app: Flask) -> WorkerThread:
    """Run the anchoring worker beside the web server, as the demo does."""
    return WorkerThread(app)


@ledger_cli.command("init")
def init() -> None:
    """Fix the ledger's hash (LEDGER_HASH: sha256, or sm3 for national cryptography) before
    its first entry; a ledger that has entries keeps the hash it was built with."""
    from contracts import ledger

    wanted = current_app.config["LEDGER_HASH"]
    with db.engine.begin() as connection:
        try:
            ledger.choose_hash(connection, wanted)
        except ledger.LedgerError as error:
            raise click.ClickException(f"{error}; it stays as it is") from None
        size, hasher = ledger.state(connection)
    click.echo(f"ledger: {size} entries, hashed with {hasher.name}")


@ledger_cli.command("worker")
def worker() -> None:
    """Run the anchoring worker in this process until SIGINT or SIGTERM."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("ledger worker: anchoring due batches; Ctrl-C stops it.")
    run_worker(app, stop)
    click.echo("ledger worker stopped.")


@ledger_cli.command("anchor")
@click.option(
    "--force",
    is_flag=True,
    help="Anchor whatever is unanchored now, re-sending a dropped anchor at once.",
)
def anchor(force: bool) -> None:
    """One anchoring pass."""
    click.echo(anchor_once(current_app._get_current_object(), force=force))  # type: ignore[attr-defined]


@ledger_cli.command("verify")
def verify() -> None:
    """Recompute the whole ledger and check it against what the chain's anchor contracts
    recorded; exit 1 when tampered (naming the first bad entry), 2 when it cannot be checked."""
    from contracts.audit import audit_ledger
    from contracts.chain_records import read_chain_records

    start = time.perf_counter()
    with db.engine.connect() as connection:
        records = read_chain_records(connection, chain_of())
        report = audit_ledger(connection, chain=records)
    click.echo(
        f"{report.entries} entries ({report.hash_name}), {report.checkpoints} checkpoints, "
        f"{report.anchors_checked} anchors checked in {time.perf_counter() - start:.1f} s"
    )
    click.echo(f"root 0x{report.root.hex()}")
    for problem in report.problems:
        click.echo(f"PROBLEM {problem.kind.value}: {problem.detail}")
    for reason in records.unchecked:
        click.echo(f"CANNOT CHECK: {reason}")
    if not report.ok:
        first = report.first_bad_entry
        click.echo(
            "the ledger has problems"
            + ("" if first is None else f"; the first bad entry is entry {first}")
        )
        raise SystemExit(1)
    if records.unchecked:
        click.echo("the ledger cannot be checked against the chain")
        raise SystemExit(2)
    click.echo("the ledger is intact")


@ledger_cli.command("reanchor")
def reanchor() -> None:
    """After a chain reset: deploy the anchor contract again and anchor the latest checkpoint."""
    from contracts.anchoring import reanchor as reanchor_chain

    run = reanchor_chain(db.engine, chain_of())
    click.echo(run.error or f"re-anchored tree size {run.anchored_size} in {run.tx_hash}")
