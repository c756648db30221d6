"""Anchoring: checkpoints wait in an outbox; one transaction per batch puts them on chain.

Idempotent by tree size. A row is written before its transaction is sent, so a crash at any
point is repaired on the next run by asking the chain what it holds; the contract itself refuses
a size that does not grow, so nothing is anchored twice. When the chain is down, appends go on
and anchoring catches up when it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from contracts import ledger
from contracts.chain import AnchorReceipt, AnchorRejected, Chain, ChainError, ChainUnavailable
from contracts.ledger import Executor
from contracts.schema import ledger_anchors, ledger_deployments, ledger_entries

UNFINISHED = ("sending", "sent")
ON_CHAIN = ("anchored", "confirmed")


@dataclass(frozen=True)
class AnchorPolicy:
    """When a batch is due: every `batch_size` entries or after `max_wait` seconds."""

    batch_size: int = 256
    max_wait_seconds: float = 60.0
    confirmations: int = 1
    # A sent anchor without a receipt after this long, and forgotten by the node, is re-sent.
    resend_seconds: float = 120.0


@dataclass(frozen=True)
class Deployment:
    id: int
    chain_id: int
    contract_address: str


@dataclass(frozen=True)
class AnchorRun:
    """What one pass of the worker did, for logs and tests."""

    anchored_size: int | None = None
    tx_hash: str | None = None
    repaired: int = 0
    confirmed: int = 0
    resent: int = 0
    error: str | None = None


class MissingDeployment(ChainError):
    """The chain no longer has our anchor contract (a reset chain); re-anchor on command."""


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def active_deployment(executor: Executor, chain_id: int) -> Deployment | None:
    """The anchor contract in use on this chain, if one was deployed."""
    row = executor.execute(
        select(ledger_deployments)
        .where(ledger_deployments.c.chain_id == chain_id, ledger_deployments.c.retired_at.is_(None))
        .order_by(ledger_deployments.c.id.desc())
    ).first()
    return Deployment(row.id, row.chain_id, row.contract_address) if row else None


def ensure_deployment(
    engine: Engine, chain: Chain, *, now: datetime | None = None, adopt: bool = False
) -> Deployment:
    """Deploy the anchor contract on the chain's first use and record its address; a ledger
    anchored on another chain moves to this one only when `adopt`ed (by `ledger reanchor`)."""
    chain_id = chain.chain_id()
    with engine.begin() as connection:
        deployment = active_deployment(connection, chain_id)
        # A reset chain loses the contract, or keeps one at the same address without our
        # roots; a node of another chain does not hold the ledger's anchors at all.
        lost = _chain_lost(connection, chain, deployment)
    if lost and not (adopt and deployment is None):
        raise MissingDeployment(f"chain {chain_id}: {lost}")
    if deployment is not None:
        return deployment
    address = chain.deploy_anchor()
    with engine.begin() as connection:
        new_id = connection.execute(
            insert(ledger_deployments)
            .values(
                chain_id=chain_id,
                contract_address=address,
                operator=chain.operator(),
                deployed_at=_now(now),
            )
            .returning(ledger_deployments.c.id)
        ).scalar_one()
    return Deployment(new_id, chain_id, address)


def _set(executor: Executor, anchor_id: int, now: datetime, **values: Any) -> None:
    executor.execute(
        update(ledger_anchors)
        .where(ledger_anchors.c.id == anchor_id)
        .values(updated_at=now, **values)
    )


def _last_anchored_size(executor: Executor, deployment: Deployment) -> int:
    return int(
        executor.execute(
            select(func.coalesce(func.max(ledger_anchors.c.tree_size), 0)).where(
                ledger_anchors.c.deployment_id == deployment.id,
                ledger_anchors.c.status.in_(UNFINISHED + ON_CHAIN),
            )
        ).scalar_one()
    )


def _batch_due(executor: Executor, last: int, policy: AnchorPolicy, now: datetime) -> bool:
    size, _ = ledger.state(executor)
    if size <= last:
        return False
    if size - last >= policy.batch_size:
        return True
    oldest = executor.execute(
        select(ledger_entries.c.recorded_at).where(ledger_entries.c.seq == last)
    ).scalar_one_or_none()
    return oldest is not None and oldest <= now - timedelta(seconds=policy.max_wait_seconds)


def _send(engine: Engine, chain: Chain, deployment: Deployment, row: Any, now: datetime) -> str:
    """Send one outbox row's transaction and remember its hash; a size the contract refuses is
    settled from what the chain holds (ours already there, or a later checkpoint first)."""
    try:
        tx_hash = chain.send_anchor(deployment.contract_address, row.tree_size, bytes(row.root))
    except AnchorRejected:
        address = deployment.contract_address
        if chain.root_of(address, row.tree_size) == bytes(row.root):
            # An earlier, forgotten send got there first: name its transaction.
            found = chain.anchoring_receipt(address, row.tree_size)
            with engine.begin() as connection:
                _set(
                    connection,
                    row.id,
                    now,
                    status="anchored",
                    tx_hash=found.tx_hash if found else None,
                )
            return ""
        if chain.latest_size(address) >= row.tree_size:
            with engine.begin() as connection:  # the contract only takes growing sizes
                _set(connection, row.id, now, status="rejected", last_error=SUPERSEDED)
            return ""
        raise
    with engine.begin() as connection:
        _set(connection, row.id, now, status="sent", tx_hash=tx_hash, attempts=row.attempts + 1)
    return tx_hash


SUPERSEDED = "a later checkpoint was anchored first; it covers these entries"


def _reread(engine: Engine, anchor_id: int) -> Any:
    with engine.begin() as connection:
        return connection.execute(
            select(ledger_anchors).where(ledger_anchors.c.id == anchor_id)
        ).one()


def _dropped(chain: Chain, row: Any, policy: AnchorPolicy, now: datetime, force: bool) -> bool:
    """A sent transaction the node has forgotten, past the wait for it (or at once when
    forced): re-sending the same checkpoint is then safe, as the contract takes a size once."""
    waited = row.updated_at <= now - timedelta(seconds=policy.resend_seconds)
    return (force or waited) and not chain.knows_transaction(row.tx_hash)


def _outcome(
    chain: Chain, deployment: Deployment, row: Any, receipt: AnchorReceipt, policy: AnchorPolicy
) -> dict[str, Any]:
    """The row's new values from its mined transaction's receipt."""
    if not receipt.succeeded:
        # A re-send mined after the original reverts; the original's record still counts.
        if chain.root_of(deployment.contract_address, row.tree_size) == bytes(row.root):
            found = chain.anchoring_receipt(deployment.contract_address, row.tree_size)
            if found is not None and found.succeeded:
                return _outcome(chain, deployment, row, found, policy)
        return {"status": "rejected", "last_error": "the anchor transaction reverted"}
    status = "confirmed" if receipt.confirmations >= policy.confirmations else "anchored"
    return {
        "status": status,
        "tx_hash": receipt.tx_hash,
        "block_number": receipt.block_number,
        "gas_used": receipt.gas_used,
    }


def _settle(
    engine: Engine,
    chain: Chain,
    deployment: Deployment,
    policy: AnchorPolicy,
    now: datetime,
    *,
    force: bool = False,
) -> tuple[int, int, int]:
    """Finish rows a crash, an outage or a dropped transaction left half done; count repairs,
    re-sends and new confirmations."""
    repaired = resent = confirmed = 0
    with engine.begin() as connection:
        rows = connection.execute(
            select(ledger_anchors)
            .where(
                ledger_anchors.c.deployment_id == deployment.id,
                ledger_anchors.c.status.in_(UNFINISHED + ("anchored",)),
            )
            .order_by(ledger_anchors.c.tree_size)
        ).all()
    address = deployment.contract_address
    for row in rows:
        if row.status == "sending":
            if chain.root_of(address, row.tree_size) == bytes(row.root):
                found = chain.anchoring_receipt(address, row.tree_size)
                with engine.begin() as connection:
                    _set(
                        connection,
                        row.id,
                        now,
                        status="anchored",
                        tx_hash=found.tx_hash if found else None,
                    )
            else:
                _send(engine, chain, deployment, row, now)
            repaired += 1
            row = _reread(engine, row.id)
        elif row.status == "anchored" and row.tx_hash is None:
            # A killed worker left it on chain without its transaction's hash.
            found = chain.anchoring_receipt(address, row.tree_size)
            if found is not None:
                with engine.begin() as connection:
                    _set(connection, row.id, now, tx_hash=found.tx_hash)
                repaired += 1
                row = _reread(engine, row.id)
        if row.tx_hash is None:
            continue
        receipt = chain.receipt(row.tx_hash)
        if receipt is None and row.status == "sent" and _dropped(chain, row, policy, now, force):
            _send(engine, chain, deployment, row, now)
            resent += 1
            row = _reread(engine, row.id)
            receipt = chain.receipt(row.tx_hash) if row.tx_hash else None
        if receipt is None:
            continue
        values = _outcome(chain, deployment, row, receipt, policy)
        if values["status"] == "confirmed" and row.status != "confirmed":
            confirmed += 1
        with engine.begin() as connection:
            _set(connection, row.id, now, **values)
    return repaired, resent, confirmed


def anchor_pending(
    engine: Engine,
    chain: Chain,
    policy: AnchorPolicy = AnchorPolicy(),
    *,
    now: datetime | None = None,
    force: bool = False,
    adopt: bool = False,
) -> AnchorRun:
    """One pass of the worker: repair and re-send, then checkpoint and anchor a batch when one
    is due; `force` re-sends a dropped anchor at once and anchors whatever is unanchored."""
    moment = _now(now)
    try:
        deployment = ensure_deployment(engine, chain, now=moment, adopt=adopt)
        repaired, resent, confirmed = _settle(
            engine, chain, deployment, policy, moment, force=force
        )
        settled = AnchorRun(repaired=repaired, confirmed=confirmed, resent=resent)
        with engine.begin() as connection:
            last = _last_anchored_size(connection, deployment)
            if not (force or _batch_due(connection, last, policy, moment)):
                return settled
            head = ledger.checkpoint(connection, now=moment) or ledger.latest_checkpoint(connection)
            if head is None or head.size <= last:
                return settled
            anchor_id = connection.execute(
                insert(ledger_anchors)
                .values(
                    deployment_id=deployment.id,
                    tree_size=head.size,
                    root=head.root,
                    status="sending",
                    attempts=0,
                    created_at=moment,
                    updated_at=moment,
                )
                .returning(ledger_anchors.c.id)
            ).scalar_one()
        with engine.begin() as connection:
            row = connection.execute(
                select(ledger_anchors).where(ledger_anchors.c.id == anchor_id)
            ).one()
        tx_hash = _send(engine, chain, deployment, row, moment)
        more_repaired, _, more_confirmed = _settle(engine, chain, deployment, policy, moment)
        return AnchorRun(
            anchored_size=head.size,
            tx_hash=tx_hash or None,
            repaired=repaired + more_repaired,
            confirmed=confirmed + more_confirmed,
            resent=resent,
        )
    except ChainUnavailable as error:
        return AnchorRun(error=f"chain unavailable: {error}")
    except MissingDeployment as error:
        return AnchorRun(error=f"{error}; run `flask ledger reanchor`")


def anchored_roots(executor: Executor, chain: Chain) -> Mapping[int, bytes | None]:
    """What the chain holds for every checkpoint we anchored (None where the chain lost it)."""
    rows = executor.execute(
        select(
            ledger_anchors.c.tree_size,
            ledger_anchors.c.tx_hash,
            ledger_deployments.c.contract_address,
        )
        .join(ledger_deployments, ledger_deployments.c.id == ledger_anchors.c.deployment_id)
        .where(
            ledger_anchors.c.status.in_(ON_CHAIN),
            ledger_deployments.c.chain_id == chain.chain_id(),
            # Anchors on a contract retired after a chain reset are superseded by re-anchoring.
            ledger_deployments.c.retired_at.is_(None),
        )
    ).all()
    found: dict[int, bytes | None] = {}
    for row in rows:
        if not chain.has_anchor(row.contract_address) or (
            row.tx_hash and chain.receipt(row.tx_hash) is None
        ):
            found[row.tree_size] = None
            continue
        root = chain.root_of(row.contract_address, row.tree_size)
        found[row.tree_size] = None if root == bytes(32) else root
    return found


def reanchor(engine: Engine, chain: Chain, *, now: datetime | None = None) -> AnchorRun:
    """After a chain reset or a move to another chain: retire the lost contract, deploy anew
    and anchor the latest head."""
    moment = _now(now)
    with engine.begin() as connection:
        connection.execute(
            update(ledger_deployments)
            .where(
                ledger_deployments.c.chain_id == chain.chain_id(),
                ledger_deployments.c.retired_at.is_(None),
            )
            .values(retired_at=moment)
        )
    return anchor_pending(engine, chain, now=moment, force=True, adopt=True)


@dataclass(frozen=True)
class AnchoringHealth:
    """How far the chain's anchors lag the ledger, and why anchoring cannot be trusted now."""

    contract_address: str | None
    anchored_entries: int
    pending_entries: int
    oldest_unanchored_seconds: int | None
    problems: tuple[str, ...]


