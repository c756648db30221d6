"""The demo's trading history: six months of trades, a few planted for the regulators' alerts,
and trades left mid-way for a visitor to carry on.

Every trade goes through the real services (see `demo.market`), each step given the moment its
story says it happened as the service's `now`, so its business rows carry the story's dates
while the ledger and the audit log keep the seed's own times. The exchange's signing keys for
the demo organisations are dated the day before the history begins, and the outlier's stored
valuation nine days before its trade, the same way. Seeded random, so every demo has the same
market: the plan reads only what the seed does not change as it trades (the demo's own list of
vendors, offers by id, less those of products whose notice may end between two runs), so a
seed run again plans what the first run planned. Each planned trade has a stable key and is
marked complete in the commit that completes it, so loading again takes only the trades not yet
complete: an interrupted seed finishes (the one trade it was in the middle of is carried on from
its last step), and a complete one adds nothing.

- History: between the demo vendors and the demo buyer, over the last six months, busier
  recently, at prices spread around each offer's list price; a few negotiations fail and a few
  deliveries are disputed. A vendor organisation only ever buys from vendors later in the demo's
  list, so the history holds no circular trade by accident.
- Planted for the alerts: a wash pair (two vendors sharing a member sell to each other within
  days), a price far above a stored valuation band, a burst of twelve purchases by one buyer
  within an hour, and a paid trade of important data.
- Left for a visitor: the demo buyer and the demo vendor have a negotiation waiting for the
  vendor, a contract to sign, one to pay, a bank transfer for the operator to confirm, a
  delivery to accept or dispute, and a dispute for the operator to decide.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.orm import Session

from demo import DEMO_VENDORS
from demo.market import (
    TRADED,
    Desk,
    Done,
    Market,
    Moments,
    Offer,
    Step,
    first_member,
    tradable_offers,
)
from demo.rights import noticed_products
from exchange.accounts.actors import load_actor
from exchange.accounts.models import Membership, Organisation, User
from exchange.accounts.users import add_membership
from exchange.catalog.domain import Grade
from exchange.kernel import audit
from exchange.kernel.actors import Actor
from exchange.kernel.models import utcnow
from exchange.kernel.records import AuditEvent
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.trading.comparables import paid_trades
from exchange.trading.models import Negotiation, TradeContract
from exchange.valuation import valuations
from exchange.valuation.models import Valuation
from pricing import LicenceTable, MarketParameters

SEED = 20260529
HISTORY = 232  # negotiations; about nine in ten end in a contract
DAYS = 183
QUIET_DAYS = 21  # the history's last trade starts three weeks ago, and ends before today
BUYER_EMAIL = "buyer@demo.ganshu.cn"  # the demo buyer, who buys most often
VENDOR_EMAIL = "vendor@demo.ganshu.cn"
OPERATOR_EMAIL = "operator@demo.ganshu.cn"
WASH = ("ganzhou_tungsten", "yichun_lithium")  # the first one's login also sits in the second
BURST_BUYER = "xinyu_steel"
BURST = 12
OUTLIER = ("shangrao_pv", "gongqing_textile")  # vendor, buyer
IMPORTANT = ("ganneng_grid", "jiujiang_chemicals")
OUTLIER_KEY = "outlier"
# The settings that skip waiting for the disk on commit, and the exchange's usual ones.
RELAXED = {
    "sqlite": ("PRAGMA synchronous=NORMAL", "PRAGMA synchronous=FULL"),
    "postgresql": ("SET synchronous_commit TO off", "SET synchronous_commit TO on"),
}


# Marks that the trades of this seed carry keys: a market traded before them is complete as is.
KEYED = "demo.trades_keyed"


class Trades:
    """The seed's planned trades, each under a stable key: the complete ones are skipped, the
    one an interrupted seed was in the middle of is carried on, the rest are traded."""

    def __init__(self, uow: UnitOfWork, market: Market, limit: int | None = None) -> None:
        self.uow, self.market, self.limit = uow, market, limit
        session = uow.session
        rows = session.execute(
            select(AuditEvent.subject, AuditEvent.detail).where(AuditEvent.action == TRADED)
        ).all()
        self.complete = {subject for subject, _ in rows}
        finished = {int(detail["negotiation_id"]) for _, detail in rows}
        self.unfinished = [
            n
            for n in session.scalars(select(Negotiation.id).order_by(Negotiation.id))
            if n not in finished
        ]
        self.added: list[Done] = []

    def is_complete(self, key: str) -> bool:
        """Whether the trade under `key` is complete (or the limit stops the seed before it)."""
        return key in self.complete or (self.limit is not None and len(self.added) >= self.limit)

    def actor(self, organisation_id: int) -> Actor:
        """The organisation's first member, who acts for it in the demo."""
        return self.market.actor(organisation_id)

    def trade(
        self,
        key: str,
        buyer: int,
        offer: Offer,
        prices: list[Decimal],
        moments: Moments,
        until: Step,
    ) -> Done | None:
        """The planned trade under `key`, unless it is complete already (or the limit is up)."""
        if self.is_complete(key):
            return None
        done = self.market.trade(
            buyer, offer, prices, moments, until, key=key, resume=self._begun(buyer, offer)
        )
        self.complete.add(key)
        self.added.append(done)
        return done

    def _begun(self, buyer: int, offer: Offer) -> int | None:
        """The negotiation an interrupted seed began for the first trade not complete: the
        seed trades one at a time in order, so it is the oldest one no complete trade names."""
        if not self.unfinished:
            return None
        found = self.uow.session.get(Negotiation, self.unfinished[0])
        self.unfinished = []  # only the first trade not complete can have begun
        if found is None or (found.offer_id, found.buyer_id) != (offer.offer_id, buyer):
            return None
        return found.id


