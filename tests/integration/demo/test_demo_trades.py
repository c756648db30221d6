"""`flask demo seed` trades a living market: months of history through the real services, the
anomalies the regulators' alerts look for, and trades waiting for the demo logins. The market
below is a seed killed half-way through its trades and then run again, which completes it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.pool import NullPool

from contracts.schema import ledger_entries
from demo import DEMO_VENDORS
from demo.cli import demo
from demo.compute import LICENSED
from demo.market import TRADED, first_member
from demo.trades import BURST_BUYER, HISTORY, Planned, history_plan
from exchange import ROOT
from exchange.accounts.actors import load_actor
from exchange.accounts.models import Membership, Organisation, User
from exchange.app import create_app
from exchange.catalog.domain import Grade
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.compute import reading as compute_reading
from exchange.compute.models import ComputeLicence, ComputeQuery
from exchange.delivery.models import Download, Entitlement
from exchange.extensions import db
from exchange.kernel.actors import Actor
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.payments.domain import JournalKind
from exchange.payments.escrow import trial_balance
from exchange.payments.models import EscrowJournal, Payment
from exchange.rights.models import LicenceGrant
from exchange.trading import negotiation_reading
from exchange.trading import reading as trade_pages
from exchange.trading.domain import ContractStatus, DisputeStatus, NegotiationStatus, Side
from exchange.trading.models import (
    ContractSignature,
    Dispute,
    Negotiation,
    NegotiationRound,
    OrganisationKey,
    TradeContract,
)
from exchange.valuation.models import Valuation

PAID = (ContractStatus.IN_ESCROW, ContractStatus.DISPUTED, ContractStatus.SETTLED)
PAID_OR_REFUNDED = (*PAID, ContractStatus.REFUNDED)
FULL_SEED_CONTRACTS = 228  # what one uninterrupted seed's trades make
COMPUTATION_CONTRACTS = len(LICENSED)  # and then its computation licences (demo.compute)
ADDED = re.compile(r"Demo trades: (\d+) contract\(s\) added\.")
TABLES = (Negotiation, TradeContract, Payment, Entitlement, Dispute, Valuation, Membership)
SECRETS = {"MASTER_KEY": "demo-trades-master-key", "SECRET_KEY": "demo-trades-secret-key"}


@dataclass(frozen=True)
class Seeded:
    """The app after one seed, what each of two seeds printed, and the rows after each."""

    app: Flask
    started: datetime
    first: str
    second: str
    rows: dict[str, int]
    rows_again: dict[str, int]
    killed: dict[str, int]  # the rows a seed killed half-way through its trades left
    planned_when_killed: list[Planned]  # the history as planned on the market it left


@contextmanager
def reading(app: Flask) -> Iterator[Session]:
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def row_counts(session: Session) -> dict[str, int]:
    counts = {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in TABLES}
    counts["ledger"] = session.scalar(select(func.count()).select_from(ledger_entries))
    counts["traded"] = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == TRADED)
    )
    return counts


def killed_half_way(url: str, instance: str) -> dict[str, int]:
    """Run `flask demo seed` in its own process and kill it (SIGKILL) once half the history is
    traded, wherever in a trade it happens to be; the rows it left."""
    environment = os.environ | {
        "DATABASE_URL": url,
        "EXCHANGE_MODE": "test",
        "EXCHANGE_INSTANCE_PATH": instance,
        **{f"EXCHANGE_{name}": value for name, value in SECRETS.items()},
    }
    flask = [sys.executable, "-m", "flask", "--app", "exchange.app", "demo", "seed"]
    errors = Path(instance) / "killed-seed.err"
    engine = create_engine(create_app_url(url), poolclass=NullPool)
    traded = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == TRADED)
    with errors.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            flask, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as connection:
                if (connection.scalar(traded) or 0) >= HISTORY // 2:
                    break
            time.sleep(0.2)
        assert process.poll() is None, errors.read_text()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        with Session(engine) as session:
            return row_counts(session)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        engine.dispose()


def create_app_url(url: str) -> str:
    """The URL as the exchange's configuration spells it (psycopg 3 for PostgreSQL)."""
    from exchange.config import database_url

    return database_url(url, ROOT)


