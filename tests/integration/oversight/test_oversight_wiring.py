"""Oversight's configuration and detection outside a request, on SQLite and PostgreSQL: the
thresholds come from the configuration (a nonsensical one refuses to start), and `flask
oversight detect` raises what the detectors find, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.app import create_app
from exchange.config import ConfigurationError
from exchange.extensions import db
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.oversight.domain import AlertKind
from exchange.oversight.extension import init_oversight, thresholds
from exchange.oversight.models import OversightAlert
from tests.catalog import person
from tests.integration.catalog_pages import sign_in_as
from tests.integration.oversight.test_oversight_alerts import buy, buyer, distinct_contacts, listing


def test_the_thresholds_come_from_the_configuration(app):
    app.config["OVERSIGHT_PURCHASE_BURST"] = "3"
    app.config["OVERSIGHT_PRICE_DEVIATION"] = "0.25"
    init_oversight(app)
    assert thresholds(app).purchase_burst == 3
    assert str(thresholds(app).price_deviation) == "0.25"


@pytest.mark.parametrize(
    "setting",
    [
        {"OVERSIGHT_PRICE_DEVIATION": "-0.1"},
        {"OVERSIGHT_PRICE_DEVIATION": "half"},
        {"OVERSIGHT_PURCHASE_BURST": 0},
        {"OVERSIGHT_LOOKBACK_DAYS": 0},
    ],
)
def test_a_nonsensical_threshold_refuses_to_start(tmp_path, setting):
    with pytest.raises(ConfigurationError, match="OVERSIGHT"):
        create_app({"MODE": "test", "INSTANCE_PATH": str(tmp_path)} | setting)


def test_the_detect_command_raises_each_finding_once(app, client):
    app.config["OVERSIGHT_PURCHASE_BURST"] = 1
    init_oversight(app)
    found, who = listing(app, client), buyer(app)
    distinct_contacts(app, found.vendor, who)  # unrelated: only the burst is abnormal
    buy(app, found, who)
    buy(app, found, who)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["oversight", "detect", "--days", "1"])
    again = runner.invoke(args=["oversight", "detect"])

    assert first.exit_code == 0 and first.output.strip() == "1 alert(s) raised."
    assert again.exit_code == 0 and again.output.strip() == "0 alert(s) raised."
    with app.app_context():
        kinds = db.session.scalars(select(OversightAlert.kind)).all()
        total = db.session.scalar(select(func.count()).select_from(OversightAlert))
        db.session.remove()
    assert kinds == [AlertKind.PURCHASE_BURST] and total == 1


def page_views(app):
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.actor_id, AuditEvent.subject).where(
                AuditEvent.action == "oversight.page_viewed"
            )
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_what_a_regulator_reads_outside_the_portal_is_audited_too(app, client):
    regulator, buyer = person(app, [Role.REGULATOR]), person(app, [Role.BUYER])
    assert client.get("/api/v1/ledger/entries", headers=regulator.headers).status_code == 200
    assert client.get("/api/v1/ledger/entries", headers=buyer.headers).status_code == 200
    assert (
        client.get("/api/v1/oversight/review-queue", headers=regulator.headers).status_code == 200
    )
    assert client.get("/api/v1/ledger/entries/999999", headers=regulator.headers).status_code == 404
    sign_in_as(client, regulator)
    assert client.get("/ledger").status_code == 200
    assert client.get("/oversight").status_code == 200  # audited by its own service instead

    assert page_views(app) == [
        (regulator.user_id, "/api/v1/ledger/entries"),
        (regulator.user_id, "/ledger"),
    ]


def test_the_review_queue_is_audited_once_by_page_or_api(app, client):
    regulator = person(app, [Role.REGULATOR])
    api = client.get("/api/v1/oversight/review-queue", headers=regulator.headers)
    sign_in_as(client, regulator)
    page = client.get("/review")
    assert (api.status_code, page.status_code) == (200, 200)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == regulator.user_id)
        ).all()
        db.session.remove()
    assert [a for a in actions if a != "auth.signed_in"] == ["listing.review_queue_viewed"] * 2
