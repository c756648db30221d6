"""A right, a licence and the names beside them as shown: shared by registrations and holdings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.accounts.names import PartyName
from exchange.catalog.browse import VendorCard, vendor_cards
from exchange.catalog.domain import Territory
from exchange.catalog.models import DataProduct
from exchange.rights.domain import GrantStatus, RecordStatus, RightKind
from exchange.rights.models import LicenceGrant, RightsRecord

Names = Mapping[int, PartyName]


class ProductName(TypedDict):
    """A product as named beside a right or registration."""

    id: int
    title_zh: str
    title_en: str


class RecordView(TypedDict):
    """One right as shown: who holds it, over what, until when, and where it came from."""

    id: int
    product_id: int
    right: RightKind
    holder: PartyName | None
    uses: list[str]
    territory: Territory
    exclusive: bool
    starts_on: date
    ends_on: date | None
    status: RecordStatus
    registration_id: int | None
    transferred_from_id: int | None
    contract_ref: str | None
    closed_by_contract: str | None
    ledger_seq: int | None


class GrantView(TypedDict):
    """One licence grant: who may use what, from whom, until when."""

    id: int
    product_id: int
    grantor: PartyName | None
    grantee: PartyName | None
    uses: list[str]
    territory: Territory
    starts_on: date
    ends_on: date
    derivative: bool
    contract_ref: str
    status: GrantStatus
    ledger_seq: int


def organisation_cards(session: Session, ids: Iterable[int | None]) -> dict[int, VendorCard]:
    """The cards of these organisations (None skipped), by id, in one query."""
    return vendor_cards(session, {i for i in ids if i is not None})


def product_names(session: Session, ids: Iterable[int]) -> dict[int, ProductName]:
    """These products' Chinese and English titles, by id, in one query."""
    rows = session.execute(
        select(DataProduct.id, DataProduct.title_zh, DataProduct.title_en).where(
            DataProduct.id.in_(set(ids))
        )
    )
    return {
        row.id: ProductName(id=row.id, title_zh=row.title_zh, title_en=row.title_en) for row in rows
    }


def record_view(record: RightsRecord, names: Names) -> RecordView:
    """One right as shown, its holder named."""
    return RecordView(
        id=record.id,
        product_id=record.product_id,
        right=record.right,
        holder=names.get(record.holder_id),
        uses=list(record.uses),
        territory=record.territory,
        exclusive=record.exclusive,
        starts_on=record.starts_on,
        ends_on=record.ends_on,
        status=record.status,
        registration_id=record.registration_id,
        transferred_from_id=record.transferred_from_id,
        contract_ref=record.contract_ref,
        closed_by_contract=record.closed_by_contract,
        ledger_seq=record.ledger_seq,
    )


def grant_view(grant: LicenceGrant, names: Names) -> GrantView:
    """One licence grant, its parties named."""
    return GrantView(
        id=grant.id,
        product_id=grant.product_id,
        grantor=names.get(grant.grantor_id),
        grantee=names.get(grant.grantee_id),
        uses=list(grant.uses),
        territory=grant.territory,
        starts_on=grant.starts_on,
        ends_on=grant.ends_on,
        derivative=grant.derivative,
        contract_ref=grant.contract_ref,
        status=grant.status,
        ledger_seq=grant.ledger_seq,
    )
