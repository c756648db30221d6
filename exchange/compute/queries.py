"""A buyer's query under a computation licence, from submission to released result.

A query is checked against the licence's frozen policy before anything runs; a refused one is
kept with the rule it broke and audited, and nothing runs. A query the policy lets run at once
takes one query and its share of the privacy budget (a conditional UPDATE committed before the
run, so concurrent queries cannot overspend), runs in the sandbox, and its text, the policy
version and a hash of its result go into the ledger. A run that released nothing gives back
what it took, except a run refused for returning too many groups under a privacy budget: that
refusal already told the buyer something computed from the data, so its budget stays spent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contracts.ledger import canonical_json
from exchange.compute import licences
from exchange.compute.checker import QueryRefused, check
from exchange.compute.domain import REFUSAL_DETAILS, CheckedQuery, ComputePolicy, QueryStatus
from exchange.compute.models import ComputeLicence, ComputeQuery
from exchange.compute.policies import from_json
from exchange.compute.reading import QueryView, licence_of, query_view
from exchange.compute.release import TooManyRows
from exchange.compute.running import QueryRunner
from exchange.compute.sandbox import BuyerTable
from exchange.delivery.entitlements import check_usable
from exchange.delivery.models import Entitlement
from exchange.delivery.ports import ContractLookup, PaidContract
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, ExchangeError, NotFound, PermissionDenied
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event


class NotPending(Conflict):
    code = "query-not-pending"
    title = N_("This query is not waiting for approval")


def _detail(message: str, **params: Any) -> str:
    """A reason kept as its message id and parameters, translated when it is shown."""
    return json.dumps({"message": message, "params": params}, ensure_ascii=False)


def buyer_licence(session: Session, actor: Actor, contract_id: int) -> ComputeLicence:
    """The contract's licence for a buyer of its buying organisation; 404 to anyone outside."""
    licence = licence_of(session, contract_id)
    if licence is None or not actor.is_member(licence.buyer_id):
        raise NotFound()
    if not actor.has_role_in(licence.buyer_id, Role.BUYER):
        raise PermissionDenied(N_("Only the buying organisation's buyers can run queries."))
    return licence


def _buyer_columns(licence: ComputeLicence) -> list[str]:
    """The columns of the buyer's own table, when it uploaded one and the policy lets it join."""
    table = licence.buyer_table
    if not table or not from_json(licence.policy).allow_join:
        return []
    return [str(field["name"]) for field in table["fields"]]


def _usable(
    session: Session, licence: ComputeLicence, now: datetime, contracts: ContractLookup
) -> PaidContract:
    entitlement = require_found(session.get(Entitlement, licence.entitlement_id))
    return check_usable(session, entitlement, now, contracts)


def _refuse(
    uow: UnitOfWork, actor: Actor, licence: ComputeLicence, text: str, error: ExchangeError
) -> None:
    """Keep a refused attempt with its reason, audit it, and raise the refusal."""
    session = uow.session
    if isinstance(error, QueryRefused):
        refusal, detail = error.rule.value, _detail(REFUSAL_DETAILS[error.rule], name=error.name)
    else:
        refusal, detail = error.code, _detail(error.title)
    session.add(
        ComputeQuery(
            licence_id=licence.id,
            contract_id=licence.contract_id,
            submitted_by_id=actor.user_id,
            text=text,
            status=QueryStatus.REFUSED,
            refusal=refusal,
            detail=detail,
            policy_version=licence.policy_version,
            epsilon_spent=0.0,
            created_at=utcnow(),
        )
    )
    audit.record(
        session,
        "compute.query_refused",
        actor=actor,
        organisation_id=licence.buyer_id,
        subject=str(licence.contract_id),
        rule=refusal,
    )
    uow.commit()
    raise error