@pytest.fixture(scope="module")
def seeded(migrated_database, tmp_path_factory) -> Iterator[Seeded]:  # noqa: ANN001
    # Seeding takes a while: once per backend, every test below reads the same market.
    url = migrated_database.fresh(tmp_path_factory.mktemp("database"))
    instance = tmp_path_factory.mktemp("demo-trades")
    app = create_app(
        {"MODE": "test", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), **SECRETS}
    )
    runner = app.test_cli_runner()
    started = utcnow()
    try:
        killed = killed_half_way(url, str(instance))
        with reading(app) as session:
            planned_when_killed = history_plan(session, started)
        first = runner.invoke(demo, ["seed"])
        assert first.exit_code == 0, (first.output, first.exception)
        with reading(app) as session:
            rows = row_counts(session)
        second = runner.invoke(demo, ["seed"])
        assert second.exit_code == 0, (second.output, second.exception)
        with reading(app) as session:
            rows_again = row_counts(session)
        yield Seeded(
            app, started, first.output, second.output, rows, rows_again, killed, planned_when_killed
        )
    finally:
        chain = app.extensions.get("chain")
        if chain is not None and hasattr(chain, "close"):
            chain.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        migrated_database.release(url)


def paid_contracts(session: Session) -> list[TradeContract]:
    return list(
        session.scalars(
            select(TradeContract)
            .where(TradeContract.status.in_(PAID))
            .order_by(TradeContract.delivered_at)
        )
    )


def demo_actor(session: Session, email: str) -> Actor:
    user_id = session.scalar(select(User.id).where(User.email == email))
    actor = load_actor(session, user_id or 0)
    assert actor is not None
    return actor


# The history


def test_seed_adds_a_few_hundred_contracts_and_says_how_many(seeded):
    added = ADDED.search(seeded.first)
    assert added, seeded.first
    assert 200 <= seeded.rows["TradeContract"] <= 300
    added_after_kill = seeded.rows["TradeContract"] - seeded.killed["TradeContract"]
    assert int(added.group(1)) + COMPUTATION_CONTRACTS == added_after_kill


def test_a_seed_killed_half_way_completes_when_run_again(seeded):
    assert HISTORY // 2 <= seeded.killed["traded"] < HISTORY
    assert 0 < seeded.killed["TradeContract"] < seeded.rows["TradeContract"]
    # every planned trade once: the one the kill interrupted was carried on, not begun again
    assert seeded.rows["TradeContract"] == FULL_SEED_CONTRACTS + COMPUTATION_CONTRACTS
    assert seeded.rows["Negotiation"] == seeded.rows["traded"]
    with reading(seeded.app) as session:
        keys = session.scalars(select(AuditEvent.subject).where(AuditEvent.action == TRADED))
        assert len(set(keys)) == seeded.rows["traded"]


def test_a_seed_plans_the_same_history_whatever_part_of_it_is_traded(seeded):
    with reading(seeded.app) as session:
        assert history_plan(session, seeded.started) == seeded.planned_when_killed


# Statements that make each backend return the rows of a query without ORDER BY in another
# order: PostgreSQL through an index instead of the table, SQLite backwards.
SCRAMBLE = {
    "postgresql": ("SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off"),
    "sqlite": ("PRAGMA reverse_unordered_selects = ON",),
}


def test_the_plan_does_not_hang_on_the_order_the_database_returns_rows_in(seeded):
    with reading(seeded.app) as session:
        planned = history_plan(session, seeded.started)
        dialect = session.get_bind().dialect.name
        try:
            for statement in SCRAMBLE[dialect]:
                session.execute(text(statement))
            scrambled = history_plan(session, seeded.started)
        finally:
            if dialect == "sqlite":  # on the same connection, before it goes back to the pool
                session.execute(text("PRAGMA reverse_unordered_selects = OFF"))
            session.rollback()  # the end of the SET LOCAL settings
    assert scrambled == planned