def _chain_lost(executor: Executor, chain: Chain, deployment: Deployment | None) -> str | None:
    """Why the chain no longer holds our anchors (reset, or another chain), if it does not."""
    if deployment is None:
        newest = executor.execute(
            select(ledger_deployments.c.chain_id)
            .where(ledger_deployments.c.retired_at.is_(None))
            .order_by(ledger_deployments.c.id.desc())
        ).first()
        if newest is not None:
            return (
                f"chain_changed: the ledger is anchored on chain {newest.chain_id}, "
                f"the node is chain {chain.chain_id()}"
            )
        return None
    if not chain.has_anchor(deployment.contract_address):
        return f"chain_reset: no anchor contract at {deployment.contract_address}"
    latest = executor.execute(
        select(ledger_anchors.c.tree_size, ledger_anchors.c.root)
        .where(
            ledger_anchors.c.deployment_id == deployment.id,
            ledger_anchors.c.status.in_(ON_CHAIN),
        )
        .order_by(ledger_anchors.c.tree_size.desc())
    ).first()
    if latest is not None:
        held = chain.root_of(deployment.contract_address, latest.tree_size)
        if held != bytes(latest.root):
            return (
                f"chain_reset: the chain no longer holds the anchor of tree size {latest.tree_size}"
            )
    return None