@dataclass(frozen=True)
class Planned:
    """One trade of the history as the seed plans it."""

    key: str
    buyer: int
    offer: Offer
    prices: tuple[Decimal, ...]
    moments: Moments
    until: Step


@dataclass(frozen=True)
class Cast:
    """The demo's organisations by role in the story."""

    buyer: int  # the demo buyer's organisation
    vendor: int  # the demo vendor's organisation
    vendors: dict[str, int]  # DEMO_VENDORS key → organisation id
    rank: dict[int, int]  # organisation id → place in the demo's list of vendors


def load_demo_trades(
    uow: UnitOfWork,
    desk: Desk,
    *,
    table: LicenceTable,
    market: MarketParameters | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> int:
    """Trade whatever of the demo market's history, anomalies and open states is not complete
    yet (at most `limit` trades); how many contracts it added."""
    session = uow.session
    keyed = session.scalar(select(AuditEvent.id).where(AuditEvent.action == KEYED).limit(1))
    if keyed is None:
        if session.scalar(select(Negotiation.id).limit(1)) is not None:
            return 0  # traded before trades had keys, and in one go: complete as it is
        audit.record(session, KEYED)
        uow.commit()
    now = now or utcnow()
    cast = _cast(session)
    offers = _offers(session)
    operator = load_actor(session, user_of(session, OPERATOR_EMAIL))
    assert operator is not None
    keys_made = now - timedelta(days=DAYS + 1)  # before the history's first signature
    trades = Trades(uow, Market(uow, desk, operator, keys_made), limit)
    contracts = select(func.count()).select_from(TradeContract)
    before = session.scalar(contracts) or 0
    rng = random.Random(SEED)
    with quick_commits(session.get_bind()):
        for planned in _history(session, rng, cast, offers, now):
            trades.trade(
                planned.key,
                planned.buyer,
                planned.offer,
                list(planned.prices),
                planned.moments,
                planned.until,
            )
        _wash_pair(uow, trades, rng, cast, offers, now)
        _outlier(uow, trades, cast, offers, now, table, market)
        _burst(trades, rng, cast, offers, now)
        _important(trades, rng, cast, offers, now)
        _open_states(trades, rng, cast, offers, now)
    return (session.scalar(contracts) or 0) - before


@contextmanager
def quick_commits(bind: Engine | Connection) -> Iterator[None]:
    """Commit without waiting for the disk while the seed trades (thousands of small commits
    on an empty demo market; a crash loses its last few, never consistency), then wait again."""
    engine = bind.engine
    relax, strict = RELAXED.get(engine.dialect.name, ("", ""))
    if not relax:
        yield
        return

    def setting(statement: str) -> Any:
        def apply(dbapi: Any, *_: Any) -> None:
            if dbapi is None:  # invalidated: nothing to set
                return
            dbapi.cursor().execute(statement)
            dbapi.commit()  # outside the work that follows, which may roll back

        return apply

    on_checkout, on_checkin = setting(relax), setting(strict)

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)


def user_of(session: Session, email: str) -> int:
    """The id of the demo login with this e-mail (demo.compute reads it too)."""
    found = session.scalar(select(User.id).where(User.email == email))
    assert found is not None, email
    return found


