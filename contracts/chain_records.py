"""What the chain itself holds for the ledger, read from the anchor contracts' own records.

Verification must not trust the tables it checks: the anchors come from each contract's
`Anchored` events (every deployment on this chain, retired ones included, and the contract the
operator's first transaction creates, which no table can hide), and what could not be read is
said, so that "cannot be checked" is never mistaken for "intact".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from web3.utils.address import get_create_address

from contracts.chain import Chain, ChainError
from contracts.ledger import Executor
from contracts.schema import ledger_deployments


@dataclass(frozen=True)
class ChainAnchor:
    """One (tree size, root) an anchor contract recorded."""

    contract_address: str
    tree_size: int
    root: bytes


@dataclass(frozen=True)
class ChainRecords:
    """Every anchor the chain holds for the ledger, and why any part could not be read."""

    chain_id: int | None
    anchors: tuple[ChainAnchor, ...]
    unchecked: tuple[str, ...]


def first_contract(chain: Chain) -> str:
    """Where the operator's first transaction (the first deployment on a fresh chain) put it."""
    return str(get_create_address(chain.operator(), 0))  # type: ignore[arg-type]


def read_chain_records(executor: Executor, chain: Chain) -> ChainRecords:
    """The anchors on chain of every contract the ledger ever used on this chain."""
    try:
        chain_id = chain.chain_id()
    except ChainError as error:
        return ChainRecords(None, (), (f"the chain cannot be reached: {error}",))
    rows = executor.execute(
        select(ledger_deployments.c.contract_address, ledger_deployments.c.retired_at)
        .where(ledger_deployments.c.chain_id == chain_id)
        .order_by(ledger_deployments.c.id)
    ).all()
    retired = {row.contract_address.lower(): row.retired_at is not None for row in rows}
    addresses = [row.contract_address for row in rows]
    first = first_contract(chain)
    if first.lower() not in retired:
        addresses.append(first)  # a deployment whose row is gone still shows on chain
    anchors: list[ChainAnchor] = []
    unchecked: list[str] = []
    for address in dict.fromkeys(addresses):
        try:
            if not chain.has_anchor(address):
                if retired.get(address.lower()) is False:
                    unchecked.append(
                        f"chain {chain_id} has no anchor contract at {address} (a reset chain?)"
                    )
                continue  # retired with a lost chain, or never deployed there
            records = chain.anchored_records(address)
            latest = chain.latest_size(address)
        except ChainError as error:
            unchecked.append(f"the anchors at {address} cannot be read: {error}")
            continue
        if latest != max(records, default=0):
            unchecked.append(f"the node does not give all of {address}'s anchor records")
        anchors += [ChainAnchor(address, size, root) for size, root in records.items()]
    anchors.sort(key=lambda anchor: anchor.tree_size)
    return ChainRecords(chain_id, tuple(anchors), tuple(unchecked))
