"""One trade as a regulator reads it, on SQLite and PostgreSQL: a complete trade made through
the services, its dossier (contract, signatures, band, negotiation, escrow, payment, delivery
and downloads, rights, ledger entries), its proofs checked against the chain before and after
anchoring and with the node down, the role check and the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts.anchoring import anchor_pending
from contracts.chain import RpcChain
from contracts.embedded_chain import EmbeddedChain
from exchange.catalog.extension import data_files
from exchange.delivery import entitlements as delivery
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import NotFound, PermissionDenied
from exchange.kernel.records import AuditEvent
from exchange.kernel.vocabulary import Role
from exchange.ledger.extension import chain_of
from exchange.oversight import dossier as trade_dossier
from exchange.payments.domain import Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.contract_lookup import trade_contract
from tests.catalog import person
from tests.integration.chains import free_port
from tests.oversight import TRADE_ENTRIES
from tests.rights import actor
from tests.trading import accept, act, domain, market, propose, sign, terms

PRICE = Decimal("10000.00")


@pytest.fixture
def settled(app, client):
    """A trade from offer to settlement through the services, downloaded once by the buyer."""
    found = market(app, client)
    contract_id = accept(app, found.vendor, propose(app, found.buyer, found.offer_id, terms()))
    sign(app, found.vendor, contract_id)
    sign(app, found.buyer, contract_id)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, found.buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, found.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=PRICE)
    with app.app_context():
        entitlement_id = db.session.scalar(
            select(Entitlement.id).where(Entitlement.contract_id == contract_id)
        )
        secret, lifetime = app.config["SECRET_KEY"], app.config["DOWNLOAD_LINK_SECONDS"]
        link = delivery.download_link(
            uow(),
            actor(found.buyer),
            entitlement_id,
            secret=secret,
            lifetime=lifetime,
            contracts=trade_contract,
        )
        delivery.open_download(
            uow(),
            link.token,
            secret=secret,
            lifetime=lifetime,
            files=data_files(),
            contracts=trade_contract,
        )
        db.session.remove()
    act(app, found.buyer, settlement.accept_delivery, contract_id)
    return found, contract_id


@pytest.fixture
def regulator(app):
    return person(app, [Role.REGULATOR])


def dossier(app, who, contract_id):
    with app.app_context():
        try:
            return trade_dossier.trade_dossier(uow(), actor(who), contract_id, domain=domain())
        finally:
            db.session.remove()


def check(app, who, contract_id, chain=None):
    with app.app_context():
        try:
            return trade_dossier.check_trade_proofs(uow(), actor(who), contract_id, chain)
        finally:
            db.session.remove()


def audit_actions(app, action):
    with app.app_context():
        found = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
        db.session.remove()
    return found


def test_the_dossier_holds_every_step_of_the_trade(app, settled, regulator):
    found, contract_id = settled
    seen = dossier(app, regulator, contract_id)

    contract = seen["contract"]
    assert contract["status"] == "settled" and contract["price"] == PRICE
    assert [s["verifies"] for s in contract["signatures"]] == [True, True]
    assert contract["number"] in contract["text_zh"]
    assert seen["product"]["id"] == found.product_id
    assert [r["action"] for r in seen["negotiation"]["rounds"]] == ["propose", "accept"]
    assert [p["status"] for p in seen["payments"]] == ["succeeded"]
    kinds = [journal["kind"] for journal in seen["escrow"]]
    assert kinds == ["payment", "release"]
    release = seen["escrow"][1]["postings"]
    assert sum(p["debit"] for p in release) == sum(p["credit"] for p in release) == PRICE
    assert {p["account_kind"] for p in release} == {"escrow", "vendor_payable", "fee_revenue"}
    assert len(seen["delivery"]["downloads"]) == 1
    assert seen["delivery"]["downloads"][0]["fingerprint"]
    assert [g["grantee"]["id"] for g in seen["rights"]["grants"]] == [found.buyer.organisation_id]
    assert [e["entry_type"] for e in seen["ledger"]] == TRADE_ENTRIES
    assert {e["anchor_status"] for e in seen["ledger"]} == {"pending"}
    assert seen["progress"]["payout"]["net"] == Decimal("9700.00")
    assert audit_actions(app, "oversight.trade.view") == 1


def test_the_ledger_entries_are_only_this_trades(app, client, settled, regulator):
    found, contract_id = settled
    other = accept(app, found.vendor, propose(app, found.buyer, found.offer_id, terms()))
    sign(app, found.vendor, other)
    seen = dossier(app, regulator, contract_id)
    assert [e["entry_type"] for e in seen["ledger"]] == TRADE_ENTRIES
    assert all(e["body"].get("contract_id", contract_id) == contract_id for e in seen["ledger"])


def test_proofs_are_pending_until_anchored_then_verified_on_chain(app, settled, regulator):
    _, contract_id = settled
    before = check(app, regulator, contract_id, chain_of(app))
    assert before["ok"] is True and before["verified_on_chain"] is False
    assert {c["ok"] for c in before["checks"]} == {None}
    assert all(c["reason"] == "not anchored yet" for c in before["checks"])

    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
    after = check(app, regulator, contract_id, chain_of(app))
    assert after["ok"] is True and after["verified_on_chain"] is True
    assert len(after["checks"]) == len(TRADE_ENTRIES)
    assert all(c["ok"] is True for c in after["checks"])
    assert all(
        [s["name"] for s in c["steps"]][-4:] == ["chain", "contract", "transaction", "root"]
        for c in after["checks"]
    )
    assert audit_actions(app, "oversight.trade.verified") == 2


def test_a_dead_chain_node_never_reads_as_verified(app, settled, regulator):
    _, contract_id = settled
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
    dead = RpcChain(f"http://127.0.0.1:{free_port()}", "0x" + "11" * 32, timeout=2)
    report = check(app, regulator, contract_id, dead)
    assert report["verified_on_chain"] is False
    assert {c["ok"] for c in report["checks"]} == {None}
    assert all("could not be reached" in c["reason"] for c in report["checks"])


def test_a_reset_chain_leaves_the_proofs_unchecked_not_failed(app, settled, regulator, tmp_path):
    _, contract_id = settled
    with app.app_context():
        anchor_pending(db.engine, chain_of(app), force=True)
    reset = EmbeddedChain(tmp_path / "reset-chain.sqlite")  # the node came back empty
    try:
        report = check(app, regulator, contract_id, reset)
    finally:
        reset.close()
    assert (report["ok"], report["verified_on_chain"]) == (True, False)
    assert {c["ok"] for c in report["checks"]} == {None}
    assert {c["reason"] for c in report["checks"]} == {"the anchor contract is not on this chain"}


@pytest.mark.parametrize("roles", [[Role.BUYER], [Role.VENDOR], [Role.BUYER, Role.VENDOR]])
def test_only_supervisors_read_a_dossier(app, settled, roles):
    found, contract_id = settled
    outsider = person(app, roles)
    party = found.buyer
    for who in (outsider, party):
        with pytest.raises(PermissionDenied):
            dossier(app, who, contract_id)
        with pytest.raises(PermissionDenied):
            check(app, who, contract_id)
    assert audit_actions(app, "oversight.trade.view") == 0


def test_an_operator_reads_it_too(app, settled):
    _, contract_id = settled
    operator = person(app, [Role.OPERATOR])
    assert dossier(app, operator, contract_id)["contract"]["id"] == contract_id


def test_an_unknown_trade_is_not_found_and_nothing_is_audited(app, regulator):
    with pytest.raises(NotFound):
        dossier(app, regulator, 987654)
    with pytest.raises(NotFound):
        check(app, regulator, 987654)
    assert audit_actions(app, "oversight.trade.view") == 0
