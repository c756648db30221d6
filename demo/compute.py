"""The demo's computation licences (数据可用不可见): two products with personal data whose vendors
sell queries instead of copies, and the demo buyer's licences over both.

The truck drivers' roster is offered under a privacy budget, its queries run at once; the
textile workers' training records under the minimum group size alone, each query approved by
the vendor. The demo buyer has run an aggregate over the roster and had a row-level query
refused, and waits for the vendor's approval of a query over the training records: the console,
the approval queue and the regulator's dossier all have something to show on a first visit.

Runs after the trades, whose plan leaves computation offers out; run again, it adds nothing:
each policy, offer, trade and query is looked up before it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from demo import DEMO_PRODUCTS
from demo.market import TRADED, Desk, Market, Moments, Offer, Step, first_member
from demo.trades import BUYER_EMAIL, OPERATOR_EMAIL, organisation_of, user_of
from exchange.accounts.actors import load_actor
from exchange.catalog import products
from exchange.catalog.domain import Access, Grade, LicenceKind, Territory, UseScope
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.compute import policies, queries
from exchange.compute.domain import ColumnRule, ColumnUse, ComputePolicy, QueryStatus
from exchange.compute.models import ComputeQuery
from exchange.compute.running import QueryRunner
from exchange.kernel.errors import ExchangeError
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.domain import NegotiationStatus, Terms
from exchange.trading.models import Negotiation, TradeContract


@dataclass(frozen=True)
class Licensed:
    """A product the demo sells computation over: its policy, its offer and the buyer's queries."""

    key: str  # the product's key in the demo data
    policy: ComputePolicy
    price: Decimal
    quota: int
    queries: tuple[str, ...]  # the demo buyer's, in order


ROSTER = Licensed(
    key="logistics_driver_roster",
    policy=ComputePolicy(
        columns=(
            ColumnRule("准驾车型", ColumnUse.GROUP),
            ColumnRule("车型", ColumnUse.GROUP),
            ColumnRule("安全评分", ColumnUse.AGGREGATE, lower=0, upper=100),
        ),
        min_group_size=10,
        max_rows=200,
        epsilon_budget=5.0,
        # COUNT and AVG measure each group three times at a third of this each: the key
        # threshold is then 50 records, well under the 110 or so drivers of each vehicle type.
        epsilon_per_query=1.0,
    ),
    price=Decimal("720.00"),
    quota=100,
    queries=(
        'SELECT "车型", COUNT(*) AS "司机数", AVG("安全评分") AS "平均安全评分"\n'
        'FROM data GROUP BY "车型"',
        'SELECT "姓名", "安全评分" FROM data',  # row-level, and a hidden column: refused
    ),
)
TRAINING = Licensed(
    key="textile_worker_training",
    policy=ComputePolicy(
        columns=(
            ColumnRule("工种", ColumnUse.GROUP),
            ColumnRule("培训课程", ColumnUse.GROUP),
            ColumnRule("是否取证", ColumnUse.GROUP),
            ColumnRule("考核成绩", ColumnUse.AGGREGATE, lower=0, upper=100),
        ),
        min_group_size=10,
        max_rows=200,
        needs_approval=True,
    ),
    price=Decimal("800.00"),
    quota=50,
    queries=(
        'SELECT "工种", COUNT(*) AS "人数", AVG("考核成绩") AS "平均成绩"\n'
        'FROM data WHERE "是否取证" = \'是\' GROUP BY "工种"',
    ),
)
LICENSED = (ROSTER, TRAINING)
KEY = "demo.computation.{key}"  # the audit subject that marks the buyer's trade complete
DAY = timedelta(days=1)


def load_demo_computation(
    uow: UnitOfWork, desk: Desk, runner: QueryRunner, now: datetime | None = None
) -> int:
    """Policies, offers and the demo buyer's licences and queries, whatever is missing; how many
    queries it submitted."""
    session = uow.session
    now = now or utcnow()
    operator = load_actor(session, user_of(session, OPERATOR_EMAIL))
    assert operator is not None
    market = Market(uow, desk, operator, keys_made=now - 10 * DAY)
    buyer_id = organisation_of(session, BUYER_EMAIL)
    submitted = 0
    for place, licensed in enumerate(LICENSED):
        offer = _offer(uow, licensed)
        contract_id = _bought(uow, market, buyer_id, offer, licensed, now - (6 - place) * DAY)
        submitted += _queries(uow, market, buyer_id, contract_id, licensed, runner)
    return submitted


