"""Negotiations through their services, on SQLite and PostgreSQL: proposing, alternating
counters, acceptance into a contract, rejection, withdrawal, expiry, and every refusal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from exchange.catalog.listing import suspend
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.ledger.models import LedgerParty
from exchange.trading import negotiation_reading, negotiations
from exchange.trading.domain import NegotiationStatus, RoundAction, Side
from exchange.trading.models import Negotiation, NegotiationRound, TradeContract
from exchange.valuation.models import Valuation
from tests.catalog import person
from tests.rights import actor, own_product
from tests.trading import (
    EXPIRY_HOURS,
    accept,
    act,
    counter,
    ledger_bodies,
    listed_offer,
    market,
    propose,
    terms,
)


@pytest.fixture
def trade(app, client):
    return market(app, client)


def rows(app, model):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return count


def test_propose_counter_accept_makes_a_contract(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    counter(app, trade.vendor, negotiation_id, "11800.00")
    counter(app, trade.buyer, negotiation_id, "11000.00")
    contract_id = accept(app, trade.vendor, negotiation_id)

    view = act(app, trade.buyer, negotiation_reading.negotiation_view, negotiation_id)
    assert view["status"] == NegotiationStatus.ACCEPTED
    assert view["contract_id"] == contract_id
    assert [(r["side"], r["action"]) for r in view["history"]] == [
        (Side.BUYER, RoundAction.PROPOSE),
        (Side.VENDOR, RoundAction.COUNTER),
        (Side.BUYER, RoundAction.COUNTER),
        (Side.VENDOR, RoundAction.ACCEPT),
    ]
    with app.app_context():
        contract = db.session.get(TradeContract, contract_id)
        assert contract.price == Decimal("11000.00")
        assert contract.buyer_id == trade.buyer.organisation_id
        assert contract.vendor_id == trade.vendor.organisation_id


def test_rounds_alternate_and_out_of_turn_is_refused(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    with pytest.raises(Conflict):
        counter(app, trade.buyer, negotiation_id, "9000.00")
    with pytest.raises(Conflict):
        accept(app, trade.buyer, negotiation_id)
    counter(app, trade.vendor, negotiation_id, "11800.00")
    with pytest.raises(Conflict):
        act(app, trade.vendor, negotiations.reject, negotiation_id)
    assert rows(app, NegotiationRound) == 2


def test_one_open_negotiation_per_buyer_and_offer(app, trade):
    propose(app, trade.buyer, trade.offer_id)
    with pytest.raises(Conflict):
        propose(app, trade.buyer, trade.offer_id)
    assert rows(app, Negotiation) == 1


def test_a_second_negotiation_may_open_after_the_first_closes(app, trade):
    first = propose(app, trade.buyer, trade.offer_id)
    act(app, trade.buyer, negotiations.withdraw, first)
    second = propose(app, trade.buyer, trade.offer_id)
    assert second != first


def test_the_database_keeps_one_open_negotiation_per_buyer_and_offer(app, trade):
    propose(app, trade.buyer, trade.offer_id)
    with app.app_context():
        existing = db.session.scalar(select(Negotiation))
        db.session.add(
            Negotiation(
                offer_id=existing.offer_id,
                product_id=existing.product_id,
                buyer_id=existing.buyer_id,
                vendor_id=existing.vendor_id,
                status=NegotiationStatus.OPEN,
                turn=Side.VENDOR,
                expires_at=existing.expires_at,
            )
        )
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()


def test_expire_due_closes_overdue_negotiations_on_the_ledger(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    later = utcnow() + timedelta(hours=EXPIRY_HOURS + 1)
    with app.app_context():
        assert negotiations.expire_due(uow(), utcnow()) == 0
        assert negotiations.expire_due(uow(), later) == 1
        db.session.remove()
    view = act(app, trade.vendor, negotiation_reading.negotiation_view, negotiation_id)
    assert view["status"] == NegotiationStatus.EXPIRED
    assert view["history"][-1]["action"] == RoundAction.EXPIRE
    assert ledger_bodies(app, "trade.negotiation")[-1]["outcome"] == "expired"


def test_acting_after_expiry_is_refused_even_before_the_sweep(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    later = utcnow() + timedelta(hours=EXPIRY_HOURS + 1)
    with pytest.raises(Conflict):
        accept(app, trade.vendor, negotiation_id, now=later)
    assert rows(app, TradeContract) == 0


def test_each_move_restarts_the_expiry_clock(app, trade):
    start = utcnow()
    negotiation_id = propose(app, trade.buyer, trade.offer_id, now=start)
    moved = start + timedelta(hours=EXPIRY_HOURS - 1)
    answered = counter(app, trade.vendor, negotiation_id, "11000.00", now=moved)
    assert answered["expires_at"] == moved + timedelta(hours=EXPIRY_HOURS)


def test_a_lapsed_negotiation_does_not_block_a_new_one(app, trade):
    propose(app, trade.buyer, trade.offer_id)
    later = utcnow() + timedelta(hours=EXPIRY_HOURS + 1)
    propose(app, trade.buyer, trade.offer_id, now=later)
    assert [b["outcome"] for b in ledger_bodies(app, "trade.negotiation")] == ["expired"]


def test_a_price_with_three_decimals_is_refused(app, trade):
    with pytest.raises(ValidationFailed) as refused:
        propose(app, trade.buyer, trade.offer_id, terms(price=Decimal("100.005")))
    assert "price" in refused.value.errors
    assert rows(app, Negotiation) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"price": Decimal("0")},
        {"price": Decimal("-5.00")},
        {"seats": 0},
        {"term_months": 0},
        {"term_months": 121},
    ],
)
def test_terms_outside_sane_bounds_are_refused(app, trade, bad):
    with pytest.raises(ValidationFailed) as refused:
        propose(app, trade.buyer, trade.offer_id, terms(**bad))
    assert set(refused.value.errors) == set(bad)


def test_an_offer_on_ones_own_product_is_refused(app, trade):
    own_buyer = person(app, [Role.BUYER], organisation_id=trade.vendor.organisation_id)
    with pytest.raises(PermissionDenied):
        propose(app, own_buyer, trade.offer_id)
    assert rows(app, Negotiation) == 0


def test_an_unlisted_product_cannot_be_negotiated(app, client, trade):
    draft = own_product(client, trade.vendor)
    with pytest.raises(NotFound):  # a draft is invisible to other organisations
        propose(app, trade.buyer, draft["offers"][0]["id"])
    with app.app_context():
        suspend(uow(), actor(trade.operator), trade.product_id, "核查数据来源。")
        db.session.remove()
    with pytest.raises((Conflict, NotFound)):
        propose(app, trade.buyer, trade.offer_id)
    assert rows(app, Negotiation) == 0


def test_an_unverified_buyer_cannot_propose(app, trade):
    unverified = person(app, [Role.BUYER], verified=False)
    with pytest.raises(Conflict):
        propose(app, unverified, trade.offer_id)


def test_a_member_without_the_buyer_role_cannot_propose(app, trade):
    vendor_elsewhere = person(app, [Role.VENDOR])
    with pytest.raises(PermissionDenied):
        propose(app, vendor_elsewhere, trade.offer_id)


def test_strangers_get_404(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    stranger = person(app, [Role.BUYER, Role.VENDOR])
    with pytest.raises(NotFound):
        act(app, stranger, negotiation_reading.negotiation_view, negotiation_id)
    with pytest.raises(NotFound):
        counter(app, stranger, negotiation_id, "9.00")
    with pytest.raises(NotFound):
        act(app, stranger, negotiations.withdraw, negotiation_id)


def test_only_the_buyer_withdraws(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    with pytest.raises(PermissionDenied):
        act(app, trade.vendor, negotiations.withdraw, negotiation_id)
    act(app, trade.buyer, negotiations.withdraw, negotiation_id)
    with pytest.raises(Conflict):
        counter(app, trade.vendor, negotiation_id, "9000.00")


def test_outcomes_go_to_the_ledger_with_both_parties(app, client, trade):
    rejected = propose(app, trade.buyer, trade.offer_id)
    act(app, trade.vendor, negotiations.reject, rejected, "价格过低。")
    accepted = propose(app, trade.buyer, trade.offer_id)
    accept(app, trade.vendor, accepted)
    bodies = ledger_bodies(app, "trade.negotiation")
    assert [(b["negotiation_id"], b["outcome"]) for b in bodies] == [
        (rejected, "rejected"),
        (accepted, "accepted"),
    ]
    assert {bodies[0]["buyer_id"], bodies[0]["vendor_id"]} == {
        trade.buyer.organisation_id,
        trade.vendor.organisation_id,
    }
    with app.app_context():
        seq = db.session.get(Negotiation, accepted).ledger_seq
        parties = db.session.scalars(
            select(LedgerParty.organisation_id).where(LedgerParty.seq == seq)
        ).all()
        db.session.remove()
    assert sorted(parties) == sorted([trade.buyer.organisation_id, trade.vendor.organisation_id])


def test_view_shows_band_and_suggested_counter(app, trade):
    with app.app_context():
        db.session.add(
            Valuation(
                product_id=trade.product_id,
                requested_by_id=trade.vendor.user_id,
                organisation_id=trade.vendor.organisation_id,
                purpose="listing",
                method_version="test",
                inputs={"offer_id": trade.offer_id},
                result={},
                floor=Decimal("9000.00"),
                reference=Decimal("10500.00"),
                ceiling=Decimal("12000.00"),
            )
        )
        db.session.commit()
        db.session.remove()
    negotiation_id = propose(app, trade.buyer, trade.offer_id, terms(price=Decimal("8000.00")))
    first = act(app, trade.vendor, negotiation_reading.negotiation_view, negotiation_id)
    assert first["band"]["floor"] == Decimal("9000.00")
    assert first["suggested_counter"] is None  # one price only
    counter(app, trade.vendor, negotiation_id, "11800.00")
    view = act(app, trade.buyer, negotiation_reading.negotiation_view, negotiation_id)
    assert view["band"]["ceiling"] == Decimal("12000.00")
    assert view["suggested_counter"]["price"] == "9900.00"  # halfway, inside the band
    assert view["buyer"]["name_zh"] and view["vendor"]["name_zh"]


def test_view_without_a_band_has_no_suggestion(app, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    counter(app, trade.vendor, negotiation_id, "11800.00")
    view = act(app, trade.buyer, negotiation_reading.negotiation_view, negotiation_id)
    assert view["band"] is None and view["suggested_counter"] is None


def test_my_negotiations_lists_them_for_both_sides(app, client, trade):
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    other_product, other_offer = listed_offer(app, client, person(app), trade.operator)
    other = propose(app, trade.buyer, other_offer)
    mine = act(app, trade.buyer, negotiation_reading.my_negotiations)
    assert {n["id"] for n in mine} == {negotiation_id, other}
    theirs = act(app, trade.vendor, negotiation_reading.my_negotiations)
    assert [(n["id"], n["side"]) for n in theirs] == [(negotiation_id, Side.VENDOR)]
