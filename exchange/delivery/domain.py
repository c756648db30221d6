"""Delivery's vocabulary: an entitlement's states, the contract states that close it, and an API
product's default quota."""

from __future__ import annotations

from enum import StrEnum

DEFAULT_API_QUOTA = 10_000  # calls an API product's buyer may make under one entitlement


class EntitlementStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


# A contract's states, by trading's ContractStatus values, in which its buyer may no longer take
# the data: the purchase was refunded or cancelled. Delivery compares them as strings, so it
# need not import trading; a unit test holds them to trading's values.
CLOSED_CONTRACTS = frozenset({"refunded", "cancelled"})