def organisation_of(session: Session, email: str) -> int:
    """The first organisation of the demo login with this e-mail."""
    found = session.scalar(
        select(Membership.organisation_id)
        .where(Membership.user_id == user_of(session, email))
        .order_by(Membership.id)
        .limit(1)
    )
    assert found is not None, email
    return found


def _cast(session: Session) -> Cast:
    """The cast, its vendors in the demo's list order: never in the order the database happens
    to return them, which changes with its query plan and the table's history."""
    codes = [v.credit_code for v in DEMO_VENDORS]
    rows = session.execute(
        select(Organisation.credit_code, Organisation.id).where(Organisation.credit_code.in_(codes))
    )
    found = {code: organisation_id for code, organisation_id in rows}
    vendors = {v.key: found[v.credit_code] for v in DEMO_VENDORS}
    rank = {vendors[v.key]: place for place, v in enumerate(DEMO_VENDORS)}
    return Cast(
        organisation_of(session, BUYER_EMAIL),
        organisation_of(session, VENDOR_EMAIL),
        vendors,
        rank,
    )


def _offers(session: Session) -> list[Offer]:
    """The offers the seed plans with, by id: tradable ones less those of products left on
    notice, whose certification a later run could see and an earlier one did not."""
    noticed = set(noticed_products(session))
    return [o for o in tradable_offers(session) if o.product_id not in noticed]


def history_plan(session: Session, now: datetime) -> list[Planned]:
    """The history a seed started at `now` plans: the same before, during and after trading."""
    return _history(session, random.Random(SEED), _cast(session), _offers(session), now)


# Stories: prices and moments


def _price(amount: Decimal | float) -> Decimal:
    """A round asking price: to the ten yuan."""
    return (Decimal(str(amount)) / 10).quantize(Decimal(1)) * 10


def _haggle(rng: random.Random, listed: Decimal) -> list[Decimal]:
    """The buyer's proposal, then alternate counters, ending around the list price."""
    opening = _price(listed * Decimal(str(rng.uniform(0.78, 0.97))))
    answer = _price(listed * Decimal(str(rng.uniform(0.94, 1.04))))
    roll = rng.random()
    if roll < 0.4 or answer <= opening:
        return [opening]
    if roll < 0.8:
        return [opening, answer]
    return [opening, answer, _price((opening + answer) / 2)]


def _business_moment(rng: random.Random, day: datetime) -> datetime:
    """A working moment on that day or the weekday after: 09:00–17:30 in Jiangxi (UTC+8)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = day.replace(hour=1, minute=0, second=0, microsecond=0)
    return start + timedelta(minutes=rng.uniform(0, 510))


def _story(
    rng: random.Random, start: datetime, rounds: int, until: Step, downloads: int, pace: float = 1
) -> Moments:
    """When each step happened, from the first proposal on; `pace` shrinks every gap."""

    def hours(low: float, high: float) -> timedelta:
        return timedelta(hours=rng.uniform(low, high) * pace)

    moments = Moments(rounds=[start])
    closing = 1 if until != Step.OPEN else 0
    for _ in range(rounds - 1 + closing):
        moments.rounds.append(moments.rounds[-1] + hours(1, 30))
    if until >= Step.SIGNED:
        vendor = moments.rounds[-1] + hours(0.5, 20)
        moments.signed = (vendor, vendor + hours(0.5, 20))
    if until >= Step.PAYING:
        assert moments.signed is not None
        moments.payment = moments.signed[1] + hours(1, 30)
    if until >= Step.PAID:
        assert moments.payment is not None
        paid = moments.paid = moments.payment + hours(2, 50)
        moments.downloads = sorted(paid + hours(0.1, 60) for _ in range(downloads))
    if until == Step.ACCEPTED:
        assert moments.paid is not None
        moments.closed = max([moments.paid, *moments.downloads]) + hours(2, 70)
    if until >= Step.DISPUTED:
        assert moments.paid is not None
        moments.closed = max([moments.paid, *moments.downloads]) + hours(24, 100)
    if until >= Step.UPHELD:
        assert moments.closed is not None
        moments.decided = moments.closed + hours(24, 96)
    return moments


def _ending(rng: random.Random) -> Step:
    roll = rng.random()
    if roll < 0.09:
        return Step.WALKED_AWAY
    if roll < 0.93:
        return Step.ACCEPTED
    return Step.UPHELD if roll < 0.965 else Step.DISMISSED


# The history


def _may_buy(cast: Cast, buyer: int, vendor: int) -> bool:
    """The demo buyer buys from anyone; a vendor only from vendors later in the list."""
    if buyer == cast.buyer:
        return True
    if {buyer, vendor} == {cast.vendors[k] for k in WASH}:
        return False  # the related pair trade only in their planted wash pair
    return cast.rank.get(buyer, len(cast.rank)) < cast.rank.get(vendor, -1)


def _buyers(session: Session, cast: Cast) -> list[int]:
    """Who buys in the history: the demo buyer and every vendor that may buy."""
    buying = [cast.buyer]
    for organisation_id in cast.vendors.values():
        actor = first_member(session, organisation_id)
        membership = actor.membership(organisation_id)
        if membership is not None and Role.BUYER in membership.roles:
            buying.append(organisation_id)
    return buying


def _ordinary(cast: Cast, offers: list[Offer]) -> list[Offer]:
    """Offers of general data, less the outlier's product: its valuation band is for one
    offer, and its other offers' prices would stray from it too."""
    reserved = _offer_of(offers, cast.vendors[OUTLIER[0]]).product_id
    return [o for o in offers if o.grade != Grade.IMPORTANT and o.product_id != reserved]


