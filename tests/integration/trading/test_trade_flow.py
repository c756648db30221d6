"""After payment, on SQLite and PostgreSQL: rights move and the buyer is entitled, in one unit of
work; an exclusive licence paid for twice moves once."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from exchange.catalog.models import LicenceOffer
from exchange.delivery.models import Entitlement
from exchange.extensions import db
from exchange.kernel.vocabulary import Role
from exchange.payments.models import Payment
from exchange.rights.domain import GrantStatus, RecordStatus, RightKind
from exchange.rights.models import LicenceGrant, RightsRecord
from exchange.rights.transfers import RightsNotHeld
from exchange.trading.exclusive_offers import OfferTaken
from tests.catalog import person
from tests.trading import accept, market, paid, propose, sign, terms


def signed_contract(app, found, buyer, **agreed) -> int:
    negotiation_id = propose(app, buyer, found.offer_id, terms(**agreed))
    contract_id = accept(app, found.vendor, negotiation_id)
    sign(app, found.vendor, contract_id)
    sign(app, buyer, contract_id)
    return contract_id


def counts(app) -> dict[str, int]:
    with app.app_context():
        found = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Entitlement, LicenceGrant, RightsRecord, Payment)
        }
        db.session.remove()
    return found


def test_a_non_exclusive_licence_grants_use_and_entitles_the_buyer(app, client):
    found = market(app, client)
    contract_id = signed_contract(app, found, found.buyer)

    paid(app, contract_id)

    with app.app_context():
        grant = db.session.scalars(select(LicenceGrant)).one()
        entitlement = db.session.scalars(select(Entitlement)).one()
        holders = set(
            db.session.scalars(
                select(RightsRecord.holder_id).where(RightsRecord.status == RecordStatus.ACTIVE)
            )
        )
        db.session.remove()
    assert grant.grantee_id == found.buyer.organisation_id and grant.status == GrantStatus.ACTIVE
    assert grant.uses == ["internal"] and grant.contract_ref.startswith("GTC-")
    assert entitlement.contract_id == contract_id
    assert holders == {found.vendor.organisation_id}  # the holder stays


def second_offer(app, found):
    """The market with a second licence offer like its first (one exclusive contract each)."""
    with app.app_context():
        offer = db.session.get(LicenceOffer, found.offer_id)
        copy = LicenceOffer(
            **{
                c.key: getattr(offer, c.key)
                for c in LicenceOffer.__table__.columns
                if c.key != "id"
            }
        )
        db.session.add(copy)
        db.session.commit()
        offer_id = copy.id
        db.session.remove()
    return replace(found, offer_id=offer_id)


def test_an_exclusive_offer_takes_no_second_contract(app, client):
    found = market(app, client)
    signed_contract(app, found, found.buyer, exclusive=True)
    negotiation_id = propose(app, person(app, [Role.BUYER]), found.offer_id, terms(exclusive=True))
    with pytest.raises(OfferTaken):
        accept(app, found.vendor, negotiation_id)


def test_an_exclusive_licence_moves_the_operation_right_once(app, client):
    found = market(app, client)
    second = person(app, [Role.BUYER])
    first_contract = signed_contract(app, found, found.buyer, exclusive=True)
    # The same scope sold exclusively again under another offer: payment finds it gone.
    second_contract = signed_contract(app, second_offer(app, found), second, exclusive=True)

    paid(app, first_contract)
    before = counts(app)
    with pytest.raises(RightsNotHeld):
        paid(app, second_contract)

    assert counts(app) == before  # the second payment changed nothing
    with app.app_context():
        operation = db.session.scalars(
            select(RightsRecord).where(
                RightsRecord.right == RightKind.OPERATION,
                RightsRecord.holder_id == found.buyer.organisation_id,
            )
        ).one()
        entitled = db.session.scalars(select(Entitlement.contract_id)).all()
        db.session.remove()
    assert operation.status == RecordStatus.ACTIVE and operation.uses == ["internal"]
    assert entitled == [first_contract]