def test_every_history_trade_is_the_one_planned(seeded):
    with reading(seeded.app) as session:
        planned = {p.key: p for p in history_plan(session, seeded.started)}
        made = {}
        for key, detail in session.execute(
            select(AuditEvent.subject, AuditEvent.detail).where(
                AuditEvent.action == TRADED, AuditEvent.subject.like("history-%")
            )
        ):
            negotiation = session.get(Negotiation, int(detail["negotiation_id"]))
            prices = session.scalars(
                select(NegotiationRound.price)
                .where(
                    NegotiationRound.negotiation_id == negotiation.id,
                    NegotiationRound.price.is_not(None),
                )
                .order_by(NegotiationRound.number)
            ).all()
            made[key] = (negotiation.buyer_id, negotiation.offer_id, tuple(prices))
    assert len(planned) == HISTORY
    assert made == {key: (p.buyer, p.offer.offer_id, p.prices) for key, p in planned.items()}


def test_history_covers_six_months_up_to_today(seeded):
    with reading(seeded.app) as session:
        agreed = session.scalars(select(TradeContract.created_at)).all()
    months = {moment.strftime("%Y-%m") for moment in agreed}
    assert len(months) >= 6
    assert min(agreed) <= seeded.started - timedelta(days=170)
    assert max(agreed) < seeded.started


def test_trades_spread_over_boards_buyers_and_vendors(seeded):
    with reading(seeded.app) as session:
        boards, buyers, vendors = session.execute(
            select(
                func.count(DataProduct.board_id.distinct()),
                func.count(TradeContract.buyer_id.distinct()),
                func.count(TradeContract.vendor_id.distinct()),
            ).join(DataProduct, DataProduct.id == TradeContract.product_id)
        ).one()
    assert boards >= 8
    assert buyers >= 10
    assert vendors >= 10


def test_prices_spread_around_each_offers_list_price(seeded):
    with reading(seeded.app) as session:
        ratios = [
            price / listed
            for price, listed in session.execute(
                select(TradeContract.price, LicenceOffer.price).join(
                    LicenceOffer, LicenceOffer.id == TradeContract.offer_id
                )
            )
        ]
    ordinary = [r for r in ratios if r < 1.5]
    assert len(ratios) - len(ordinary) == 1  # the planted price outlier
    assert min(ordinary) >= 0.75 and max(ordinary) <= 1.05
    assert len({round(r, 2) for r in ordinary}) >= 20


def test_some_negotiations_fail_and_some_deliveries_are_disputed(seeded):
    with reading(seeded.app) as session:
        negotiations = dict(
            session.execute(
                select(Negotiation.status, func.count()).group_by(Negotiation.status)
            ).all()
        )
        disputes = dict(
            session.execute(select(Dispute.status, func.count()).group_by(Dispute.status)).all()
        )
    assert negotiations[NegotiationStatus.REJECTED] and negotiations[NegotiationStatus.WITHDRAWN]
    assert disputes[DisputeStatus.UPHELD] and disputes[DisputeStatus.REJECTED]
    assert disputes[DisputeStatus.OPEN] == 1


def test_escrow_still_balances(seeded):
    with reading(seeded.app) as session:
        balance = trial_balance(session)
    assert balance.balanced
    assert balance.debit_normal > 0


def test_every_step_of_every_trade_is_on_the_ledger(seeded):
    with reading(seeded.app) as session:
        entries = {
            row.seq: (row.entry_type, json.loads(row.body))
            for row in session.execute(
                select(ledger_entries.c.seq, ledger_entries.c.entry_type, ledger_entries.c.body)
            )
        }
        contracts = session.scalars(select(TradeContract)).all()
        signatures = session.scalars(select(ContractSignature)).all()
        paid = session.scalars(select(Payment).where(Payment.confirmed_at.is_not(None))).all()
        settled = {c.id for c in contracts if c.status == ContractStatus.SETTLED}
        refunded = {c.id for c in contracts if c.status == ContractStatus.REFUNDED}
    for contract in contracts:
        kind, body = entries[contract.ledger_seq]
        assert (kind, body["number"]) == ("trade.contract", contract.number)
    for signature in signatures:
        kind, body = entries[signature.ledger_seq]
        assert (kind, body["contract_id"], body["side"]) == (
            "trade.signature",
            signature.contract_id,
            signature.side.value,
        )
    for payment in paid:
        assert entries[payment.ledger_seq][0] == "trade.payment"
    by_type = defaultdict(set)
    for kind, body in entries.values():
        by_type[kind].add(body.get("contract_id"))
    assert by_type["trade.settlement"] >= settled
    assert by_type["trade.refund"] == refunded