def _history(
    session: Session, rng: random.Random, cast: Cast, offers: list[Offer], now: datetime
) -> list[Planned]:
    """Six months of trades, more each month, across every board with tradable offers."""
    ordinary = _ordinary(cast, offers)
    buyers = [
        b for b in _buyers(session, cast) if any(_may_buy(cast, b, o.vendor_id) for o in ordinary)
    ]
    planned = []
    weights = [6 if b == cast.buyer else 1 for b in buyers]
    first = now - timedelta(days=DAYS)
    days = list(range(DAYS - QUIET_DAYS))
    growth = [1 + day / len(days) for day in days]
    for index in range(HISTORY):
        buyer = rng.choices(buyers, weights)[0]
        offer = rng.choice([o for o in ordinary if _may_buy(cast, buyer, o.vendor_id)])
        start = _business_moment(rng, first + timedelta(days=rng.choices(days, growth)[0]))
        prices = _haggle(rng, offer.terms.price)
        until = _ending(rng)
        if until == Step.WALKED_AWAY and len(prices) == 3:
            prices = prices[:2]  # the buyer walks away from the vendor's counter
        downloads = int(rng.random() < 0.2) if until >= Step.PAID else 0  # fingerprinting is slow
        moments = _story(rng, start, len(prices), until, downloads)
        planned.append(Planned(f"history-{index:03d}", buyer, offer, tuple(prices), moments, until))
    return planned


# Planted for the regulators' alerts


def _offer_of(offers: list[Offer], vendor: int, index: int = 0) -> Offer:
    """The first offer of the vendor's index-th product of general data."""
    found: dict[int, Offer] = {}
    for offer in offers:
        if offer.vendor_id == vendor and offer.grade != Grade.IMPORTANT:
            found.setdefault(offer.product_id, offer)
    products = list(found.values())
    return products[index % len(products)]


def _wash_pair(
    uow: UnitOfWork,
    trades: Trades,
    rng: random.Random,
    cast: Cast,
    offers: list[Offer],
    now: datetime,
) -> None:
    """Two vendors sharing a member sell to each other within days, at about the same price."""
    first, second = (cast.vendors[k] for k in WASH)
    shared = trades.actor(first).user_id  # already acting for the first: give them the second
    session = uow.session
    user, organisation = session.get(User, shared), session.get(Organisation, second)
    assert user is not None and organisation is not None
    member = select(Membership.id).where(
        Membership.user_id == shared, Membership.organisation_id == second
    )
    if session.scalar(member) is None:
        add_membership(session, user, organisation, {Role.VENDOR})
        uow.commit()
    there, back = _offer_of(offers, first), _offer_of(offers, second)
    price = _price(there.terms.price * Decimal("1.02"))
    start = _business_moment(rng, now - timedelta(days=52))
    moments = _story(rng, start, 1, Step.ACCEPTED, 1)
    trades.trade("wash-there", second, there, [price], moments, Step.ACCEPTED)
    start = _business_moment(rng, now - timedelta(days=43))
    moments = _story(rng, start, 1, Step.ACCEPTED, 1)
    trades.trade("wash-back", first, back, [price], moments, Step.ACCEPTED)


