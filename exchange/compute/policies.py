"""The vendor's query policy for a product: which columns a buyer's query may use and how, the
minimum group size, the rows a query may return, an optional privacy budget, and whether each
query needs approval. Each save is a new version; a contract freezes the version it was made on.

Personal columns (a mobile number, an ID number, …) may never be grouped by or filtered on, so
no output row is keyed by one person's identifier; they may at most be counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.catalog import personal_data
from exchange.catalog.domain import PERSONAL_KINDS, FieldType, VersionState
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.compute.domain import (
    ColumnRule,
    ColumnUse,
    ComputePolicy,
    Protection,
    key_threshold,
)
from exchange.compute.models import PolicyVersion
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role

NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL})


class PolicyColumn(TypedDict):
    """One of the product's columns as the policy editor shows it."""

    name: str
    type: str
    personal: bool
    use: str
    lower: float | None
    upper: float | None


class PolicyView(TypedDict):
    """A product's current policy (None before the vendor saved one) and its columns."""

    product_id: int
    version: int | None
    columns: list[PolicyColumn]
    min_group_size: int
    max_rows: int
    epsilon_budget: float | None
    epsilon_per_query: float | None
    needs_approval: bool
    allow_join: bool
    protection: str | None
    group_threshold: int | None  # the least noisy size a grouped row shows at (k without DP)
    saved_at: datetime | None


def to_json(policy: ComputePolicy) -> dict[str, Any]:
    """The policy as stored with a version and frozen into a contract."""
    return asdict(policy) | {"columns": [asdict(rule) for rule in policy.columns]}


def from_json(stored: Mapping[str, Any]) -> ComputePolicy:
    """A policy read back from its stored JSON."""
    return ComputePolicy(
        columns=tuple(
            ColumnRule(
                name=str(rule["name"]),
                use=ColumnUse(rule["use"]),
                lower=rule.get("lower"),
                upper=rule.get("upper"),
            )
            for rule in stored["columns"]
        ),
        min_group_size=int(stored["min_group_size"]),
        max_rows=int(stored["max_rows"]),
        epsilon_budget=stored.get("epsilon_budget"),
        epsilon_per_query=stored.get("epsilon_per_query"),
        needs_approval=bool(stored.get("needs_approval")),
        allow_join=bool(stored.get("allow_join")),
        version=int(stored.get("version", 1)),
    )


def latest_version(session: Session, product_id: int) -> ProductVersion | None:
    """The product's latest ready version: the data a computation runs over."""
    return session.scalar(
        select(ProductVersion)
        .where(
            ProductVersion.product_id == product_id,
            ProductVersion.state == VersionState.READY,
        )
        .order_by(ProductVersion.number.desc())
        .limit(1)
    )


