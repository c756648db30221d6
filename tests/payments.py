"""Trading setup for the payment tests: contracts awaiting payment made straight as rows (the
negotiation that normally makes them is tested on its own), operators, gateways built as the
app builds them, and Stripe webhooks signed exactly as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from contracts.schema import ledger_entries
from exchange.accounts.actors import load_actor
from exchange.catalog.models import LicenceOffer
from exchange.extensions import db
from exchange.kernel.actors import Actor
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event
from exchange.payments import escrow
from exchange.payments.domain import AccountKind, Gateway
from exchange.payments.gateways import PaymentGateway, gateways_from_config
from exchange.payments.models import EscrowJournal, GatewayEvent, Payment
from exchange.trading.contracts import licence_period
from exchange.trading.domain import ContractStatus, NegotiationStatus, Side
from exchange.trading.models import Negotiation, TradeContract
from tests.catalog import Person, person
from tests.stripe_standin import StripeStandIn, stripe_standin
from tests.trading import listed_offer

WEBHOOK_SECRET = "whsec_ganshu_tests_" + "a" * 24
_contracts = itertools.count(1)


@dataclass(frozen=True)
class Trade:
    """A contract awaiting payment, with the people on both sides."""

    contract_id: int
    number: str
    price: Decimal
    buyer: Person
    vendor: Person
    operator: Person


def trade(
    app: Flask,
    *,
    price: Decimal | str = "12000.00",
    fee_rate: Decimal | str = "0.03",
    status: ContractStatus = ContractStatus.AWAITING_PAYMENT,
) -> Trade:
    """A vendor's listed product with certified rights, the buyer's agreed negotiation on its
    offer and the contract it froze, as the negotiation service would have left them."""
    client = app.test_client()
    vendor = person(app, [Role.VENDOR])
    buyer = person(app, [Role.BUYER])
    operator = person(app, [Role.OPERATOR])
    product_id, offer_id = listed_offer(app, client, vendor, operator)
    price = Decimal(price)
    serial = next(_contracts)
    with app.app_context():
        session = db.session
        offer = session.get(LicenceOffer, offer_id)
        assert offer is not None
        now = utcnow()
        negotiation = Negotiation(
            offer_id=offer_id,
            product_id=product_id,
            buyer_id=buyer.organisation_id,
            vendor_id=vendor.organisation_id,
            status=NegotiationStatus.ACCEPTED,
            turn=Side.VENDOR,
            expires_at=now + timedelta(hours=72),
            created_at=now,
            updated_at=now,
        )
        session.add(negotiation)
        session.flush()
        starts_on, ends_on = licence_period(now.date(), offer.term_months)
        terms = {
            "scope": offer.scope.value,
            "term_months": offer.term_months,
            "territory": offer.territory.value,
            "exclusive": False,
            "seats": offer.seats,
            "derivative": False,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        }
        facts = {
            "price": f"{price:.2f}",
            "product_id": product_id,
            "terms": terms,
            "acceptance_days": 7,
        }
        canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        number = f"GST-P{serial:05d}-{secrets.token_hex(2)}"
        entry = record_event(
            session,
            "trade.contract",
            {"negotiation_id": negotiation.id, "number": number},
            parties=[buyer.organisation_id, vendor.organisation_id],
        )
        contract = TradeContract(
            number=number,
            negotiation_id=negotiation.id,
            product_id=product_id,
            offer_id=offer_id,
            vendor_id=vendor.organisation_id,
            buyer_id=buyer.organisation_id,
            price=price,
            currency="CNY",
            fee_rate=Decimal(fee_rate),
            terms=terms,
            canonical=canonical,
            contract_hash=hashlib.sha256(canonical.encode()).hexdigest(),
            text_zh="数据许可合同（测试）",
            text_en="Data licence contract (test)",
            signed_at_unix=int(time.time()),
            status=status,
            ledger_seq=entry.seq,
            created_at=now,
            updated_at=now,
        )
        session.add(contract)
        session.commit()
        trade = Trade(contract.id, number, price, buyer, vendor, operator)
        db.session.remove()
        return trade


def contract_status(app: Flask, contract_id: int) -> ContractStatus:
    """The contract's status as committed."""
    with app.app_context():
        return db.session.get(TradeContract, contract_id).status  # type: ignore[union-attr]


def payment_row(app: Flask, payment_id: int) -> dict[str, Any]:
    """The payment's committed columns that the tests check."""
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment is not None
        return {
            "status": payment.status.value,
            "external_id": payment.external_id,
            "confirmed_by_id": payment.confirmed_by_id,
            "ledger_seq": payment.ledger_seq,
        }


def counts(app: Flask) -> dict[str, int]:
    """How many payments, journals and gateway events there are."""
    with app.app_context():
        session = db.session
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Payment, EscrowJournal, GatewayEvent)
        }


def stripe_signature(
    payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """The Stripe-Signature header: t=<ts>,v1=<HMAC-SHA256(secret, "<ts>.<payload>")>."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def stripe_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    """A Stripe event as Stripe sends it (snapshot v1), serialised once, as the body."""
    event = {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }
    return json.dumps(event, indent=2).encode()


@dataclass(frozen=True)
class StripeSetup:
    """The stand-in Stripe and the gateways the app would build against it."""

    standin: StripeStandIn
    gateways: dict[Gateway, PaymentGateway]

    @property
    def stripe(self) -> PaymentGateway:
        """The Stripe adapter."""
        return self.gateways[Gateway.STRIPE]

    @property
    def bank(self) -> PaymentGateway:
        """The bank transfer adapter."""
        return self.gateways[Gateway.BANK_TRANSFER]


@pytest.fixture
def stripe(app: Flask) -> Iterator[StripeSetup]:
    """A Stripe stand-in on a free port, the app's webhook secret set, and the gateways."""
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    with stripe_standin() as standin:
        config = dict(app.config) | {
            "STRIPE_SECRET_KEY": standin.secret_key,
            "STRIPE_API_BASE": standin.url,
        }
        gateways = gateways_from_config(config)
        # The app sends refunds through the same stand-in its webhook events come from.
        app.extensions["trading"] = replace(app.extensions["trading"], gateways=gateways)
        yield StripeSetup(standin, gateways)


def actor(person: Person) -> Actor:
    """The person as the services see them (inside an app context)."""
    found = load_actor(db.session, person.user_id)
    assert found is not None
    return found


def ledger_count(app: Flask, entry_type: str) -> int:
    """How many ledger entries of this type there are."""
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count())
                .select_from(ledger_entries)
                .where(ledger_entries.c.entry_type == entry_type)
            )
            or 0
        )


def balance(app: Flask, kind: AccountKind, organisation_id: int | None = None) -> Decimal:
    """An escrow account's committed balance (zero if it was never used)."""
    with app.app_context():
        for row in escrow.balances(db.session):
            if row["kind"] == kind.value and row["organisation_id"] == organisation_id:
                return Decimal(row["balance"])
        return Decimal("0.00")
