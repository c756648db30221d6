"""`flask ledger …`: the worker (anchoring, and every other capability's background work), one
anchoring pass, verification, re-anchoring. Whatever sends to the chain (init's deployment, an
anchoring pass, re-anchoring) first takes the anchoring lease, so it never races the worker
that leads anchoring (two senders collide on nonces)."""

from __future__ import annotations

import signal
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from exchange.extensions import db
from exchange.ledger.extension import ChainNotConfigured, chain_of
from exchange.ledger.tasks import ANCHOR, anchor_once
from exchange.worker.leadership import leading
from exchange.worker.loop import run_worker

# A worker leading anchoring anchors and re-sends on its own; a second sender would collide.
WORKER_LEADS = "a worker leads anchoring; stop it to anchor from here"

ledger_cli = AppGroup("ledger", help="The contract ledger and its anchoring.")


@ledger_cli.command("init")
def init() -> None:
    """Fix the ledger's hash (LEDGER_HASH: sha256, or sm3 for national cryptography) before
    its first entry (a ledger that has entries keeps the hash it was built with), then deploy
    the anchor contract: here or by the worker leading anchoring, never by a web request."""
    from contracts import ledger

    wanted = current_app.config["LEDGER_HASH"]
    with db.engine.begin() as connection:
        try:
            ledger.choose_hash(connection, wanted)
        except ledger.LedgerError as error:
            raise click.ClickException(f"{error}; it stays as it is") from None
        size, hasher = ledger.state(connection)
    click.echo(f"ledger: {size} entries, hashed with {hasher.name}")
    click.echo(_deploy_anchor(current_app._get_current_object()))  # type: ignore[attr-defined]


def _deploy_anchor(app: Flask) -> str:
    """Deploy the anchor contract unless it is deployed; a line saying where it stands. A
    chain that does not answer only postpones it to the worker leading anchoring."""
    from contracts.anchoring import ensure_deployment
    from contracts.chain import ChainError

    with leading(app, ANCHOR.name) as leads:
        if not leads:
            return "anchor contract: left to the worker leading anchoring"
        try:
            deployment = ensure_deployment(db.engine, chain_of(app))
        except (ChainError, ChainNotConfigured) as error:
            return f"anchor contract: not deployed ({error}); the anchoring worker will deploy it"
    return f"anchor contract: {deployment.contract_address} on chain {deployment.chain_id}"


@ledger_cli.command("worker")
def worker() -> None:
    """Run the exchange's worker (anchoring, uploads, payments, settlement, certificates, alerts)
    in this process until SIGINT or SIGTERM."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("worker: running every capability's tasks in turn; Ctrl-C stops it.")
    run_worker(app, stop)
    click.echo("ledger worker stopped.")


@ledger_cli.command("anchor")
@click.option(
    "--force",
    is_flag=True,
    help="Anchor whatever is unanchored now, re-sending a dropped anchor at once.",
)
def anchor(force: bool) -> None:
    """One anchoring pass (refused while a worker leads anchoring)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with leading(app, ANCHOR.name) as leads:
        if not leads:
            raise click.ClickException(WORKER_LEADS)
        click.echo(anchor_once(app, force=force))


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
    """After a chain reset: deploy the anchor contract again and anchor the latest checkpoint
    (refused while a worker leads anchoring)."""
    from contracts.anchoring import reanchor as reanchor_chain

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with leading(app, ANCHOR.name) as leads:
        if not leads:
            raise click.ClickException(WORKER_LEADS)
        run = reanchor_chain(db.engine, chain_of(app))
    click.echo(run.error or f"re-anchored tree size {run.anchored_size} in {run.tx_hash}")
