"""An exclusive licence offer is sold once at a time: at most one live contract holds it.

The offer's row is locked by every accept, so concurrent accepts take turns and the later one
finds the earlier contract; a partial unique index on the contracts' exclusive offer keeps the
rule even for a writer that skipped the lock. A cancelled or refunded contract frees the offer;
a settled one hands the exclusivity to the rights records (the operation right moved).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.catalog.domain import LicenceKind
from exchange.catalog.models import LicenceOffer
from exchange.kernel.actors import require_found
from exchange.kernel.errors import Conflict
from exchange.kernel.i18n import N_
from exchange.trading.domain import ContractStatus
from exchange.trading.models import TradeContract

# The states in which a contract holds its exclusive offer (the index's predicate names them).
LIVE = (
    ContractStatus.AWAITING_SIGNATURES,
    ContractStatus.AWAITING_PAYMENT,
    ContractStatus.IN_ESCROW,
    ContractStatus.DISPUTED,
)


class OfferTaken(Conflict):
    """Another buyer's live contract already holds this exclusive offer."""

    def __init__(self, number: str = "") -> None:
        super().__init__(
            N_(
                "This exclusive offer is already taken by another contract (%(number)s); "
                "it can be accepted again only if that contract is cancelled or refunded."
            ),
            number=number,
        )


def holds_offer(offer: LicenceOffer, exclusive: bool | None) -> bool:
    """Whether a contract on this offer holds it exclusively: an exclusive offer, or exclusive
    terms agreed on any offer."""
    return offer.kind == LicenceKind.EXCLUSIVE or bool(exclusive)


def lock_offer(session: Session, offer_id: int) -> LicenceOffer:
    """The offer, locked against a concurrent accept (FOR UPDATE; SQLite's write lock)."""
    offer = session.scalar(
        select(LicenceOffer)
        .where(LicenceOffer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return require_found(offer)


def refuse_if_taken(session: Session, offer: LicenceOffer) -> None:
    """OfferTaken when a live contract already holds the exclusive offer."""
    number = session.scalar(
        select(TradeContract.number)
        .where(TradeContract.exclusive_offer_id == offer.id, TradeContract.status.in_(LIVE))
        .limit(1)
    )
    if number is not None:
        raise OfferTaken(number)