def _outlier(
    uow: UnitOfWork,
    trades: Trades,
    cast: Cast,
    offers: list[Offer],
    now: datetime,
    table: LicenceTable,
    market: MarketParameters | None,
) -> None:
    """A trade far above the vendor's stored valuation band of the product (the valuation an
    interrupted seed stored, if it got that far)."""
    vendor, buyer = (cast.vendors[k] for k in OUTLIER)
    if trades.is_complete(OUTLIER_KEY):
        return
    offer = _offer_of(offers, vendor)
    start = _business_moment(random.Random(SEED + 1), now - timedelta(days=34))
    stored = uow.session.scalar(
        select(Valuation.ceiling)
        .where(Valuation.product_id == offer.product_id, Valuation.organisation_id == vendor)
        .order_by(Valuation.id.desc())
        .limit(1)
    )
    if stored is None:
        valued = valuations.request_valuation(
            uow,
            trades.actor(vendor),
            offer.product_id,
            {"offer_id": offer.offer_id},
            table=table,
            paid_trades=paid_trades,
            market=market,
            now=start - timedelta(days=9),  # valued nine days before the trade
        )
        stored = Decimal(valued["ceiling"])
    ceiling = stored
    price = _price(ceiling * Decimal("2.6"))
    moments = _story(random.Random(SEED + 2), start, 1, Step.ACCEPTED, 1)
    trades.trade(OUTLIER_KEY, buyer, offer, [price], moments, Step.ACCEPTED)


def _burst(
    trades: Trades, rng: random.Random, cast: Cast, offers: list[Offer], now: datetime
) -> None:
    """One buyer buys twelve products within the hour, each paid minutes after agreeing."""
    buyer = cast.vendors[BURST_BUYER]
    ordinary = [o for o in _ordinary(cast, offers) if _may_buy(cast, buyer, o.vendor_id)]
    chosen = rng.sample(
        sorted({o.product_id: o for o in ordinary}.values(), key=lambda o: o.offer_id), BURST
    )
    opens = _business_moment(rng, now - timedelta(days=27)).replace(hour=2, minute=5)
    for index, offer in enumerate(chosen):
        at = opens + timedelta(minutes=4 * index)
        minutes = [at + timedelta(minutes=n) for n in range(9)]
        moments = Moments(
            rounds=minutes[:2],
            signed=(minutes[2], minutes[3]),
            payment=minutes[4],
            paid=minutes[6],
            closed=at + timedelta(days=2),  # accepted after looking at the data
            downloads=[minutes[8]],
        )
        key = f"burst-{index:02d}"
        trades.trade(key, buyer, offer, [offer.terms.price], moments, Step.ACCEPTED)


def _important(
    trades: Trades, rng: random.Random, cast: Cast, offers: list[Offer], now: datetime
) -> None:
    """A paid trade of important data, which the regulators watch whatever its price."""
    vendor, buyer = (cast.vendors[k] for k in IMPORTANT)
    found = [o for o in offers if o.vendor_id == vendor and o.grade == Grade.IMPORTANT]
    if not found:
        return
    offer = found[0]
    start = _business_moment(rng, now - timedelta(days=19))
    prices = [_price(offer.terms.price * Decimal("0.92")), offer.terms.price]
    moments = _story(rng, start, 2, Step.ACCEPTED, 1)
    trades.trade("important", buyer, offer, prices, moments, Step.ACCEPTED)


# Left open for a visitor


def _open_states(
    trades: Trades, rng: random.Random, cast: Cast, offers: list[Offer], now: datetime
) -> None:
    """The demo buyer's trades with the demo vendor, each stopped where a login acts next."""
    states = (
        (Step.OPEN, 3, 26),  # step, rounds, hours ago it began: the vendor answers next
        (Step.AGREED, 2, 30),  # both sign
        (Step.SIGNED, 1, 40),  # the buyer pays
        (Step.PAYING, 2, 60),  # the operator confirms the transfer
        (Step.PAID, 1, 70),  # the buyer accepts or disputes
        (Step.DISPUTED, 1, 140),  # the operator decides
    )
    for index, (until, rounds, hours_ago) in enumerate(states):
        offer = _offer_of(offers, cast.vendor, index)
        listed = offer.terms.price
        prices = [_price(listed * Decimal(f)) for f in ("0.85", "1.00", "0.92")][:rounds]
        start = now - timedelta(hours=hours_ago)
        moments = _story(rng, start, rounds, until, 1 if until >= Step.PAID else 0, pace=0.2)
        assert moments.last() < now, until
        trades.trade(f"open-{index}", cast.buyer, offer, prices, moments, until)