def test_rows_are_dated_in_the_order_a_trade_happens(seeded):
    with reading(seeded.app) as session:
        contracts = session.scalars(select(TradeContract)).all()
        opened = dict(session.execute(select(Negotiation.id, Negotiation.created_at)).all())
        signed = defaultdict(list)
        for contract_id, at in session.execute(
            select(ContractSignature.contract_id, ContractSignature.created_at)
        ):
            signed[contract_id].append(at)
        payments = {p.contract_id: p for p in session.scalars(select(Payment))}
    for c in contracts:
        assert opened[c.negotiation_id] < c.created_at
        assert all(c.created_at < at for at in signed[c.id])
        if c.id in payments:
            assert max(signed[c.id]) < payments[c.id].created_at
        if c.delivered_at is not None:
            assert payments[c.id].confirmed_at == c.delivered_at
            assert c.acceptance_due_at == c.delivered_at + timedelta(days=7)
        if c.settled_at is not None:
            assert c.delivered_at < c.settled_at < seeded.started


def test_the_ledger_keeps_the_time_the_seed_recorded_each_step(seeded):
    with reading(seeded.app) as session:
        oldest = session.scalar(
            select(func.min(ledger_entries.c.recorded_at)).where(
                ledger_entries.c.entry_type.like("trade.%")
            )
        )
    assert oldest >= seeded.started


def test_every_trade_row_carries_its_storys_moment_not_the_seeds_clock(seeded):
    dated = (
        Negotiation.created_at,
        Negotiation.updated_at,
        NegotiationRound.created_at,
        TradeContract.created_at,
        TradeContract.updated_at,
        ContractSignature.created_at,
        OrganisationKey.created_at,
        Payment.created_at,
        Payment.updated_at,
        EscrowJournal.created_at,
        Entitlement.created_at,
        LicenceGrant.created_at,
        Download.created_at,
        Dispute.created_at,
        Valuation.created_at,
    )
    with reading(seeded.app) as session:
        latest = {str(column): session.scalar(select(func.max(column))) for column in dated}
        first_signature = session.scalar(select(func.min(ContractSignature.created_at)))
        newest_key = session.scalar(select(func.max(OrganisationKey.created_at)))
        paid = {
            contract.number: contract
            for contract in session.scalars(
                select(TradeContract).where(TradeContract.delivered_at.is_not(None))
            )
        }
        journals = session.execute(
            select(TradeContract.number, EscrowJournal.kind, EscrowJournal.created_at).join(
                TradeContract, TradeContract.id == EscrowJournal.contract_id
            )
        ).all()
        entitled = session.execute(
            select(TradeContract.number, Entitlement.created_at, Download.created_at)
            .join(Entitlement, Entitlement.contract_id == TradeContract.id)
            .outerjoin(Download, Download.entitlement_id == Entitlement.id)
        ).all()
        granted = session.execute(select(LicenceGrant.contract_ref, LicenceGrant.created_at)).all()
    assert all(moment < seeded.started for moment in latest.values()), latest
    assert newest_key < first_signature  # the keys were made before the history's first trade
    for number, kind, at in journals:
        contract = paid[number]
        expected = {
            JournalKind.PAYMENT: contract.delivered_at,
            JournalKind.RELEASE: contract.settled_at,
        }.get(kind, at)
        assert at == expected and contract.delivered_at <= at, (number, kind)
    for number, entitled_at, downloaded_at in entitled:
        assert entitled_at == paid[number].delivered_at
        assert downloaded_at is None or entitled_at < downloaded_at
    assert all(at == paid[number].delivered_at for number, at in granted)


# Planted for the regulators' alerts


