"""A download given a moment (`now=`), as the demo gives each download its story's moment, on
SQLite and PostgreSQL: the download log carries that moment, not the clock's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.delivery.models import Download
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.trading.contract_lookup import trade_contract
from tests.delivery import grant, link, trade


def test_a_download_given_a_moment_is_logged_at_it(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    moment = (utcnow() - timedelta(hours=5)).replace(microsecond=0)
    token = link(app, bought.buyer, granted.entitlement_id, now=moment).token
    with app.app_context():
        delivered = delivery.open_download(
            uow(),
            token,
            secret=app.config["SECRET_KEY"],
            lifetime=app.config["DOWNLOAD_LINK_SECONDS"],
            files=data_files(),
            now=moment,
            contracts=trade_contract,
        )
        logged = db.session.scalar(
            select(Download.created_at).where(Download.id == delivered.download_id)
        )
        db.session.remove()
    assert logged == moment
