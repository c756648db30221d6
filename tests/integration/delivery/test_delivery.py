"""Delivery through its services on SQLite and PostgreSQL: entitlements with their ledger entry,
fingerprinted downloads through signed links, API quotas, and the regulator's trace."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from contracts.schema import ledger_entries
from exchange.catalog.extension import data_files
from exchange.delivery import api_keys, data_api
from exchange.delivery import entitlements as delivery
from exchange.delivery.domain import EntitlementStatus
from exchange.delivery.extension import call_rate, copy_cache
from exchange.delivery.fingerprint import identify
from exchange.delivery.models import Download, Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from tests.catalog import person
from tests.delivery import copper_prices, grant, link, trade
from tests.rights import actor


def download(app, token, **kwargs):
    with app.app_context():
        try:
            return delivery.open_download(
                uow(),
                token,
                secret=app.config["SECRET_KEY"],
                lifetime=app.config["DOWNLOAD_LINK_SECONDS"],
                files=data_files(),
                client_address="203.0.113.9",
                **kwargs,
                contracts=trade_contract,
            )
        finally:
            db.session.remove()


def downloads(app):
    with app.app_context():
        rows = db.session.scalars(select(Download).order_by(Download.id)).all()
        found = [(r.entitlement_id, r.version_number, r.fingerprint, r.size_bytes) for r in rows]
        db.session.remove()
    return found


def test_grant_writes_the_entitlement_and_a_delivery_ledger_entry(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    with app.app_context():
        entitlement = db.session.get(Entitlement, granted.entitlement_id)
        contract = db.session.get(TradeContract, bought.contract_id)
        entry = db.session.execute(
            select(ledger_entries).where(ledger_entries.c.seq == entitlement.ledger_seq)
        ).one()
        assert entitlement.contract_id == bought.contract_id
        assert entitlement.buyer_id == bought.buyer.organisation_id
        assert entitlement.status == EntitlementStatus.ACTIVE
        assert len(entitlement.fingerprint_key) == 32
        assert entitlement.api_key_hash is None
        assert entitlement.expires_at - utcnow() > timedelta(days=360)  # a 12-month term
        assert entry.entry_type == "trade.delivery"
        body = json.loads(entry.body)
        assert body["contract"] == contract.number
        assert body["entitlement_id"] == entitlement.id
        assert (body["product_id"], body["version"]) == (bought.product_id, 1)


def test_a_contract_is_granted_once(app, client):
    bought = trade(app, client)
    grant(app, bought.contract_id)
    with pytest.raises(Conflict):
        grant(app, bought.contract_id)


def test_a_link_downloads_a_fingerprinted_copy_and_logs_it(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    delivered = download(app, link(app, bought.buyer, granted.entitlement_id).token)
    original = copper_prices()
    assert (delivered.file_name, delivered.content_type) == ("copper.csv", "text/csv")
    assert delivered.content != original
    assert delivered.content.splitlines()[0] == original.splitlines()[0]
    assert len(delivered.content.splitlines()) == len(original.splitlines())
    with app.app_context():
        key = db.session.get(Entitlement, granted.entitlement_id).fingerprint_key
        db.session.remove()
    match = identify(delivered.content, "copper.csv", {granted.entitlement_id: key})
    assert match is not None and match.entitlement == granted.entitlement_id
    assert downloads(app) == [
        (granted.entitlement_id, 1, delivered.fingerprint, len(delivered.content))
    ]


def test_an_expired_link_is_refused_and_logs_nothing(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    token = link(app, bought.buyer, granted.entitlement_id).token
    later = utcnow() + timedelta(seconds=app.config["DOWNLOAD_LINK_SECONDS"] + 5)
    with pytest.raises(delivery.LinkExpired):
        download(app, token, now=later)
    assert downloads(app) == []


def test_a_tampered_link_is_refused(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    token = link(app, bought.buyer, granted.entitlement_id).token
    with pytest.raises(delivery.LinkInvalid):
        download(app, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(delivery.LinkInvalid):
        download(app, "not-a-link")
    assert downloads(app) == []


def test_another_organisations_member_gets_not_found(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    stranger = person(app, [Role.BUYER])
    with pytest.raises(NotFound):
        link(app, stranger, granted.entitlement_id)
    with pytest.raises(NotFound):
        link(app, bought.vendor, granted.entitlement_id)
    with pytest.raises(NotFound):
        link(app, stranger, granted.entitlement_id + 1000)


def test_a_refunded_contracts_entitlement_refuses_downloads(app, client):
    bought = trade(app, client)
    granted = grant(app, bought.contract_id)
    token = link(app, bought.buyer, granted.entitlement_id).token
    with app.app_context():
        db.session.execute(
            update(TradeContract)
            .where(TradeContract.id == bought.contract_id)
            .values(status=ContractStatus.REFUNDED)
        )
        db.session.commit()
        db.session.remove()
    with pytest.raises(Conflict):
        download(app, token)
    with pytest.raises(Conflict):
        link(app, bought.buyer, granted.entitlement_id)
    assert downloads(app) == []


def issue(app, buyer, entitlement_id):
    with app.app_context():
        try:
            return api_keys.issue_key(uow(), actor(buyer), entitlement_id, contracts=trade_contract)
        finally:
            db.session.remove()


def use(app, key, product_id):
    with app.app_context():
        try:
            return data_api.serve_rows(
                uow(),
                key,
                data_api.RowsRequest(product_id=product_id, limit=1),
                files=data_files(),
                cache=copy_cache(),
                rate=call_rate(),
                secret=app.config["SECRET_KEY"],
                contracts=trade_contract,
            )
        finally:
            db.session.remove()


def test_an_api_key_counts_calls_and_stops_at_its_quota(app, client):
    bought = trade(app, client, product_type="api")
    granted = grant(app, bought.contract_id, api_quota=2)
    key = issue(app, bought.buyer, granted.entitlement_id).api_key
    assert use(app, key, bought.product_id)["remaining"] == 1
    assert use(app, key, bought.product_id)["remaining"] == 0
    with pytest.raises(api_keys.QuotaExhausted) as refused:
        use(app, key, bought.product_id)
    assert refused.value.status == 409
    with app.app_context():
        entitlement = db.session.get(Entitlement, granted.entitlement_id)
        assert (entitlement.used, entitlement.quota) == (2, 2)
        assert entitlement.api_key_hash != key  # only its hash is kept
        db.session.remove()


def test_an_unknown_api_key_is_not_authenticated(app, client):
    with pytest.raises(NotAuthenticated):
        use(app, "gsk_not-a-key", 1)


def run_trace(app, who, content, name="copper.csv"):
    with app.app_context():
        try:
            return delivery.trace(
                uow(), actor(who), content, name, data_files(), contracts=trade_contract
            )
        finally:
            db.session.remove()


def test_trace_names_the_buyer_of_a_leaked_copy(app, client):
    first = trade(app, client)
    second = trade(app, client, vendor=first.vendor, product_id=first.product_id)
    other = trade(app, client, content=copper_prices(seed=5), filename="other.csv")
    entitlements = [grant(app, t.contract_id).entitlement_id for t in (first, second, other)]
    leaked = download(app, link(app, second.buyer, entitlements[1]).token)
    download(app, link(app, first.buyer, entitlements[0]).token)
    regulator = person(app, [Role.REGULATOR])
    found = run_trace(app, regulator, leaked.content)
    match = found["match"]
    assert match["entitlement_id"] == entitlements[1]
    assert match["buyer"]["id"] == second.buyer.organisation_id
    assert match["contract"]["id"] == second.contract_id
    assert match["evidence"]["marks_agreeing"] == match["evidence"]["marks_read"]
    assert [d["fingerprint"] for d in match["downloads"]] == [leaked.fingerprint]


def test_trace_of_an_unmarked_copy_names_nobody(app, client):
    bought = trade(app, client)
    grant(app, bought.contract_id)
    found = run_trace(app, person(app, [Role.REGULATOR]), copper_prices())
    assert found == {"match": None, "candidates": 1}


def test_trace_is_for_regulators_only(app, client):
    bought = trade(app, client)
    grant(app, bought.contract_id)
    for role in (Role.BUYER, Role.VENDOR, Role.OPERATOR):
        with pytest.raises(PermissionDenied):
            run_trace(app, person(app, [role]), copper_prices())