def test_one_wash_pair_between_organisations_sharing_a_member(seeded):
    with reading(seeded.app) as session:
        trades = paid_contracts(session)
        pairs = {
            (a.id, b.id)
            for a in trades
            for b in trades
            if (a.vendor_id, a.buyer_id) == (b.buyer_id, b.vendor_id)
            and timedelta(0) <= b.delivered_at - a.delivered_at <= timedelta(days=30)
        }
        assert len(pairs) == 1  # the history never trades in a circle by accident
        ((first, second),) = pairs
        there = session.get(TradeContract, first)
        ours, theirs = aliased(Membership), aliased(Membership)
        shared = session.scalars(
            select(ours.user_id)
            .join(theirs, theirs.user_id == ours.user_id)
            .where(
                ours.organisation_id == there.vendor_id, theirs.organisation_id == there.buyer_id
            )
        ).all()
        related = [
            t.id
            for t in trades
            if session.scalar(
                select(func.count())
                .select_from(ours)
                .join(theirs, theirs.user_id == ours.user_id)
                .where(ours.organisation_id == t.vendor_id, theirs.organisation_id == t.buyer_id)
            )
        ]
    assert len(shared) == 1
    assert sorted(related) == sorted((first, second))


def test_one_price_far_above_a_stored_valuation_band(seeded):
    with reading(seeded.app) as session:
        outliers = [
            c
            for c in paid_contracts(session)
            if c.valuation_band and c.price > 1.5 * float(c.valuation_band["ceiling"])
        ]
        assert len(outliers) == 1
        valuation = session.get(Valuation, outliers[0].valuation_band["valuation_id"])
        assert valuation is not None
        assert (valuation.product_id, valuation.organisation_id, valuation.purpose) == (
            outliers[0].product_id,
            outliers[0].vendor_id,
            "listing",
        )
        assert valuation.created_at < outliers[0].created_at


def test_one_buyer_makes_more_than_ten_purchases_within_an_hour(seeded):
    with reading(seeded.app) as session:
        paid_at = defaultdict(list)
        for contract in paid_contracts(session):
            paid_at[contract.buyer_id].append(contract.delivered_at)
        codes = dict(session.execute(select(Organisation.id, Organisation.credit_code)).all())
    bursts = {
        buyer
        for buyer, moments in paid_at.items()
        for n, start in enumerate(moments)
        if len([m for m in moments[n:] if m - start <= timedelta(hours=1)]) > 10
    }
    assert [codes[buyer] for buyer in bursts] == [
        next(v.credit_code for v in DEMO_VENDORS if v.key == BURST_BUYER)
    ]


def test_one_paid_trade_of_important_data(seeded):
    with reading(seeded.app) as session:
        important = session.scalars(
            select(TradeContract.id)
            .join(DataProduct, DataProduct.id == TradeContract.product_id)
            .where(DataProduct.grade == Grade.IMPORTANT, TradeContract.status.in_(PAID))
        ).all()
    assert len(important) == 1


# Left for the demo logins


def test_the_demo_vendor_has_a_negotiation_to_answer(seeded):
    with reading(seeded.app) as session:
        vendor = demo_actor(session, "vendor@demo.ganshu.cn")
        buyer = demo_actor(session, "buyer@demo.ganshu.cn")
        mine = negotiation_reading.my_negotiations(UnitOfWork(session), vendor)
    waiting = [n for n in mine if n["status"] == NegotiationStatus.OPEN]
    assert len(waiting) == 1
    assert waiting[0]["turn"] == Side.VENDOR and waiting[0]["side"] == Side.VENDOR
    assert waiting[0]["expires_at"] > utcnow() + timedelta(hours=24)
    assert waiting[0]["rounds"] == 3
    assert waiting[0]["buyer"]["id"] == buyer.memberships[0].organisation_id


