"""A trade from offer to settlement through the services, on SQLite and PostgreSQL: the buyer
accepts or disputes within the window, the window's end settles, an operator decides disputes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from exchange.delivery.domain import EntitlementStatus
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.models import utcnow
from exchange.payments.domain import AccountKind, Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.rights.domain import GrantStatus, RecordStatus, RightKind
from exchange.rights.models import LicenceGrant, RightsRecord
from exchange.trading import payment_outcomes, payment_start, settlement
from exchange.trading.comparables import paid_trades
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract
from exchange.valuation.inputs import gather_comparables
from tests.catalog import person
from tests.payments import balance
from tests.trading import accept, act, ledger_bodies, market, propose, sign, terms

PRICE = Decimal("10000.00")
FEE = Decimal("300.00")  # 3%


@pytest.fixture
def trade(app, client):
    """A non-exclusive trade paid by bank transfer and confirmed: the contract is in escrow."""
    return paid_trade(app, client)


def paid_trade(app, client, **agreed):
    found = market(app, client)
    negotiation_id = propose(app, found.buyer, found.offer_id, terms(price=PRICE, **agreed))
    contract_id = accept(app, found.vendor, negotiation_id)
    sign(app, found.vendor, contract_id)
    sign(app, found.buyer, contract_id)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    started = act(app, found.buyer, payment_start.start_payment, contract_id, gateway=bank)
    act(app, found.operator, payment_outcomes.confirm_bank_transfer, started["id"], amount=PRICE)
    return found, contract_id


def contract(app, contract_id: int) -> TradeContract:
    with app.app_context():
        row = db.session.get(TradeContract, contract_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def test_payment_starts_the_acceptance_window_and_delivers(app, trade):
    found, contract_id = trade
    paid = contract(app, contract_id)
    assert paid.status == ContractStatus.IN_ESCROW
    assert paid.acceptance_due_at - paid.delivered_at == timedelta(days=7)
    assert balance(app, AccountKind.ESCROW) == PRICE


def test_acceptance_releases_escrow_less_the_fee(app, trade):
    found, contract_id = trade

    act(app, found.buyer, settlement.accept_delivery, contract_id)

    assert contract(app, contract_id).status == ContractStatus.SETTLED
    assert balance(app, AccountKind.ESCROW) == 0
    assert balance(app, AccountKind.VENDOR_PAYABLE, found.vendor.organisation_id) == PRICE - FEE
    assert balance(app, AccountKind.FEE_REVENUE) == FEE
    assert balance(app, AccountKind.BUYER, found.buyer.organisation_id) == PRICE
    [settled] = ledger_bodies(app, "trade.settlement")
    assert settled["to_vendor"] == "9700.00" and settled["fee"] == "300.00"
    assert len(ledger_bodies(app, "trade.acceptance")) == 1


def test_every_step_of_the_trade_is_on_the_ledger(app, trade):
    found, contract_id = trade
    act(app, found.buyer, settlement.accept_delivery, contract_id)
    for entry_type in (
        "trade.negotiation",
        "trade.contract",
        "trade.payment",
        "trade.delivery",
        "rights.grant",
        "trade.acceptance",
        "trade.settlement",
    ):
        assert len(ledger_bodies(app, entry_type)) == 1, entry_type
    assert len(ledger_bodies(app, "trade.signature")) == 2


def test_only_the_buyer_accepts_and_only_once(app, trade):
    found, contract_id = trade
    with pytest.raises(PermissionDenied):
        act(app, found.vendor, settlement.accept_delivery, contract_id)
    with pytest.raises(NotFound):
        act(app, person(app, ["buyer"]), settlement.accept_delivery, contract_id)
    act(app, found.buyer, settlement.accept_delivery, contract_id)
    with pytest.raises(Conflict):
        act(app, found.buyer, settlement.accept_delivery, contract_id)
    assert balance(app, AccountKind.FEE_REVENUE) == FEE  # released once


def test_the_windows_end_settles_an_undisputed_trade(app, trade):
    found, contract_id = trade
    with app.app_context():
        assert settlement.settle_due(uow(), now=utcnow() + timedelta(days=6)) == 0
        assert settlement.settle_due(uow(), now=utcnow() + timedelta(days=8)) == 1
        db.session.remove()
    assert contract(app, contract_id).status == ContractStatus.SETTLED
    assert ledger_bodies(app, "trade.settlement")[0]["why"] == "the acceptance window ended"


def test_an_upheld_dispute_refunds_and_takes_back_data_and_licence(app, trade):
    found, contract_id = trade
    act(app, found.buyer, settlement.open_dispute, contract_id, "数据缺少约定的字段。")
    assert contract(app, contract_id).status == ContractStatus.DISPUTED

    act(app, found.operator, settlement.decide_dispute, contract_id, "uphold", "卖方交付不符。")

    assert contract(app, contract_id).status == ContractStatus.REFUNDED
    assert balance(app, AccountKind.ESCROW) == 0
    assert balance(app, AccountKind.BUYER, found.buyer.organisation_id) == 0
    with app.app_context():
        assert db.session.scalars(select(Entitlement.status)).one() == EntitlementStatus.REVOKED
        assert db.session.scalars(select(LicenceGrant.status)).one() == GrantStatus.ENDED
        db.session.remove()
    assert len(ledger_bodies(app, "trade.refund")) == 1


def test_a_rejected_dispute_releases_escrow(app, trade):
    found, contract_id = trade
    act(app, found.buyer, settlement.open_dispute, contract_id, "数据有误。")
    act(app, found.operator, settlement.decide_dispute, contract_id, "reject", "数据符合约定。")
    assert contract(app, contract_id).status == ContractStatus.SETTLED
    assert balance(app, AccountKind.VENDOR_PAYABLE, found.vendor.organisation_id) == PRICE - FEE


def test_an_upheld_dispute_returns_an_exclusive_right_to_the_vendor(app, client):
    found, contract_id = paid_trade(app, client, exclusive=True)
    act(app, found.buyer, settlement.open_dispute, contract_id, "数据无法使用。")
    act(app, found.operator, settlement.decide_dispute, contract_id, "uphold", "经核实属实。")
    with app.app_context():
        held = db.session.scalars(
            select(RightsRecord.holder_id).where(
                RightsRecord.right == RightKind.OPERATION,
                RightsRecord.status == RecordStatus.ACTIVE,
            )
        ).all()
        db.session.remove()
    assert found.buyer.organisation_id not in held and found.vendor.organisation_id in held


def test_a_dispute_after_the_window_is_refused(app, trade):
    found, contract_id = trade
    later = utcnow() + timedelta(days=8)
    with pytest.raises(Conflict):
        act(app, found.buyer, settlement.open_dispute, contract_id, "太迟了。", now=later)
    assert contract(app, contract_id).status == ContractStatus.IN_ESCROW


def test_a_dispute_needs_a_reason_and_an_operator_decides(app, trade):
    found, contract_id = trade
    with pytest.raises(ValidationFailed):
        act(app, found.buyer, settlement.open_dispute, contract_id, "  ")
    act(app, found.buyer, settlement.open_dispute, contract_id, "数据有误。")
    for someone in (found.buyer, found.vendor, person(app, ["regulator"])):
        with pytest.raises(PermissionDenied):
            act(app, someone, settlement.decide_dispute, contract_id, "uphold", "理由。")
    with pytest.raises(ValidationFailed):
        act(app, found.operator, settlement.decide_dispute, contract_id, "maybe", "理由。")
    assert contract(app, contract_id).status == ContractStatus.DISPUTED


def test_paid_trades_become_market_evidence_and_refunded_ones_do_not(app, client, trade):
    found, contract_id = trade
    refunded_market, refunded_id = paid_trade(app, client)
    act(app, refunded_market.buyer, settlement.open_dispute, refunded_id, "数据有误。")
    act(app, refunded_market.operator, settlement.decide_dispute, refunded_id, "uphold", "属实。")
    act(app, found.buyer, settlement.accept_delivery, contract_id)

    with app.app_context():
        trades = [
            c
            for c in gather_comparables(db.session, exclude=0, paid_trades=paid_trades)
            if c.is_trade
        ]
        listed = [
            c
            for c in gather_comparables(db.session, exclude=0, paid_trades=paid_trades)
            if not c.is_trade
        ]
        own = [
            c
            for c in gather_comparables(
                db.session, exclude=found.product_id, paid_trades=paid_trades
            )
            if c.is_trade
        ]
        db.session.remove()
    [evidence] = trades
    assert evidence.ref == contract(app, contract_id).number and evidence.price == PRICE
    assert evidence.licence.kind == "non_exclusive" and evidence.licence.term_months == 12
    assert len(listed) == 2  # both products' offers, as listed prices
    assert own == []  # a product is never its own evidence
