"""Idempotency keys for every state-changing API call: a client that did not hear the answer
retries with the same key and gets the first answer, and nothing is done twice.

The key is claimed inside the request's own transaction, so it commits with the change or not at
all: a retry after a lost connection either finds the change done (and, once the answer is kept,
that answer) or finds nothing done and runs again. Payments keep their own records
(exchange.trading.payment_start), made in the payment's transaction with the answer already known.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.kernel.errors import Conflict, ExchangeError
from exchange.kernel.i18n import N_
from exchange.kernel.records import IdempotencyRecord
from exchange.kernel.unit_of_work import UnitOfWork

# The status a claimed key holds until its request's answer is kept.
PENDING = 0
# Seconds a client should wait before asking again about a key whose first request is running.
RETRY_AFTER = 1


class KeyReused(ExchangeError):
    """The key was first used for a different request: replaying that answer would mislead."""

    status = 422
    code = "idempotency-key-reused"
    title = N_("This Idempotency-Key was used for a different request")


class KeyInProgress(Conflict):
    """The key's first request has not finished: its answer is not known yet."""

    code = "idempotency-key-in-progress"
    title = N_("A request with this Idempotency-Key is still being carried out")
    retry_after = RETRY_AFTER


@dataclass(frozen=True)
class IdempotentRequest:
    """Who sent what under which key; request_hash covers method, path, query and body."""

    user_id: int
    key: str
    method: str
    path: str
    request_hash: str


@dataclass(frozen=True)
class KeptAnswer:
    """The answer a key's first request got, to send again word for word."""

    status: int
    content_type: str | None
    body: str


def _record(session: Session, request: IdempotentRequest) -> IdempotencyRecord | None:
    # FOR UPDATE: on SQLite it opens the write transaction (exchange.extensions), so a
    # concurrent duplicate waits for this one's claim instead of racing it.
    return session.scalars(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == request.user_id, IdempotencyRecord.key == request.key)
        .with_for_update()
    ).first()


def _answer(record: IdempotencyRecord, request: IdempotentRequest) -> KeptAnswer:
    if record.request_hash != request.request_hash:
        raise KeyReused(
            N_("The key was first used for another request; send this one with a new key.")
        )
    if record.status_code == PENDING:
        raise KeyInProgress(
            N_(
                "The first request with this key was carried out or is still running; its answer "
                "is not kept yet. Ask again shortly."
            )
        )
    return KeptAnswer(record.status_code, record.content_type, record.body or "")


def claim(uow: UnitOfWork, request: IdempotentRequest) -> KeptAnswer | None:
    """The first answer to this key, or None after claiming the key in the request's open
    transaction (which the request's own commit then makes durable with its change)."""
    session = uow.session
    session.commit()  # end the read transaction authentication opened: the claim starts afresh
    record = _record(session, request)
    if record is None:
        session.add(
            IdempotencyRecord(
                user_id=request.user_id,
                key=request.key,
                request_hash=request.request_hash,
                status_code=PENDING,
                response={},
                method=request.method,
                path=request.path,
            )
        )
        try:
            session.flush()  # PostgreSQL: a concurrent duplicate's insert waits here for ours
            return None
        except IntegrityError:
            session.rollback()
            record = _record(session, request)
            if record is None:  # the other one's request failed and let go of the key
                raise KeyInProgress() from None
    return _answer(record, request)


def keep(uow: UnitOfWork, request: IdempotentRequest, answer: KeptAnswer) -> None:
    """Keep the answer of a request that succeeded, under its key, for its retries."""
    session = uow.session
    session.rollback()  # whatever the view left uncommitted is not part of its answer
    record = _record(session, request)
    if record is None:  # the view's own rollback (a retried conflict) dropped the claim
        record = IdempotencyRecord(
            user_id=request.user_id,
            key=request.key,
            request_hash=request.request_hash,
            response={},
            method=request.method,
            path=request.path,
        )
        session.add(record)
    elif record.status_code != PENDING:
        return
    record.status_code = answer.status
    record.content_type = answer.content_type
    record.body = answer.body
    try:
        uow.commit()
    except IntegrityError:  # a duplicate kept its answer first
        session.rollback()


def release(uow: UnitOfWork, request: IdempotentRequest) -> None:
    """Forget the claim of a request that was refused (a 4xx), so its retry runs again."""
    session = uow.session
    session.rollback()
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.user_id == request.user_id,
            IdempotencyRecord.key == request.key,
            IdempotencyRecord.request_hash == request.request_hash,
            IdempotencyRecord.status_code == PENDING,
        )
    )
    uow.commit()
