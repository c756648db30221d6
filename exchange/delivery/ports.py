"""What delivery reads of trading, as ports: trading answers them, so delivery need not
import it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session


class PaidContract(Protocol):
    """What delivery reads of a trade contract, so delivery need not import trading."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def product_id(self) -> int: ...
    @property
    def buyer_id(self) -> int: ...
    @property
    def vendor_id(self) -> int: ...
    @property
    def terms(self) -> Mapping[str, Any]: ...
    @property
    def status(self) -> str: ...
    @property
    def canonical(self) -> str: ...


class ContractLookup(Protocol):
    """Where delivery finds the contract behind an entitlement: trading answers it."""

    def __call__(self, session: Session, contract_id: int) -> PaidContract | None:
        """The contract with this id, or None."""
        ...
