"""Delivery setup for tests: a paid contract made straight in the database (negotiation and
contract services are written elsewhere) over a product with a real uploaded file."""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exchange.catalog.models import LicenceOffer
from exchange.delivery import entitlements as delivery
from exchange.delivery.entitlements import DownloadLink
from exchange.extensions import db
from exchange.http.context import uow
from exchange.kernel.models import utcnow
from exchange.kernel.vocabulary import Role
from exchange.trading.contract_lookup import trade_contract
from exchange.trading.domain import ContractStatus, NegotiationStatus, Side
from exchange.trading.models import Negotiation, TradeContract
from tests.catalog import Person, create_product, person, upload
from tests.rights import actor

_serial = itertools.count(1)


def copper_prices(rows: int = 300, seed: int = 1) -> bytes:
    """A copper price CSV large enough to carry a fingerprint that names its buyer."""
    rng = random.Random(seed)
    lines = ["日期,阴极铜现货价(元/吨),库存(吨)"]
    for day in range(rows):
        price = f"{rng.randint(60000, 80000)}.{rng.randint(0, 99):02d}"
        lines.append(
            f"2026-{day % 12 + 1:02d}-{day % 28 + 1:02d},{price},{rng.randint(1000, 90000)}"
        )
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Trade:
    """A contract paid into escrow: who sells, who buys, and the rows' ids."""

    vendor: Person
    buyer: Person
    product_id: int
    contract_id: int


def product_with_file(
    client: FlaskClient, vendor: Person, content: bytes, filename: str, **overrides: object
) -> int:
    """A draft product whose one version is the given file."""
    product = create_product(client, vendor.headers, with_file=False, **overrides)
    response = upload(client, vendor.headers, product["id"], content, filename)
    assert response.status_code == 201, response.get_json()
    return int(product["id"])


def paid_contract(app: Flask, product_id: int, vendor: Person, buyer: Person) -> int:
    """A negotiation agreed on the product's offer and its contract, in escrow."""
    serial = next(_serial)
    now = utcnow()
    with app.app_context():
        session = db.session
        offer = session.scalars(select(LicenceOffer).where(LicenceOffer.product_id == product_id))
        offer = offer.first()
        assert offer is not None
        negotiation = Negotiation(
            offer_id=offer.id,
            product_id=product_id,
            buyer_id=buyer.organisation_id,
            vendor_id=vendor.organisation_id,
            status=NegotiationStatus.ACCEPTED,
            turn=Side.VENDOR,
            expires_at=now + timedelta(days=7),
        )
        session.add(negotiation)
        session.flush()
        terms = {
            "price": str(offer.price),
            "scope": offer.scope.value,
            "term_months": offer.term_months,
            "territory": offer.territory.value,
            "exclusive": False,
            "seats": offer.seats,
            "derivative": offer.derivative,
        }
        canonical = f'{{"contract":{serial},"product":{product_id}}}'
        contract = TradeContract(
            number=f"GST-2026-T{serial:05d}",
            negotiation_id=negotiation.id,
            product_id=product_id,
            offer_id=offer.id,
            vendor_id=vendor.organisation_id,
            buyer_id=buyer.organisation_id,
            price=Decimal(offer.price),
            fee_rate=Decimal("0.0300"),
            terms=terms,
            canonical=canonical,
            contract_hash=hashlib.sha256(canonical.encode()).hexdigest(),
            text_zh="数据许可合同（测试）",
            text_en="Data licence contract (test)",
            signed_at_unix=int(now.timestamp()),
            status=ContractStatus.IN_ESCROW,
            ledger_seq=0,
        )
        session.add(contract)
        session.commit()
        contract_id = contract.id
        db.session.remove()
    return contract_id


def trade(
    app: Flask,
    client: FlaskClient,
    *,
    content: bytes | None = None,
    filename: str = "copper.csv",
    vendor: Person | None = None,
    product_id: int | None = None,
    **overrides: object,
) -> Trade:
    """A new buyer's contract in escrow for a (new, unless given) product with a file."""
    vendor = vendor or person(app, [Role.VENDOR])
    buyer = person(app, [Role.BUYER])
    if product_id is None:
        product_id = product_with_file(
            client, vendor, content or copper_prices(), filename, **overrides
        )
    return Trade(vendor, buyer, product_id, paid_contract(app, product_id, vendor, buyer))


def grant(app: Flask, contract_id: int, *, api_quota: int = 3) -> delivery.Granted:
    """Grant the contract's entitlement as the trade flow does after payment, and commit."""
    with app.app_context():
        contract = db.session.get(TradeContract, contract_id)
        assert contract is not None
        granted = delivery.grant_entitlement(
            db.session, contract, now=utcnow(), api_quota=api_quota
        )
        db.session.commit()
        db.session.remove()
    return granted


def link(app: Flask, buyer: Person, entitlement_id: int, **kwargs: Any) -> DownloadLink:
    """A download link the buyer makes for the entitlement, through the delivery service."""
    with app.app_context():
        made = delivery.download_link(
            uow(),
            actor(buyer),
            entitlement_id,
            secret=app.config["SECRET_KEY"],
            lifetime=app.config["DOWNLOAD_LINK_SECONDS"],
            **kwargs,
            contracts=trade_contract,
        )
        db.session.remove()
    return made