def current(session: Session, product_id: int) -> ComputePolicy | None:
    """The product's latest saved policy, or None."""
    row = session.scalar(
        select(PolicyVersion)
        .where(PolicyVersion.product_id == product_id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )
    return from_json(row.policy) if row else None


def group_threshold(policy: ComputePolicy) -> int:
    """The least size a grouped row shows at: k, or under DP the noisy size a COUNT(*) by
    group (the query that measures the size with the whole epsilon) needs."""
    if policy.epsilon_per_query is None or not policy.epsilon_budget:
        return policy.min_group_size
    return key_threshold(policy.epsilon_per_query, policy.min_group_size)


def privacy_budget(session: Session, product_id: int) -> Decimal | None:
    """The privacy budget (ε per contract) a computation licence over the product gives now,
    as pricing reads it; None when its answers are exact (or no policy is set)."""
    policy = current(session, product_id)
    if policy is None or not policy.epsilon_budget:
        return None
    return Decimal(str(policy.epsilon_budget))


def _vendor_product(session: Session, actor: Actor, product_id: int) -> DataProduct:
    product = session.get(DataProduct, product_id)
    if product is None or not actor.is_member(product.vendor_id):
        raise NotFound()
    if not actor.has_role_in(product.vendor_id, Role.VENDOR):
        raise PermissionDenied(N_("Only the vendor's vendors can set its query policy."))
    return product


def _columns(session: Session, product_id: int) -> list[dict[str, Any]]:
    version = latest_version(session, product_id)
    if version is None:
        raise ValidationFailed.on("columns", N_("Upload the data file first."))
    return list(version.fields or [])


def _check(policy: ComputePolicy, fields: list[dict[str, Any]]) -> None:
    """Every rule names a column of the data, personal columns are never keys, bounds fit."""
    known = {str(f["name"]): f for f in fields}
    for rule in policy.columns:
        field = known.get(rule.name)
        if field is None:
            raise ValidationFailed.on(
                "columns", N_("The data has no column %(column)s."), column=rule.name
            )
        kind = personal_data.column_kind(field)
        if rule.use is ColumnUse.GROUP and kind in PERSONAL_KINDS:
            raise ValidationFailed.on(
                "columns",
                N_("%(column)s holds personal information: it may not be grouped or filtered on."),
                column=rule.name,
            )
        bounded = rule.lower is not None or rule.upper is not None
        if bounded and FieldType(field.get("type", "string")) not in NUMERIC:
            raise ValidationFailed.on(
                "columns", N_("Only numeric columns have bounds: %(column)s."), column=rule.name
            )
        if (rule.lower is None) != (rule.upper is None) or (
            rule.lower is not None and rule.upper is not None and rule.lower >= rule.upper
        ):
            raise ValidationFailed.on(
                "columns",
                N_("Give %(column)s a lower bound below its upper bound, or neither."),
                column=rule.name,
            )
    budget, per_query = policy.epsilon_budget, policy.epsilon_per_query
    if (budget is None) != (per_query is None):
        raise ValidationFailed.on(
            "epsilon_per_query", N_("A privacy budget needs the share each query spends.")
        )
    if budget is not None and per_query is not None and per_query > budget:
        raise ValidationFailed.on(
            "epsilon_per_query", N_("A query cannot spend more than the whole budget.")
        )


def save_policy(
    uow: UnitOfWork, actor: Actor, product_id: int, policy: ComputePolicy
) -> PolicyView:
    """The vendor saves a new version of the product's policy; contracts keep theirs."""
    session = uow.session
    product = _vendor_product(session, actor, product_id)
    _check(policy, _columns(session, product_id))
    last = session.scalar(
        select(PolicyVersion.version)
        .where(PolicyVersion.product_id == product_id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )
    version = (last or 0) + 1
    stored = replace(policy, version=version)
    session.add(
        PolicyVersion(
            product_id=product_id,
            version=version,
            policy=to_json(stored),
            created_by_id=actor.user_id,
            created_at=utcnow(),
        )
    )
    audit.record(
        session,
        "compute.policy_saved",
        actor=actor,
        organisation_id=product.vendor_id,
        subject=str(product_id),
        version=version,
    )
    uow.commit()
    return policy_view(session, product_id)


def _column(field: Mapping[str, Any], policy: ComputePolicy | None) -> PolicyColumn:
    """A column of the data with the use and bounds the policy gives it (hidden by default)."""
    rule = policy.rule(str(field["name"])) if policy else None
    return PolicyColumn(
        name=str(field["name"]),
        type=str(field.get("type", "string")),
        personal=personal_data.column_kind(field) in PERSONAL_KINDS,
        use=(rule.use if rule else ColumnUse.HIDDEN).value,
        lower=rule.lower if rule else None,
        upper=rule.upper if rule else None,
    )


def policy_view(session: Session, product_id: int) -> PolicyView:
    """The product's policy as the editor and the product page show it."""
    require_found(session.get(DataProduct, product_id))
    row = session.scalar(
        select(PolicyVersion)
        .where(PolicyVersion.product_id == product_id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )
    policy = from_json(row.policy) if row else None
    version = latest_version(session, product_id)
    fields = list(version.fields or []) if version else []
    return PolicyView(
        product_id=product_id,
        version=row.version if row else None,
        columns=[_column(f, policy) for f in fields],
        min_group_size=policy.min_group_size if policy else 10,
        max_rows=policy.max_rows if policy else 1000,
        epsilon_budget=policy.epsilon_budget if policy else None,
        epsilon_per_query=policy.epsilon_per_query if policy else None,
        needs_approval=policy.needs_approval if policy else False,
        allow_join=policy.allow_join if policy else False,
        protection=Protection(policy.protection).value if policy else None,
        group_threshold=group_threshold(policy) if policy else None,
        saved_at=row.created_at if row else None,
    )


def read_policy(uow: UnitOfWork, actor: Actor, product_id: int) -> PolicyView:
    """The editor's view: the product's vendors only."""
    _vendor_product(uow.session, actor, product_id)
    return policy_view(uow.session, product_id)