def anchoring_health(
    executor: Executor, chain: Chain, *, stale_seconds: float, now: datetime | None = None
) -> AnchoringHealth:
    """The anchoring half of /healthz: a reset chain, or an entry unanchored for longer than
    `stale_seconds` (a stalled worker, a dropped anchor), is a problem."""
    moment = _now(now)
    deployment = active_deployment(executor, chain.chain_id())
    size, _ = ledger.state(executor)
    anchored = _on_chain_size(executor, deployment) if deployment else 0
    problems: list[str] = []
    lost = _chain_lost(executor, chain, deployment)
    if lost:
        problems.append(lost)
    oldest_age: int | None = None
    if size > anchored:
        oldest = executor.execute(
            select(ledger_entries.c.recorded_at).where(ledger_entries.c.seq == anchored)
        ).scalar_one()
        oldest_age = max(0, int((moment - oldest).total_seconds()))
        if oldest_age > stale_seconds:
            problems.append(
                f"unanchored: {size - anchored} entries, the oldest {oldest_age} s old "
                f"(more than {stale_seconds:g} s)"
            )
    return AnchoringHealth(
        contract_address=deployment.contract_address if deployment else None,
        anchored_entries=anchored,
        pending_entries=size - anchored,
        oldest_unanchored_seconds=oldest_age,
        problems=tuple(problems),
    )


def _on_chain_size(executor: Executor, deployment: Deployment) -> int:
    return int(
        executor.execute(
            select(func.coalesce(func.max(ledger_anchors.c.tree_size), 0)).where(
                ledger_anchors.c.deployment_id == deployment.id,
                ledger_anchors.c.status.in_(ON_CHAIN),
            )
        ).scalar_one()
    )