def submit_query(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    text: str,
    *,
    runner: QueryRunner,
    contracts: ContractLookup,
    now: datetime | None = None,
) -> QueryView:
    """Check a buyer's query against the licence and run it, or queue it for approval."""
    now = now or utcnow()
    session = uow.session
    licence = buyer_licence(session, actor, contract_id)
    contract = _usable(session, licence, now, contracts)
    policy = from_json(licence.policy)
    try:
        licences.check_left(licence, policy.epsilon_per_query or 0.0)
        checked = check(text, policy, buyer_columns=_buyer_columns(licence))
    except (QueryRefused, Conflict) as refused:
        _refuse(uow, actor, licence, text, refused)
    query = ComputeQuery(
        licence_id=licence.id,
        contract_id=licence.contract_id,
        submitted_by_id=actor.user_id,
        text=text,
        status=QueryStatus.PENDING if policy.needs_approval else QueryStatus.RUNNING,
        joins_mine=checked.joins_buyer_table,
        policy_version=licence.policy_version,
        epsilon_spent=0.0,
        created_at=now,
    )
    session.add(query)
    if not policy.needs_approval:
        try:
            _take_share(session, licence, policy)
        except Conflict as spent_out:  # another query took the last of it meanwhile
            session.rollback()
            _refuse(uow, actor, licence, text, spent_out)
    audit.record(
        session,
        "compute.query_submitted",
        actor=actor,
        organisation_id=licence.buyer_id,
        subject=str(contract_id),
    )
    uow.commit()
    if not policy.needs_approval:
        _run(uow, licence, query, checked, policy, runner, contract, now)
    return query_view(session, query)


def _take_share(session: Session, licence: ComputeLicence, policy: ComputePolicy) -> None:
    """Take the query and its epsilon in the transaction that marks the query running, so a
    running query has always taken its share (and fail_abandoned may give it back)."""
    licences.spend(session, licence, policy.epsilon_per_query or 0.0)


def _run(
    uow: UnitOfWork,
    licence: ComputeLicence,
    query: ComputeQuery,
    checked: CheckedQuery,
    policy: ComputePolicy,
    runner: QueryRunner,
    contract: PaidContract,
    now: datetime,
) -> None:
    """Run a query that took its share, and record the result and its ledger entry (or why
    nothing was released, giving the share back unless the failure itself spent it); a
    failure is raised after it is recorded."""
    session = uow.session
    epsilon = policy.epsilon_per_query or 0.0
    try:
        table = cast(BuyerTable | None, licence.buyer_table) if checked.joins_buyer_table else None
        run = runner.run(session, licence.product_id, checked, policy, table)
    except ExchangeError as failed:
        spent = isinstance(failed, TooManyRows) and policy.epsilon_budget is not None
        if not spent:
            licences.give_back(session, licence, epsilon)
        query.status = QueryStatus.FAILED
        query.refusal = failed.code
        query.detail = _detail(failed.detail, **failed.params)
        query.epsilon_spent = epsilon if spent else 0.0
        query.ran_at = now
        uow.commit()
        raise
    released = run.released
    columns, rows = list(released.columns), [list(row) for row in released.rows]
    query.status = QueryStatus.DONE
    query.columns, query.rows = columns, rows
    query.suppressed = released.suppressed
    query.epsilon_spent = released.epsilon_spent
    query.result_hash = hashlib.sha256(
        canonical_json({"columns": columns, "rows": rows}).encode()
    ).hexdigest()
    query.ran_at = now
    session.flush()
    entry = record_event(
        session,
        "trade.computation",
        {
            "contract": contract.number,
            "query_id": query.id,
            "query": query.text,
            "policy_version": licence.policy_version,
            "data_version": run.version,
            "result_hash": query.result_hash,
            "rows": len(rows),
            "epsilon_spent": released.epsilon_spent,
        },
        parties=[licence.buyer_id, licence.vendor_id],
    )
    query.ledger_seq = entry.seq
    uow.commit()