def test_the_demo_buyer_has_contracts_to_sign_pay_accept_and_one_disputed(seeded):
    with reading(seeded.app) as session:
        buyer = demo_actor(session, "buyer@demo.ganshu.cn")
        vendor = demo_actor(session, "vendor@demo.ganshu.cn")
        uow = UnitOfWork(session)
        vendor_id = vendor.memberships[0].organisation_id
        live = [
            c
            for c in trade_pages.my_contracts(uow, buyer)
            if c["vendor"]["id"] == vendor_id
            and c["status"] not in (ContractStatus.SETTLED, ContractStatus.REFUNDED)
        ]
        progress = {c["id"]: trade_pages.contract_progress(uow, buyer, c["id"]) for c in live}
    statuses = sorted(c["status"].value for c in live)
    assert statuses == sorted(
        ["signing", "awaiting_payment", "awaiting_payment", "in_escrow", "disputed"]
    )
    paying = [p["payment"] for p in progress.values() if p["payment"]]
    assert sorted(str(p["status"]) for p in paying) == ["pending", "succeeded", "succeeded"]
    escrow = next(c for c in live if c["status"] == ContractStatus.IN_ESCROW)
    assert progress[escrow["id"]]["acceptance_due_at"] > utcnow() + timedelta(days=3)
    disputed = next(c for c in live if c["status"] == ContractStatus.DISPUTED)
    assert progress[disputed["id"]]["dispute"]["status"] == DisputeStatus.OPEN.value


def test_the_demo_operator_has_a_transfer_to_confirm(seeded):
    with reading(seeded.app) as session:
        operator = demo_actor(session, "operator@demo.ganshu.cn")
        buyer = demo_actor(session, "buyer@demo.ganshu.cn")
        transfers = trade_pages.transfers_to_confirm(UnitOfWork(session), operator)
    assert [t["buyer"]["id"] for t in transfers] == [buyer.memberships[0].organisation_id]


# Loading again


def test_seeding_again_adds_no_trade(seeded):
    assert "Demo trades: 0 contract(s) added." in seeded.second
    assert "Demo computation: 0 query(ies) submitted." in seeded.second
    assert seeded.rows_again == seeded.rows


# Computation over data the buyer never sees


def test_the_demo_buyer_computes_over_data_it_never_sees(seeded):
    assert "Demo computation: 3 query(ies) submitted." in seeded.first
    with reading(seeded.app) as session:
        buyer = demo_actor(session, "buyer@demo.ganshu.cn")
        buyer_id = buyer.memberships[0].organisation_id
        licences = session.scalars(
            select(ComputeLicence)
            .where(ComputeLicence.buyer_id == buyer_id)
            .order_by(ComputeLicence.id)
        ).all()
        assert [licence.epsilon_budget for licence in licences] == [5.0, None]
        ran = {
            licence.id: [
                (q.status.value, q.refusal)
                for q in session.scalars(
                    select(ComputeQuery)
                    .where(ComputeQuery.licence_id == licence.id)
                    .order_by(ComputeQuery.id)
                )
            ]
            for licence in licences
        }
        roster, training = licences
        # the roster's aggregate ran under its budget and a row-level query was refused; the
        # training records' query waits for its vendor
        assert ran[roster.id][0] == ("done", None)
        assert ran[roster.id][1][0] == "refused" and ran[roster.id][1][1]
        assert roster.epsilon_spent == 1.0
        assert ran[training.id] == [("pending", None)]
        vendor = first_member(session, training.vendor_id)
        queue = compute_reading.approvals(UnitOfWork(session), vendor)
        assert [q["contract_id"] for q in queue] == [training.contract_id]


# The alerts


def test_the_planted_anomalies_are_alerts_right_after_the_seed(seeded):
    from exchange.oversight.domain import AlertKind
    from exchange.oversight.models import OversightAlert

    raised = re.search(r"Demo alerts: (\d+) alert\(s\) raised\.", seeded.first)
    assert raised is not None
    assert "Demo alerts: 0 alert(s) raised." in seeded.second
    with reading(seeded.app) as session:
        alerts = session.scalars(select(OversightAlert)).all()
        kinds = sorted(alert.kind.value for alert in alerts)
        burst = next(a for a in alerts if a.kind == AlertKind.PURCHASE_BURST)
        burst_buyer = session.get(Organisation, burst.evidence["buyer_id"])
    assert int(raised.group(1)) == len(alerts)
    assert {
        AlertKind.PRICE_DEVIATION,
        AlertKind.CIRCULAR_TRADE,
        AlertKind.RELATED_PARTIES,
        AlertKind.PURCHASE_BURST,
        AlertKind.IMPORTANT_DATA,
    } <= set(kinds)
    assert burst_buyer.credit_code == next(
        v.credit_code for v in DEMO_VENDORS if v.key == BURST_BUYER
    )
