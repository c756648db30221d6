"""What happens to a trade between its steps: after payment, at settlement, after a crash.

The payment, delivery and rights services each do one thing; this module runs them in the
order a trade needs, inside the caller's unit of work, so a paid contract is in escrow, has its
entitlement and moves its rights in one transaction or not at all.

Rights move when the money is in escrow, under the seller's record locked for update: an
exclusive licence transfers the operation right over the contract's scope and period to the
buyer, so a second buyer's payment for the same exclusive scope finds the right no longer held
and is refused whole; a non-exclusive licence records a grant and leaves the holder as it is.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from exchange.compute import licences as compute_licences
from exchange.delivery import entitlements as delivery
from exchange.delivery.domain import DEFAULT_API_QUOTA
from exchange.payments.models import Payment
from exchange.rights import transfers as rights_transfers
from exchange.rights.domain import RightKind, Scope
from exchange.trading.models import TradeContract


def contract_scope(contract: TradeContract) -> Scope:
    """What the contract licenses: its use, territory and period."""
    terms = contract.terms
    return Scope.of(
        [terms["scope"]],
        terms["territory"],
        date.fromisoformat(terms["starts_on"]),
        date.fromisoformat(terms["ends_on"]),
    )


def move_rights(session: Session, contract: TradeContract, now: datetime) -> None:
    """Transfer the operation right (exclusive licence) or record a grant (non-exclusive)."""
    scope = contract_scope(contract)
    if contract.terms["exclusive"]:
        rights_transfers.transfer_right(
            session,
            product_id=contract.product_id,
            right=RightKind.OPERATION,
            seller_id=contract.vendor_id,
            buyer_id=contract.buyer_id,
            scope=scope,
            contract_ref=contract.number,
            now=now,
        )
    else:
        rights_transfers.grant_licence(
            session,
            product_id=contract.product_id,
            grantor_id=contract.vendor_id,
            grantee_id=contract.buyer_id,
            scope=scope,
            derivative=bool(contract.terms["derivative"]),
            contract_ref=contract.number,
            now=now,
        )


def after_payment(
    session: Session,
    contract: TradeContract,
    payment: Payment,
    now: datetime,
    *,
    api_quota: int = DEFAULT_API_QUOTA,
) -> None:
    """The buyer's money is in escrow: move the rights, entitle the buyer to the data, and
    start the window the signed contract gives the buyer to accept or dispute the delivery."""
    move_rights(session, contract, now)
    granted = delivery.grant_entitlement(session, contract, now=now, api_quota=api_quota)
    if contract.terms.get("access") == "computation":
        compute_licences.grant_licence(session, contract, granted.entitlement_id, now=now)
    agreed = json.loads(contract.canonical)
    contract.delivered_at = now
    contract.acceptance_due_at = now + timedelta(days=float(agreed["acceptance_days"]))
