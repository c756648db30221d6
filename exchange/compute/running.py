"""Where a checked query runs: the licensed product's latest ready version, handed to the
sandbox sealed as stored, so this process never holds the decrypted data; keyed by its stored
object, so the sandbox keeps what it prepared from it for the next run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from exchange.catalog.datafiles import DataFiles
from exchange.catalog.models import DataProduct
from exchange.compute.domain import CheckedQuery, ComputePolicy, Released
from exchange.compute.policies import latest_version
from exchange.compute.sandbox import BuyerTable, Sandbox, SandboxLimits
from exchange.kernel.actors import require_found
from exchange.kernel.errors import NotFound
from exchange.kernel.i18n import N_
from exchange.storage import CipherMode


@dataclass(frozen=True)
class Run:
    """A run's released result, the data version it ran over and how long it took."""

    released: Released
    version: int
    seconds: float


class QueryRunner(Protocol):
    """Runs a checked query over a product's data; raises an ExchangeError (422) if it cannot."""

    def run(
        self,
        session: Session,
        product_id: int,
        query: CheckedQuery,
        policy: ComputePolicy,
        buyer_table: BuyerTable | None = None,
    ) -> Run:
        """The released result of the query over the product's latest ready version."""
        ...


class SandboxRunner:
    """The QueryRunner over the encrypted object store and the sandboxed DuckDB process."""

    def __init__(self, files: DataFiles, sandbox: Sandbox, limits: SandboxLimits) -> None:
        self._files = files
        self._sandbox = sandbox
        self._limits = limits

    def run(
        self,
        session: Session,
        product_id: int,
        query: CheckedQuery,
        policy: ComputePolicy,
        buyer_table: BuyerTable | None = None,
    ) -> Run:
        """Unwrap the product's key, stream its sealed bytes to a sandbox (none when it kept
        the version's licensed columns from an earlier run), return the release."""
        product = require_found(session.get(DataProduct, product_id))
        version = latest_version(session, product_id)
        if version is None:
            raise NotFound(N_("The product has no data to compute over."))
        mode = CipherMode(product.cipher_mode)
        result = self._sandbox.run_query(
            self._files.store.open_sealed(version.object_key),
            data_key=self._files.keys.unwrap(product.wrapped_key, mode),
            mode=mode,
            file_format=version.file_format,
            fields=version.fields or [],
            query=query,
            policy=policy,
            limits=self._limits,
            buyer_table=buyer_table,
            cache_key=version.object_key,
        )
        return Run(result.released, version.number, result.seconds)
