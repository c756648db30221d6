"""Moves made at once on one negotiation: exactly one wins, every other is a 409 problem, never
a 500, and the negotiation stays whole (one answer per turn, at most one contract); SQLite and
PostgreSQL, through the API as clients would make them."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.trading.models import NegotiationRound, TradeContract
from tests.trading import market, propose

MOVES = 8


def rows(app, model) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model)) or 0
        db.session.remove()
    return count


def test_concurrent_accepts_and_counters_leave_one_winner(app, client):
    trade = market(app, client)
    negotiation_id = propose(app, trade.buyer, trade.offer_id)
    barrier = threading.Barrier(MOVES)
    answers: list[tuple[int, str, str]] = []

    def move(number: int) -> None:
        mover = app.test_client()
        kind = "accept" if number % 2 else "counter"
        body = (
            {}
            if kind == "accept"
            else {
                "price": f"{11000 + number}.00",
                "scope": "internal",
                "term_months": 12,
                "territory": "mainland",
                "seats": 5,
            }
        )
        barrier.wait()
        response = mover.post(
            f"/api/v1/negotiations/{negotiation_id}/{kind}", json=body, headers=trade.vendor.headers
        )
        answers.append((response.status_code, response.mimetype, kind))

    threads = [threading.Thread(target=move, args=(n,)) for n in range(MOVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _, _ in answers)
    assert len(answers) == MOVES
    assert len([s for s in statuses if s < 300]) == 1, answers
    assert all(
        status == 409 and mimetype == "application/problem+json"
        for status, mimetype, _ in answers
        if status >= 300
    ), answers
    won = next(kind for status, _, kind in answers if status < 300)
    assert rows(app, NegotiationRound) == 2  # the proposal and the one answer
    assert rows(app, TradeContract) == (1 if won == "accept" else 0)
