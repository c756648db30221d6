"""Organisations as named beside an entry, a right or a trade, which hold only their ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.accounts.models import Organisation
from exchange.kernel.unit_of_work import UnitOfWork


class PartyName(TypedDict):
    """An organisation as named beside an entry, a right or a trade."""

    id: int
    name_zh: str
    name_en: str


class UnnamedParty(TypedDict):
    """A party whose organisation the exchange no longer knows by name."""

    id: int
    name_zh: None
    name_en: None


def party_names(session: Session, organisation_ids: Iterable[int]) -> dict[int, PartyName]:
    """The Chinese and English names of the given organisations, by id, in one query."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name_zh, Organisation.name_en).where(
            Organisation.id.in_(wanted)
        )
    )
    return {row.id: PartyName(id=row.id, name_zh=row.name_zh, name_en=row.name_en) for row in rows}


def organisation_names(uow: UnitOfWork, organisation_ids: Iterable[int]) -> dict[int, PartyName]:
    """party_names for pages and the API, which hold the unit of work and never its session."""
    return party_names(uow.session, organisation_ids)


def named(names: Mapping[int, PartyName], parties: Iterable[int]) -> list[PartyName | UnnamedParty]:
    """Each party in order by its name, or by its id alone once its organisation is gone."""
    return [names.get(o) or UnnamedParty(id=o, name_zh=None, name_en=None) for o in parties]
