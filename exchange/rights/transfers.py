"""How trades move rights: an exclusive transfer changes the holder, a licence grants use.

Both run inside the trade's unit of work (the trading service calls them) and write their
ledger entry there. Only a right in force, held by the seller over everything the contract
covers, can be transferred or licensed; anything else is refused and nothing changes.

An exclusive transfer closes the seller's record and opens the buyer's for the contract's
scope and period; what the contract does not cover stays with the seller as new records (the
uses not sold, and the uses sold once the contract's period ends). A non-exclusive licence
leaves the holder as it is and records a grant: who may use what, until when.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.kernel.errors import Conflict, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.ledger.events import record_event
from exchange.rights.domain import GrantStatus, RecordStatus, RightKind, Scope
from exchange.rights.models import LicenceGrant, RightsRecord
from exchange.rights.registration import claim_body


class RightsNotHeld(Conflict):
    """The seller holds no right in force over everything the contract covers."""


def holding_record(
    session: Session, product_id: int, right: RightKind, holder_id: int, scope: Scope
) -> RightsRecord:
    """The holder's record in force that covers the scope, or RightsNotHeld."""
    records = session.scalars(
        select(RightsRecord)
        .where(
            RightsRecord.product_id == product_id,
            RightsRecord.right == right,
            RightsRecord.holder_id == holder_id,
            RightsRecord.status == RecordStatus.ACTIVE,
        )
        .order_by(RightsRecord.id)
        .with_for_update()
    ).all()
    for record in records:
        if record.scope.covers(scope):
            return record
    raise RightsNotHeld(
        N_("The seller does not hold this right over everything the contract covers."),
        errors={"rights": [N_("The seller does not hold this right over that scope.")]},
    )


def transfer_right(
    session: Session,
    *,
    product_id: int,
    right: RightKind,
    seller_id: int,
    buyer_id: int,
    scope: Scope,
    contract_ref: str,
    now: datetime | None = None,
) -> RightsRecord:
    """Move an exclusive right from seller to buyer for the contract's scope and period."""
    if seller_id == buyer_id:
        raise ValidationFailed.on("buyer_id", N_("A right cannot be transferred to its holder."))
    now = now or utcnow()
    right = RightKind(right)
    old = holding_record(session, product_id, right, seller_id, scope)
    if not old.exclusive:
        raise RightsNotHeld(
            N_("Only an exclusive right can be transferred; this one is held non-exclusively."),
        )
    old.status = RecordStatus.CLOSED
    old.closed_at = now
    old.closed_by_contract = contract_ref
    opened = _record(old, buyer_id, scope, contract_ref)
    kept = [_record(old, seller_id, piece, contract_ref) for piece in _remainder(old.scope, scope)]
    session.add_all([opened, *kept])
    session.flush()
    entry = record_event(
        session,
        "rights.transfer",
        {
            "product_id": product_id,
            "right": right.value,
            "from": seller_id,
            "to": buyer_id,
            "contract": contract_ref,
            "closed_record": old.id,
            "opened_record": opened.id,
            "scope": claim_body(opened),
            "kept_by_seller": [claim_body(record) for record in kept],
        },
        parties=[seller_id, buyer_id],
    )
    for record in (opened, *kept):
        record.ledger_seq = entry.seq
    return opened


def grant_licence(
    session: Session,
    *,
    product_id: int,
    grantor_id: int,
    grantee_id: int,
    scope: Scope,
    derivative: bool,
    contract_ref: str,
    now: datetime | None = None,
) -> LicenceGrant:
    """Record a non-exclusive licence under the grantor's operation right; the holder stays."""
    if scope.ends_on is None:
        raise ValidationFailed.on("ends_on", N_("A licence must end on a date."))
    if grantor_id == grantee_id:
        raise ValidationFailed.on("grantee_id", N_("An organisation cannot license itself."))
    now = now or utcnow()
    record = holding_record(session, product_id, RightKind.OPERATION, grantor_id, scope)
    grant = LicenceGrant(
        product_id=product_id,
        record_id=record.id,
        grantor_id=grantor_id,
        grantee_id=grantee_id,
        uses=sorted(scope.uses),
        territory=scope.territory,
        starts_on=scope.starts_on,
        ends_on=scope.ends_on,
        derivative=derivative,
        contract_ref=contract_ref,
        status=GrantStatus.ACTIVE,
        ledger_seq=0,
        created_at=now,
    )
    session.add(grant)
    session.flush()
    entry = record_event(
        session,
        "rights.grant",
        {
            "product_id": product_id,
            "grant_id": grant.id,
            "from": grantor_id,
            "to": grantee_id,
            "contract": contract_ref,
            "uses": grant.uses,
            "territory": scope.territory.value,
            "starts_on": scope.starts_on.isoformat(),
            "ends_on": scope.ends_on.isoformat(),
            "derivative": derivative,
        },
        parties=[grantor_id, grantee_id],
    )
    grant.ledger_seq = entry.seq
    return grant


def lapse_expired(session: Session, today: date) -> int:
    """Close rights and end licences whose period is over; how many (the worker's sweep)."""
    now = utcnow()
    lapsed = 0
    for record in session.scalars(
        select(RightsRecord).where(
            RightsRecord.status == RecordStatus.ACTIVE, RightsRecord.ends_on < today
        )
    ):
        record.status = RecordStatus.CLOSED
        record.closed_at = now
        lapsed += 1
    for grant in session.scalars(
        select(LicenceGrant).where(
            LicenceGrant.status == GrantStatus.ACTIVE, LicenceGrant.ends_on < today
        )
    ):
        grant.status = GrantStatus.ENDED
        lapsed += 1
    return lapsed


def _record(old: RightsRecord, holder_id: int, scope: Scope, contract_ref: str) -> RightsRecord:
    return RightsRecord(
        product_id=old.product_id,
        registration_id=old.registration_id,
        right=old.right,
        holder_id=holder_id,
        uses=sorted(scope.uses),
        territory=scope.territory,
        exclusive=True,
        starts_on=scope.starts_on,
        ends_on=scope.ends_on,
        status=RecordStatus.ACTIVE,
        transferred_from_id=old.id,
        contract_ref=contract_ref,
    )


def _remainder(held: Scope, sold: Scope) -> list[Scope]:
    """What the seller keeps: the uses not sold over the held period from the sale on, and the
    uses sold once the sale's period ends (while the held period lasts)."""
    pieces = []
    unsold = held.uses - sold.uses
    if unsold:
        pieces.append(Scope(unsold, held.territory, sold.starts_on, held.ends_on))
    after: date | None = sold.ends_on + timedelta(days=1) if sold.ends_on else None
    if after is not None and (held.ends_on is None or after <= held.ends_on):
        pieces.append(Scope(sold.uses, held.territory, after, held.ends_on))
    return pieces
