"""Double-entry escrow on the real databases: journals balance, balances never go negative."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from exchange.extensions import db
from exchange.payments import escrow
from exchange.payments.domain import AccountKind, JournalKind, fee_of
from exchange.payments.models import EscrowAccount, EscrowJournal, EscrowPosting
from exchange.trading.models import TradeContract
from tests.payments import trade


def _contract(contract_id: int) -> TradeContract:
    contract = db.session.get(TradeContract, contract_id)
    assert contract is not None
    return contract


def _balance(kind: AccountKind, organisation_id: int | None = None) -> Decimal:
    return escrow.account(db.session, kind, organisation_id).balance


def test_payment_moves_the_price_from_buyer_funds_into_escrow(app):
    t = trade(app, price="12000.00")
    with app.app_context():
        journal = escrow.post_payment(db.session, _contract(t.contract_id), ledger_seq=None)
        db.session.commit()
        debits = sum(p.debit for p in journal.postings)
        credits = sum(p.credit for p in journal.postings)
        assert debits == credits == Decimal("12000.00")
        assert _balance(AccountKind.BUYER, t.buyer.organisation_id) == Decimal("12000.00")
        assert _balance(AccountKind.ESCROW) == Decimal("12000.00")
        assert escrow.trial_balance(db.session).balanced


def test_release_pays_the_vendor_the_price_less_the_fee(app):
    t = trade(app, price="12000.00", fee_rate="0.03")
    with app.app_context():
        contract = _contract(t.contract_id)
        escrow.post_payment(db.session, contract, ledger_seq=None)
        escrow.post_release(db.session, contract, ledger_seq=None)
        db.session.commit()
        assert _balance(AccountKind.ESCROW) == Decimal("0.00")
        assert _balance(AccountKind.VENDOR_PAYABLE, t.vendor.organisation_id) == Decimal("11640.00")
        assert _balance(AccountKind.FEE_REVENUE) == Decimal("360.00")
        trial = escrow.trial_balance(db.session)
        assert trial.balanced and trial.debit_normal == trial.credit_normal == Decimal("12000.00")


def test_refund_returns_the_price_to_the_buyer(app):
    t = trade(app, price="880.00")
    with app.app_context():
        contract = _contract(t.contract_id)
        escrow.post_payment(db.session, contract, ledger_seq=None)
        escrow.post_refund(db.session, contract, ledger_seq=None)
        db.session.commit()
        assert _balance(AccountKind.BUYER, t.buyer.organisation_id) == Decimal("0.00")
        assert _balance(AccountKind.ESCROW) == Decimal("0.00")
        assert [j["kind"] for j in escrow.journal_of(db.session, contract.id)] == [
            "payment",
            "refund",
        ]
        assert escrow.trial_balance(db.session).balanced


def test_release_before_payment_is_refused_by_the_database_and_changes_nothing(app):
    t = trade(app)
    with app.app_context():
        with pytest.raises(escrow.EscrowRefused) as refused:
            escrow.post_release(db.session, _contract(t.contract_id), ledger_seq=None)
        assert "below zero" in str(refused.value)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(EscrowJournal)) == 0
        assert db.session.scalar(select(func.count()).select_from(EscrowPosting)) == 0
        assert all(row["balance"] == 0 for row in escrow.balances(db.session))


def test_the_database_refuses_a_negative_balance_written_directly(app):
    with app.app_context():
        account = escrow.account(db.session, AccountKind.ESCROW)
        db.session.commit()
        with pytest.raises(Exception, match="(?i)check|balance_not_negative"):
            db.session.execute(
                update(EscrowAccount).where(EscrowAccount.id == account.id).values(balance=-1)
            )
        db.session.rollback()


def test_each_journal_posts_once_per_contract(app):
    t = trade(app)
    with app.app_context():
        contract = _contract(t.contract_id)
        escrow.post_payment(db.session, contract, ledger_seq=None)
        db.session.commit()
        with pytest.raises(escrow.EscrowRefused, match="already been posted"):
            escrow.post_payment(db.session, contract, ledger_seq=None)
        db.session.rollback()
        assert _balance(AccountKind.ESCROW) == t.price
        assert db.session.scalar(select(func.count()).select_from(EscrowJournal)) == 1


def test_an_unbalanced_journal_is_refused_before_anything_is_written(app):
    t = trade(app)
    with app.app_context():
        lines = [
            escrow.Line(escrow.account(db.session, AccountKind.ESCROW), debit=Decimal("10.00")),
            escrow.Line(
                escrow.account(db.session, AccountKind.FEE_REVENUE), credit=Decimal("9.99")
            ),
        ]
        with pytest.raises(ValueError, match="balance"):
            escrow.post(db.session, _contract(t.contract_id), JournalKind.RELEASE, lines, "x")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(EscrowJournal)) == 0


@pytest.mark.parametrize(
    ("price", "rate", "fee"),
    [
        ("12000.00", "0.03", "360.00"),
        ("333.35", "0.03", "10.00"),  # 10.0005 rounds down
        ("0.50", "0.03", "0.02"),  # 0.015 rounds half up
        ("0.01", "0.0300", "0.00"),
        ("100.00", "1.5000", "100.00"),  # never more than the price
    ],
)
def test_fee_is_rounded_half_up_to_the_fen(price, rate, fee):
    assert fee_of(Decimal(price), Decimal(rate)) == Decimal(fee)


def test_a_release_with_a_rounded_fee_still_balances(app):
    t = trade(app, price="0.50", fee_rate="0.03")
    with app.app_context():
        contract = _contract(t.contract_id)
        escrow.post_payment(db.session, contract, ledger_seq=None)
        escrow.post_release(db.session, contract, ledger_seq=None)
        db.session.commit()
        assert _balance(AccountKind.VENDOR_PAYABLE, t.vendor.organisation_id) == Decimal("0.48")
        assert _balance(AccountKind.FEE_REVENUE) == Decimal("0.02")
        assert escrow.trial_balance(db.session).balanced


def test_trial_balance_names_an_account_that_disagrees_with_its_postings(app):
    t = trade(app)
    with app.app_context():
        escrow.post_payment(db.session, _contract(t.contract_id), ledger_seq=None)
        db.session.commit()
        account = escrow.account(db.session, AccountKind.ESCROW)
        db.session.execute(
            update(EscrowAccount)
            .where(EscrowAccount.id == account.id)
            .values(balance=EscrowAccount.balance + 1)
        )
        db.session.commit()
        trial = escrow.trial_balance(db.session)
        assert not trial.balanced
        assert trial.mismatched == (account.id,)


def test_there_is_only_ever_one_shared_escrow_account(app):
    with app.app_context():
        first = escrow.account(db.session, AccountKind.ESCROW)
        assert escrow.account(db.session, AccountKind.ESCROW).id == first.id
        db.session.add(EscrowAccount(kind=AccountKind.ESCROW, organisation_id=None))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
