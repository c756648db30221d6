"""Delivery's vocabulary: an entitlement's states and an API product's default quota."""

from __future__ import annotations

from enum import StrEnum

DEFAULT_API_QUOTA = 10_000  # calls an API product's buyer may make under one entitlement


class EntitlementStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
