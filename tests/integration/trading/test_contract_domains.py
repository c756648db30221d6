"""Signatures outlive redeployments, on SQLite and PostgreSQL: each contract keeps the EIP-712
domain its first signature was made under, so `ledger reanchor` deploying the anchor contract
at a new address leaves every earlier signature verifying, while a tampered one still fails
and new contracts sign under the new domain."""

from __future__ import annotations

import importlib.util

from sqlalchemy import update

from contracts import anchoring
from contracts.signing import SigningDomain
from exchange import ROOT
from exchange.extensions import db
from exchange.ledger.extension import chain_of
from exchange.trading import contracts as trade_contracts
from exchange.trading import signing_keys
from exchange.trading.domain import ContractStatus, Side
from exchange.trading.extension import signing_domain
from exchange.trading.models import ContractSignature, TradeContract
from tests.trading import accept, act, agreed_contract, propose, terms


def current_domain(app) -> SigningDomain:
    """The domain the exchange signs new contracts under, as the web and API resolve it."""
    with app.app_context():
        try:
            return signing_domain(app)
        finally:
            db.session.remove()


def sign_now(app, who, contract_id):
    return act(
        app,
        who,
        signing_keys.sign_contract,
        contract_id,
        master_key=app.config["MASTER_KEY"],
        domain=current_domain(app),
    )


def verdicts(app, who, contract_id):
    shown = act(app, who, trade_contracts.contract_view, contract_id, domain=current_domain(app))
    return [(s["side"], s["verifies"]) for s in shown["signatures"]]


def kept_domain(app, contract_id):
    with app.app_context():
        row = db.session.get(TradeContract, contract_id)
        kept = (row.domain_name, row.domain_version, row.domain_chain_id, row.domain_contract)
        db.session.remove()
    return kept


def another_contract(app, trade):
    return accept(app, trade.vendor, propose(app, trade.buyer, trade.offer_id, terms()))


def reanchor(app):
    with app.app_context():
        anchoring.reanchor(db.engine, chain_of(app))
        db.session.remove()


def test_signatures_verify_under_the_domain_they_were_made_with_after_a_reanchor(app, client):
    before = current_domain(app)
    trade, signed_id = agreed_contract(app, client)
    sign_now(app, trade.buyer, signed_id)
    sign_now(app, trade.vendor, signed_id)
    half_id = another_contract(app, trade)
    sign_now(app, trade.vendor, half_id)
    assert kept_domain(app, signed_id) == (
        before.name,
        before.version,
        before.chain_id,
        before.verifying_contract,
    )

    reanchor(app)
    after = current_domain(app)
    assert after.verifying_contract != before.verifying_contract

    assert verdicts(app, trade.buyer, signed_id) == [(Side.BUYER, True), (Side.VENDOR, True)]
    # the other side of a contract signed before the redeployment signs under its domain
    assert sign_now(app, trade.buyer, half_id)["status"] == ContractStatus.AWAITING_PAYMENT
    assert verdicts(app, trade.buyer, half_id) == [(Side.VENDOR, True), (Side.BUYER, True)]
    assert kept_domain(app, half_id)[3] == before.verifying_contract
    # a new contract signs under the new deployment's domain
    new_id = another_contract(app, trade)
    sign_now(app, trade.vendor, new_id)
    assert kept_domain(app, new_id)[2:] == (after.chain_id, after.verifying_contract)
    assert verdicts(app, trade.vendor, new_id) == [(Side.VENDOR, True)]


def test_a_tampered_signature_still_fails_under_the_kept_domain(app, client):
    trade, contract_id = agreed_contract(app, client)
    signed = sign_now(app, trade.buyer, contract_id)
    reanchor(app)
    digits = signed["signature"]
    forged = digits[:10] + ("0" if digits[10] != "0" else "1") + digits[11:]
    with app.app_context():
        db.session.execute(
            update(ContractSignature)
            .where(ContractSignature.contract_id == contract_id)
            .values(signature=forged)
        )
        db.session.commit()
        db.session.remove()
    assert verdicts(app, trade.buyer, contract_id) == [(Side.BUYER, False)]


def test_the_migration_gives_earlier_contracts_the_current_deployments_domain(app, client):
    deployed = current_domain(app)
    trade, contract_id = agreed_contract(app, client)
    sign_now(app, trade.buyer, contract_id)
    spec = importlib.util.spec_from_file_location(
        "contract_domains", ROOT / "migrations" / "versions" / "0021_contract_domains.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        db.session.execute(  # as a contract signed before the domain was kept
            update(TradeContract).values(
                domain_name=None, domain_version=None, domain_chain_id=None, domain_contract=None
            )
        )
        db.session.commit()
        with db.engine.begin() as connection:
            migration.fill_domains(connection)
        db.session.remove()
    assert kept_domain(app, contract_id) == (
        deployed.name,
        deployed.version,
        deployed.chain_id,
        deployed.verifying_contract,
    )
    reanchor(app)
    assert verdicts(app, trade.buyer, contract_id) == [(Side.BUYER, True)]
