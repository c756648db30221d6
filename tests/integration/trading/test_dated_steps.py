"""A trade's steps given a moment (`now=`), as the demo gives each step its story's moment, on
SQLite and PostgreSQL: every row a step writes carries that moment, never the clock's, while
the ledger and the audit log keep the time each step was really recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from contracts.schema import ledger_entries
from exchange.delivery.entitlements import add_months
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.payments.domain import JournalKind
from exchange.payments.models import EscrowJournal, Payment
from exchange.rights.models import LicenceGrant
from exchange.trading import payment_outcomes, payment_start, settlement, signing_keys
from exchange.trading.domain import Side
from exchange.trading.models import (
    ContractSignature,
    Negotiation,
    NegotiationRound,
    OrganisationKey,
    TradeContract,
)
from tests.rights import application, certify, claim
from tests.trading import EXPIRY_HOURS, accept, act, counter, domain, market, propose


@dataclass(frozen=True)
class Walked:
    """A trade walked from proposal to accepted delivery, a month ago, and when each step was."""

    started: datetime  # the real clock before the first step
    negotiation_id: int
    contract_id: int
    at: dict[str, datetime]


def walk(app, client) -> Walked:  # noqa: ANN001
    """Propose, counter, accept, sign, pay, confirm and accept the delivery, each at its moment."""
    started = utcnow()
    found = market(app, client, certified=False)
    held_since = {"starts_on": started.date() - timedelta(days=60)}  # before the trade's period
    rights = (claim(right, **held_since) for right in ("holding", "processing", "operation"))
    certify(app, found.vendor, found.product_id, application(*rights))
    first = (started - timedelta(days=30)).replace(microsecond=0)
    steps = ("proposed", "countered", "agreed", "vendor", "buyer", "paying", "paid", "closed")
    at = {step: first + timedelta(hours=3 * n) for n, step in enumerate(steps)}
    negotiation_id = propose(app, found.buyer, found.offer_id, now=at["proposed"])
    counter(app, found.vendor, negotiation_id, "10500.00", now=at["countered"])
    contract_id = accept(app, found.buyer, negotiation_id, now=at["agreed"])
    for who, side in ((found.vendor, "vendor"), (found.buyer, "buyer")):
        act(
            app,
            who,
            signing_keys.sign_contract,
            contract_id,
            master_key=app.config["MASTER_KEY"],
            domain=domain(),
            now=at[side],
        )
    bank = app.extensions["trading"].gateway("bank_transfer")
    started_payment = act(
        app, found.buyer, payment_start.start_payment, contract_id, gateway=bank, now=at["paying"]
    )
    act(
        app,
        found.operator,
        payment_outcomes.confirm_bank_transfer,
        started_payment["id"],
        amount=str(started_payment["amount"]),
        now=at["paid"],
    )
    act(app, found.buyer, settlement.accept_delivery, contract_id, now=at["closed"])
    return Walked(started, negotiation_id, contract_id, at)


def test_negotiation_and_its_rounds_are_dated_by_the_moments_given(app, client):
    walked = walk(app, client)
    at = walked.at
    with app.app_context():
        negotiation = db.session.get(Negotiation, walked.negotiation_id)
        rounds = db.session.scalars(
            select(NegotiationRound.created_at)
            .where(NegotiationRound.negotiation_id == walked.negotiation_id)
            .order_by(NegotiationRound.number)
        ).all()
    assert rounds == [at["proposed"], at["countered"], at["agreed"]]
    assert (negotiation.created_at, negotiation.updated_at) == (at["proposed"], at["agreed"])
    assert negotiation.expires_at == at["countered"] + timedelta(hours=EXPIRY_HOURS)


def test_contract_signatures_and_the_keys_made_for_them_are_dated_by_the_moments_given(app, client):
    walked = walk(app, client)
    at = walked.at
    with app.app_context():
        contract = db.session.get(TradeContract, walked.contract_id)
        signed = dict(
            db.session.execute(
                select(ContractSignature.side, ContractSignature.created_at).where(
                    ContractSignature.contract_id == walked.contract_id
                )
            ).all()
        )
        keys = db.session.scalars(
            select(OrganisationKey.created_at).where(
                OrganisationKey.organisation_id.in_((contract.vendor_id, contract.buyer_id))
            )
        ).all()
        canonical = json.loads(contract.canonical)
    assert contract.created_at == at["agreed"]
    assert contract.number.startswith(f"GTC-{at['agreed'].year}-")
    assert contract.signed_at_unix == int(at["agreed"].timestamp())
    assert canonical["terms"]["starts_on"] == at["agreed"].date().isoformat()
    assert signed == {Side.VENDOR: at["vendor"], Side.BUYER: at["buyer"]}
    assert keys == [at["vendor"], at["vendor"]]  # the first signature makes both sides' keys
    assert (contract.delivered_at, contract.settled_at) == (at["paid"], at["closed"])
    assert contract.acceptance_due_at == at["paid"] + timedelta(days=7)
    assert contract.updated_at == at["closed"]


def test_payment_and_its_escrow_journals_are_dated_by_the_moments_given(app, client):
    walked = walk(app, client)
    at = walked.at
    with app.app_context():
        payment = db.session.scalars(
            select(Payment).where(Payment.contract_id == walked.contract_id)
        ).one()
        journals = dict(
            db.session.execute(
                select(EscrowJournal.kind, EscrowJournal.created_at).where(
                    EscrowJournal.contract_id == walked.contract_id
                )
            ).all()
        )
    assert (payment.created_at, payment.confirmed_at, payment.updated_at) == (
        at["paying"],
        at["paid"],
        at["paid"],
    )
    assert journals == {JournalKind.PAYMENT: at["paid"], JournalKind.RELEASE: at["closed"]}


def test_entitlement_and_licence_grant_are_dated_by_the_payments_moment(app, client):
    walked = walk(app, client)
    at = walked.at
    with app.app_context():
        contract = db.session.get(TradeContract, walked.contract_id)
        entitlement = db.session.scalars(
            select(Entitlement).where(Entitlement.contract_id == walked.contract_id)
        ).one()
        granted = db.session.scalar(
            select(LicenceGrant.created_at).where(LicenceGrant.contract_ref == contract.number)
        )
    assert entitlement.created_at == granted == at["paid"]
    assert entitlement.expires_at == add_months(at["paid"], 12)


def test_the_ledger_and_the_audit_log_keep_the_real_clock(app, client):
    walked = walk(app, client)
    with app.app_context():
        recorded = db.session.execute(
            select(ledger_entries.c.entry_type, ledger_entries.c.recorded_at).where(
                ledger_entries.c.entry_type.like("trade.%")
                | (ledger_entries.c.entry_type == "rights.grant")
            )
        ).all()
        oldest_audit = db.session.scalar(
            select(func.min(AuditEvent.occurred_at)).where(AuditEvent.action.like("trade.%"))
        )
    kinds = {kind for kind, _ in recorded}
    assert {"trade.negotiation", "trade.contract", "trade.signature", "trade.payment"} <= kinds
    assert {"trade.delivery", "trade.settlement", "rights.grant"} <= kinds
    assert min(moment for _, moment in recorded) >= walked.started
    assert oldest_audit is not None and oldest_audit >= walked.started
