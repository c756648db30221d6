"""The computation licence a paid contract gives: its frozen policy, its queries and its
privacy budget, each spent by one conditional UPDATE so concurrent queries never overspend."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from exchange.compute.models import ComputeLicence
from exchange.compute.policies import from_json
from exchange.delivery.ports import PaidContract
from exchange.kernel.errors import Conflict
from exchange.kernel.i18n import N_

EPSILON_SLACK = 1e-9  # floats summed query by query may land a hair above the budget


class QuotaSpent(Conflict):
    code = "queries-spent"
    title = N_("This licence has run all the queries it allows")


class BudgetSpent(Conflict):
    code = "privacy-budget-spent"
    title = N_("This licence's privacy budget is spent; no further query can run")


def grant_licence(
    session: Session, contract: PaidContract, entitlement_id: int, *, now: datetime
) -> ComputeLicence:
    """The licence of a paid computation contract, in the caller's unit of work."""
    access = json.loads(contract.canonical)["access"]
    policy = from_json(access["policy"])
    licence = ComputeLicence(
        entitlement_id=entitlement_id,
        contract_id=contract.id,
        product_id=contract.product_id,
        buyer_id=contract.buyer_id,
        vendor_id=contract.vendor_id,
        policy_version=policy.version,
        policy=access["policy"],
        query_quota=int(access["quota"]),
        queries_used=0,
        epsilon_budget=policy.epsilon_budget,
        epsilon_spent=0.0,
        created_at=now,
    )
    session.add(licence)
    session.flush()
    return licence


def spend(session: Session, licence: ComputeLicence, epsilon: float) -> None:
    """Take one query and `epsilon` of the budget, or raise which of them is spent."""
    within_budget = (ComputeLicence.epsilon_budget.is_(None)) | (
        ComputeLicence.epsilon_spent + epsilon <= ComputeLicence.epsilon_budget + EPSILON_SLACK
    )
    taken = session.execute(
        update(ComputeLicence)
        .where(
            ComputeLicence.id == licence.id,
            ComputeLicence.queries_used < ComputeLicence.query_quota,
            within_budget,
        )
        .values(
            queries_used=ComputeLicence.queries_used + 1,
            epsilon_spent=ComputeLicence.epsilon_spent + epsilon,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(licence)
        raise QuotaSpent() if licence.queries_used >= licence.query_quota else BudgetSpent()


def give_back(session: Session, licence: ComputeLicence, epsilon: float) -> None:
    """Return what a run that released nothing took."""
    session.execute(
        update(ComputeLicence)
        .where(ComputeLicence.id == licence.id)
        .values(
            queries_used=ComputeLicence.queries_used - 1,
            epsilon_spent=ComputeLicence.epsilon_spent - epsilon,
        )
        .execution_options(synchronize_session=False)
    )


def check_left(licence: ComputeLicence, epsilon: float) -> None:
    """Refuse before anything runs when no query or too little budget is left."""
    if licence.queries_used >= licence.query_quota:
        raise QuotaSpent()
    budget = licence.epsilon_budget
    if budget is not None and licence.epsilon_spent + epsilon > budget + EPSILON_SLACK:
        raise BudgetSpent()
