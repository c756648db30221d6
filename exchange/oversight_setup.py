"""Oversight's thresholds, read and checked once in create_app, and the worker's detection pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import Flask, Response, current_app, g, request
from flask.cli import AppGroup
from flask_login import current_user

from exchange.config import ConfigurationError
from exchange.domain.oversight import Thresholds


def init_oversight(app: Flask) -> None:
    """Read the alert thresholds; a nonsensical one refuses to start rather than never alert."""
    try:
        app.extensions["oversight"] = Thresholds.from_config(app.config)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(f"EXCHANGE_OVERSIGHT_*: {error}") from None
    app.cli.add_command(oversight_cli)
    app.after_request(audit_regulator_reads)


# The portal's own views are audited by their services, with what was asked; assets, the home
# page and one's own account show nothing supervised.
SELF_AUDITED = (
    "/oversight",
    "/api/v1/oversight",
    "/review",
    "/api/v1/review-queue",
    "/static/",
    "/bootstrap/",
    "/healthz",
)
NOTHING_SUPERVISED = ("/account", "/sign-in", "/sign-out", "/language", "/api/v1/me", "/api/docs")


def audit_regulator_reads(response: Response) -> Response:
    """Every page or API answer a regulator reads elsewhere (the ledger, the review queue, the
    catalog, organisations) goes in the audit log too, so the log holds all they saw."""
    if request.method not in ("GET", "HEAD") or response.status_code >= 400:
        return response
    path = request.path
    if path == "/" or path.startswith(SELF_AUDITED) or path.startswith(NOTHING_SUPERVISED):
        return response
    from exchange.domain.vocabulary import Role
    from exchange.extensions import db
    from exchange.kernel import audit

    actor = g.get("bearer_actor") or (current_user.actor if current_user.is_authenticated else None)
    if actor is None or not actor.has_role(Role.REGULATOR):
        return response
    try:
        db.session.rollback()  # a read leaves nothing pending; record the view on its own
        audit.record(
            db.session(),
            "oversight.page_viewed",
            actor=actor,
            subject=path[:200],
            query=request.query_string.decode("utf-8", "replace")[:500],
            status=response.status_code,
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the answer is already made; say so in the log
        db.session.rollback()
        current_app.logger.exception("could not audit a regulator's view of %s", path)
    return response


def thresholds(app: Flask | None = None) -> Thresholds:
    """The current app's alert thresholds."""
    found: Thresholds = (app or current_app).extensions["oversight"]
    return found


def detect_once(app: Flask, *, since: datetime | None = None, now: datetime | None = None) -> int:
    """Run the detectors over the lookback (or since the given moment); how many alerts were
    raised (the worker runs this on each pass)."""
    from exchange.extensions import db
    from exchange.http.context import uow
    from exchange.models.base import utcnow
    from exchange.oversight.alerts import detect

    with app.app_context():
        try:
            found = detect(uow(), now=now or utcnow(), thresholds=thresholds(app), since=since)
            return len(found)
        finally:
            db.session.remove()


oversight_cli = AppGroup("oversight", help="Alerts for the regulators.")


@oversight_cli.command("detect")
@click.option(
    "--days", type=float, default=None, help="Look this many days back (default: the lookback)."
)
def detect_command(days: float | None) -> None:
    """Run the alert detectors now, as the worker does on each pass."""
    from exchange.models.base import utcnow

    now = utcnow()
    since = now - timedelta(days=days) if days is not None else None
    raised = detect_once(current_app._get_current_object(), since=since, now=now)  # type: ignore[attr-defined]
    click.echo(f"{raised} alert(s) raised.")
