"""One exclusive licence, a hundred buyers paying at once, on SQLite and PostgreSQL: exactly one
purchase goes through; every other is refused whole and changes nothing."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from exchange.catalog.models import LicenceOffer
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.errors import ExchangeError
from exchange.kernel.models import utcnow
from exchange.kernel.records import IdempotencyRecord
from exchange.kernel.vocabulary import Role
from exchange.payments import escrow
from exchange.payments.domain import AccountKind, Gateway
from exchange.payments.gateways import gateways_from_config
from exchange.rights.domain import RecordStatus, RightKind
from exchange.rights.models import RightsRecord
from exchange.trading import payment_outcomes, payment_start
from exchange.trading.contracts import licence_period
from exchange.trading.domain import ContractStatus, NegotiationStatus, Side
from exchange.trading.models import Negotiation, TradeContract
from tests.catalog import person
from tests.payments import balance
from tests.rights import actor
from tests.trading import listed_offer

BUYERS = int(os.environ.get("RACE_BUYERS", "100"))
PRICE = Decimal("50000.00")


def exclusive_contracts(app, client, buyers: int):
    """One vendor's listed, certified product and a signed exclusive contract per buyer, each
    with its bank transfer started; (operator, vendor, [(contract id, payment id, buyer)])."""
    vendor = person(app, [Role.VENDOR])
    operator = person(app, [Role.OPERATOR])
    product_id, offer_id = listed_offer(app, client, vendor, operator)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    made = []
    for serial in range(buyers):
        buyer = person(app, [Role.BUYER])
        with app.app_context():
            session = db.session
            offer = session.get(LicenceOffer, offer_id)
            now = utcnow()
            negotiation = Negotiation(
                offer_id=offer_id,
                product_id=product_id,
                buyer_id=buyer.organisation_id,
                vendor_id=vendor.organisation_id,
                status=NegotiationStatus.ACCEPTED,
                turn=Side.VENDOR,
                expires_at=now + timedelta(hours=72),
            )
            session.add(negotiation)
            session.flush()
            starts_on, ends_on = licence_period(now.date(), offer.term_months)
            contract = TradeContract(
                number=f"GTC-RACE-{serial:04d}",
                negotiation_id=negotiation.id,
                product_id=product_id,
                offer_id=offer_id,
                vendor_id=vendor.organisation_id,
                buyer_id=buyer.organisation_id,
                price=PRICE,
                fee_rate=Decimal("0.03"),
                terms={
                    "scope": "commercial",
                    "term_months": offer.term_months,
                    "territory": "mainland",
                    "exclusive": True,
                    "seats": 1,
                    "derivative": False,
                    "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(),
                },
                canonical='{"acceptance_days":7}',
                contract_hash="0" * 64,
                text_zh="独占许可合同（测试）",
                text_en="Exclusive licence (test)",
                signed_at_unix=int(now.timestamp()),
                status=ContractStatus.AWAITING_PAYMENT,
                ledger_seq=0,
            )
            session.add(contract)
            session.commit()
            started = payment_start.start_payment(uow(), actor(buyer), contract.id, gateway=bank)
            made.append((contract.id, started["id"], buyer))
            db.session.remove()
    return operator, vendor, made


def test_a_hundred_buyers_pay_for_one_exclusive_licence_and_one_gets_it(app, client):
    operator, vendor, made = exclusive_contracts(app, client, BUYERS)
    barrier = threading.Barrier(BUYERS, timeout=60)
    outcomes: list[str] = []

    def confirm(payment_id: int) -> None:
        barrier.wait()  # all at once; the connection pool then queues them, as a server would
        with app.app_context():
            try:
                payment_outcomes.confirm_bank_transfer(
                    uow(), actor(operator), payment_id, amount=PRICE
                )
                outcomes.append("paid")
            except ExchangeError as error:
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(p,)) for _, p, _ in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("paid") == 1
    assert outcomes.count("RightsNotHeld") == BUYERS - 1
    with app.app_context():
        statuses = db.session.scalars(select(TradeContract.status)).all()
        records = db.session.execute(
            select(RightsRecord.holder_id, RightsRecord.uses).where(
                RightsRecord.right == RightKind.OPERATION,
                RightsRecord.status == RecordStatus.ACTIVE,
            )
        ).all()
        holders = [holder for holder, uses in records if uses == ["commercial"]]
        entitled = db.session.scalar(select(func.count()).select_from(Entitlement))
        assert escrow.trial_balance(db.session).balanced
        db.session.remove()
    assert statuses.count(ContractStatus.IN_ESCROW) == 1
    assert statuses.count(ContractStatus.AWAITING_PAYMENT) == BUYERS - 1
    buyers_holding = {holder for holder in holders if holder != vendor.organisation_id}
    assert entitled == 1 and len(buyers_holding) == 1  # the vendor keeps what comes after
    assert balance(app, AccountKind.ESCROW) == PRICE


def test_one_idempotency_key_sent_many_times_at_once_gets_one_answer(app, client):
    _, _, [(contract_id, payment_id, buyer)] = exclusive_contracts(app, client, 1)
    bank = gateways_from_config(app.config)[Gateway.BANK_TRANSFER]
    barrier = threading.Barrier(20, timeout=60)
    answers: list[dict] = []

    def ask() -> None:
        barrier.wait()
        with app.app_context():
            try:
                answers.append(
                    payment_start.start_payment(
                        uow(), actor(buyer), contract_id, gateway=bank, idempotency_key="k-1"
                    )
                )
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 20 and all(answer == answers[0] for answer in answers)
    assert answers[0]["id"] == payment_id
    with app.app_context():
        kept = db.session.scalar(select(func.count()).select_from(IdempotencyRecord))
        db.session.remove()
    assert kept == 1