def _offer(uow: UnitOfWork, licensed: Licensed) -> Offer:
    """The product's query policy and computation offer, made by its vendor if missing."""
    session = uow.session
    spec = next(p for p in DEMO_PRODUCTS if p.key == licensed.key)
    product = session.scalar(select(DataProduct).where(DataProduct.title_zh == spec.title_zh))
    assert product is not None, spec.key
    vendor = first_member(session, product.vendor_id)
    if policies.current(session, product.id) is None:
        policies.save_policy(uow, vendor, product.id, licensed.policy)
    found = _computation_offer(uow, product.id)
    if found is None:
        terms = {
            "kind": LicenceKind.NON_EXCLUSIVE,
            "scope": UseScope.RESEARCH,
            "term_months": 12,
            "territory": Territory.MAINLAND,
            "seats": 3,
            "derivative": False,
            "redistribution": False,
            "price": licensed.price,
            "access": Access.COMPUTATION,
            "quota": licensed.quota,
        }
        products.add_offer(uow, vendor, product.id, terms)
        found = _computation_offer(uow, product.id)
    assert found is not None
    return Offer(
        product.id,
        found.id,
        product.vendor_id,
        Grade(product.grade),
        Terms(
            found.price, found.scope, found.term_months, found.territory, False, found.seats, False
        ),
    )


def _computation_offer(uow: UnitOfWork, product_id: int) -> LicenceOffer | None:
    return uow.session.scalar(
        select(LicenceOffer)
        .where(
            LicenceOffer.product_id == product_id,
            LicenceOffer.access == Access.COMPUTATION,
            LicenceOffer.is_active.is_(True),
        )
        .order_by(LicenceOffer.id)
        .limit(1)
    )


def _bought(
    uow: UnitOfWork, market: Market, buyer_id: int, offer: Offer, licensed: Licensed, day: datetime
) -> int:
    """The demo buyer's contract for the offer, negotiated and paid into escrow once (an
    interrupted seed's negotiation carried on)."""
    moments = Moments(
        rounds=[day, day + timedelta(hours=3), day + timedelta(hours=5)],
        signed=(day + timedelta(hours=6), day + timedelta(hours=7)),
        payment=day + timedelta(hours=8),
        paid=day + timedelta(hours=26),
    )
    listed = offer.terms.price
    prices = [(listed * Decimal("0.85")).quantize(Decimal("0.01")), listed]
    begun = uow.session.scalar(
        select(Negotiation.id)
        .where(
            Negotiation.buyer_id == buyer_id,
            Negotiation.offer_id == offer.offer_id,
            # one that lapsed after a kill (the worker closes it) is not carried on
            Negotiation.status.in_((NegotiationStatus.OPEN, NegotiationStatus.ACCEPTED)),
        )
        .order_by(Negotiation.id)
        .limit(1)
    )
    key = KEY.format(key=licensed.key)
    complete = uow.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == TRADED, AuditEvent.subject == key)
    )
    if complete is not None and begun is not None:
        contract_id = uow.session.scalar(
            select(TradeContract.id).where(TradeContract.negotiation_id == begun)
        )
    else:
        done = market.trade(buyer_id, offer, prices, moments, Step.PAID, key=key, resume=begun)
        contract_id = done.contract_id
    assert contract_id is not None
    return contract_id


def _queries(
    uow: UnitOfWork,
    market: Market,
    buyer_id: int,
    contract_id: int,
    licensed: Licensed,
    runner: QueryRunner,
) -> int:
    """The buyer's queries on the licence that it has not submitted yet (a refusal included);
    one a killed seed left running is submitted again."""
    made = (
        uow.session.scalar(
            select(func.count())
            .select_from(ComputeQuery)
            .where(
                ComputeQuery.contract_id == contract_id,
                ComputeQuery.status != QueryStatus.RUNNING,
            )
        )
        or 0
    )
    buyer = market.actor(buyer_id)
    for text in licensed.queries[made:]:
        try:
            queries.submit_query(
                uow, buyer, contract_id, text, runner=runner, contracts=trade_contract
            )
        except ExchangeError:  # a refusal is kept and shown; the seed goes on
            uow.session.rollback()
    return len(licensed.queries) - min(made, len(licensed.queries))
