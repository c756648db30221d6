"""What the trading pages' templates read: the trading vocabulary's labels, by name."""

from __future__ import annotations

from typing import Any

from exchange.delivery.domain import EntitlementStatus
from exchange.kernel.i18n import N_
from exchange.payments.domain import GATEWAY_LABELS, PAYMENT_STATUS_LABELS
from exchange.trading.domain import (
    CONTRACT_STATUS_LABELS,
    NEGOTIATION_STATUS_LABELS,
    SIDE_LABELS,
    DisputeStatus,
    RoundAction,
)

ROUND_ACTION_LABELS = {
    RoundAction.PROPOSE: N_("Offered"),
    RoundAction.COUNTER: N_("Countered"),
    RoundAction.ACCEPT: N_("Accepted"),
    RoundAction.REJECT: N_("Rejected"),
    RoundAction.WITHDRAW: N_("Withdrew"),
    RoundAction.EXPIRE: N_("Expired"),
}
DISPUTE_STATUS_LABELS = {
    DisputeStatus.OPEN: N_("Awaiting an operator's decision"),
    DisputeStatus.UPHELD: N_("Upheld: the buyer is refunded"),
    DisputeStatus.REJECTED: N_("Rejected: the vendor is paid"),
}
ENTITLEMENT_STATUS_LABELS = {
    EntitlementStatus.ACTIVE: N_("Active"),
    EntitlementStatus.REVOKED: N_("Revoked"),
    EntitlementStatus.EXPIRED: N_("Expired"),
}
DISPUTE_DECISIONS = {
    "uphold": N_("Uphold: refund the buyer"),
    "reject": N_("Reject: pay the vendor"),
}

TEMPLATE_GLOBALS: dict[str, Any] = {
    "side_labels": SIDE_LABELS,
    "negotiation_status_labels": NEGOTIATION_STATUS_LABELS,
    "round_action_labels": ROUND_ACTION_LABELS,
    "contract_status_labels": CONTRACT_STATUS_LABELS,
    "gateway_labels": GATEWAY_LABELS,
    "payment_status_labels": PAYMENT_STATUS_LABELS,
    "dispute_status_labels": DISPUTE_STATUS_LABELS,
    "entitlement_status_labels": ENTITLEMENT_STATUS_LABELS,
    "dispute_decisions": DISPUTE_DECISIONS,
}
