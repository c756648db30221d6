"""Delivery's background work: summarising each closed day of data-API calls into the ledger."""

from __future__ import annotations

from functools import partial

from flask import Flask

from exchange.delivery import usage
from exchange.delivery.ports import ContractLookup
from exchange.extensions import db
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.worker.registry import Task


def usage_pass(app: Flask, contracts: ContractLookup) -> str | None:
    """Summarise the closed days not yet in the ledger, and say how many when any were."""
    with app.app_context():
        try:
            summarised = usage.summarise_closed_days(UnitOfWork(db.session()), contracts=contracts)
        finally:
            db.session.remove()
    return f"worker: {summarised} day(s) of data-API usage entered" if summarised else None


def usage_task(contracts: ContractLookup) -> Task:
    """The summary task, reading contracts through trading's lookup (create_app passes it)."""
    return Task(
        "delivery.api_usage",
        partial(usage_pass, contracts=contracts),
        failure="worker: summarising data-API usage failed; retrying",
        every="DATA_API_USAGE_SECONDS",
    )