def decide_query(
    uow: UnitOfWork,
    actor: Actor,
    query_id: int,
    *,
    approve: bool,
    reason: str | None,
    runner: QueryRunner,
    contracts: ContractLookup,
    now: datetime | None = None,
) -> QueryView:
    """The vendor approves a pending query (it runs now) or declines it with a reason."""
    now = now or utcnow()
    session = uow.session
    query = session.get(ComputeQuery, query_id)
    licence = session.get(ComputeLicence, query.licence_id) if query else None
    if query is None or licence is None or not actor.is_member(licence.vendor_id):
        raise NotFound()
    if not actor.has_role_in(licence.vendor_id, Role.VENDOR):
        raise PermissionDenied(N_("Only the vendor's vendors decide on queries."))
    # One decision per query, even from two vendors at once: the first moves it on, the
    # second finds it no longer pending.
    policy = from_json(licence.policy)
    decided = session.execute(
        update(ComputeQuery)
        .where(ComputeQuery.id == query.id, ComputeQuery.status == QueryStatus.PENDING)
        .values(
            status=QueryStatus.RUNNING if approve else QueryStatus.REJECTED,
            decided_by_id=actor.user_id,
            decided_at=now,
            decision_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise NotPending()
    if approve:
        try:
            _take_share(session, licence, policy)
        except Conflict as spent_out:  # the licence ran out while the query waited
            session.rollback()
            query.status, query.refusal = QueryStatus.FAILED, spent_out.code
            query.detail = _detail(spent_out.title)
            query.decided_by_id, query.decided_at = actor.user_id, now
            uow.commit()
            raise
    audit.record(
        session,
        "compute.query_approved" if approve else "compute.query_declined",
        actor=actor,
        organisation_id=licence.vendor_id,
        subject=str(query.id),
    )
    uow.commit()
    session.refresh(query)
    if not approve:
        return query_view(session, query)
    try:
        contract = _usable(session, licence, now, contracts)
        checked = check(query.text, policy, buyer_columns=_buyer_columns(licence))
    except ExchangeError as failed:  # the licence ended or the buyer's table changed meanwhile
        licences.give_back(session, licence, policy.epsilon_per_query or 0.0)
        query.status, query.refusal = QueryStatus.FAILED, failed.code
        query.detail = _detail(failed.detail, **failed.params)
        uow.commit()
        raise
    _run(uow, licence, query, checked, policy, runner, contract, now)
    return query_view(session, query)


ABANDONED = "abandoned"  # the refusal code of a run whose process died


def fail_abandoned(uow: UnitOfWork, *, older_than: timedelta, now: datetime | None = None) -> int:
    """Fail the queries still running long after any run could have ended (the process that ran
    them died: a crash, a restart), giving back the share each took; how many."""
    now = now or utcnow()
    session = uow.session
    started = func.coalesce(ComputeQuery.decided_at, ComputeQuery.created_at)
    stuck = session.scalars(
        select(ComputeQuery)
        .where(ComputeQuery.status == QueryStatus.RUNNING, started < now - older_than)
        .order_by(ComputeQuery.id)
    ).all()
    failed = 0
    for query in stuck:
        moved = session.execute(
            update(ComputeQuery)
            .where(ComputeQuery.id == query.id, ComputeQuery.status == QueryStatus.RUNNING)
            .values(
                status=QueryStatus.FAILED,
                refusal=ABANDONED,
                detail=_detail(
                    N_(
                        "The run stopped before it ended (the exchange restarted); nothing was "
                        "released, and the query and its privacy budget were given back."
                    )
                ),
                ran_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue  # it ended meanwhile
        licence = require_found(session.get(ComputeLicence, query.licence_id))
        licences.give_back(session, licence, from_json(licence.policy).epsilon_per_query or 0.0)
        audit.record(session, "compute.query_abandoned", subject=str(query.id))
        failed += 1
    uow.commit()
    return failed
