"""`flask demo seed` and `flask demo serve`: a Flask CLI plugin (pyproject's flask.commands entry
point), so the exchange never imports the demo."""

from __future__ import annotations

import signal
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from demo.catalog import load_demo_catalog
from demo.compute import load_demo_computation
from demo.market import Desk
from demo.organisations import demo_logins, load_demo_data
from demo.rights import load_demo_rights
from demo.trades import load_demo_trades
from exchange.catalog.extension import data_files
from exchange.compute.extension import query_runner
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.oversight.tasks import detect_once
from exchange.rights.extension import rights_settings
from exchange.trading.extension import signing_domain, trading_settings
from exchange.valuation.extension import valuation_settings
from exchange.worker.loop import start_worker_thread

demo = AppGroup("demo", help="Demo data and the demo server.")
DEMO_HISTORY_DAYS = 366


@demo.command("seed")
def seed() -> None:
    """Load the demo organisations, logins, catalog, rights and trades (again adds nothing)."""
    created = load_demo_data(uow())
    click.echo(f"Demo data: {created} organisation(s) added.")
    products = load_demo_catalog(uow(), data_files())
    click.echo(f"Demo catalog: {products} product(s) added.")
    setup = rights_settings()
    registered = load_demo_rights(
        uow(),
        data_files(),
        setup.signer,
        notice_seconds=setup.notice_seconds,
        max_document_bytes=setup.max_document_bytes,
    )
    click.echo(f"Demo rights: {registered} product(s) registered.")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    config, pricing = app.config, valuation_settings()
    desk = Desk(
        trading_settings(app),
        signing_domain(app),
        config["MASTER_KEY"],
        config["SECRET_KEY"],
        data_files(),
    )
    traded = load_demo_trades(uow(), desk, table=pricing.table, market=pricing.market)
    click.echo(f"Demo trades: {traded} contract(s) added.")
    submitted = load_demo_computation(uow(), desk, query_runner())
    click.echo(f"Demo computation: {submitted} query(ies) submitted.")
    # The worker looks back a week; the seed's history is months long, so look at all of it.
    raised = detect_once(app, since=utcnow() - timedelta(days=DEMO_HISTORY_DAYS))
    click.echo(f"Demo alerts: {raised} alert(s) raised.")


@demo.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the exchange with waitress and print one login per role."""
    from waitress import serve as waitress_serve

    from exchange.http.request_limits import waitress_options

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    click.echo("")
    click.secho(
        f"  Ganshu Data Exchange (赣数交易) is running at http://{shown_host}:{port}", bold=True
    )
    click.echo("  Demo logins (email / password):")
    for login in demo_logins():
        click.echo(
            f"    {login.role:<13} {login.email:<28} {login.password}   {login.organisation}"
        )
    click.echo("  Press Ctrl-C to stop.\n")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = start_worker_thread(app)  # in the demo the anchoring worker runs in-app
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started where SIGINT was ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        waitress_serve(app, host=host, port=port, _quiet=True, **waitress_options(app))
    except KeyboardInterrupt:
        pass
    worker.stop()
    click.echo("Stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
