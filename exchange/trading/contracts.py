"""Contracts: the terms a negotiation agreed, frozen as canonical JSON and readable text.

Drafting happens inside the acceptance's unit of work: the vendor must hold the operation right
over the agreed scope, the facts (product, offer, both organisations, terms, price, fee) are
hashed as RFC 8785 JSON with SHA-256, the Chinese and English texts quote that hash, and the
contract's number, hash, parties and price go to the ledger. The EIP-712 message both sides
sign is built here too, from the contract and the two organisations' signing addresses.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contracts import signing
from contracts.ledger import canonical_json
from exchange.accounts.models import Organisation
from exchange.catalog import personal_data
from exchange.catalog.browse import SUPERVISORS
from exchange.catalog.domain import Access
from exchange.catalog.models import DataProduct, LicenceOffer
from exchange.compute import policies as compute_policies
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied
from exchange.kernel.i18n import N_
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.kernel.vocabulary import Role
from exchange.ledger.events import record_event
from exchange.payments.domain import fee_of
from exchange.rights.domain import RightKind, Scope
from exchange.rights.transfers import holding_record
from exchange.trading.band import Band, negotiation_band
from exchange.trading.contract_text import render_en, render_zh
from exchange.trading.domain import ContractStatus, Side
from exchange.trading.exclusive_offers import holds_offer
from exchange.trading.models import Negotiation, NegotiationRound, OrganisationKey, TradeContract

CONTRACT_FORMAT = "ganshu-trade-contract/1"
CURRENCY = "CNY"
SIDE_ROLE = {Side.BUYER: Role.BUYER, Side.VENDOR: Role.VENDOR}


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def licence_period(starts_on: date, term_months: int) -> tuple[date, date]:
    """A licence's first and last day (inclusive) for a term in months."""
    return starts_on, add_months(starts_on, term_months) - timedelta(days=1)


class ContractTerms(TypedDict):
    """The licence terms a contract froze, as JSON (dates in ISO form)."""

    scope: str
    term_months: int
    territory: str
    exclusive: bool
    seats: int | None
    derivative: bool
    starts_on: str
    ends_on: str
    access: NotRequired[str]  # "api" or "computation"; a copy's contract has neither key
    quota: NotRequired[int]  # calls or queries


class FrozenBand(TypedDict):
    """The valuation band a contract froze at agreement, as JSON (money as text)."""

    valuation_id: int
    offer_id: int
    floor: str
    reference: str
    ceiling: str
    terms_factor: str


def _band_json(band: Band | None) -> FrozenBand | None:
    if band is None:
        return None
    return FrozenBand(
        valuation_id=band["valuation_id"],
        offer_id=band["offer_id"],
        floor=str(band["floor"]),
        reference=str(band["reference"]),
        ceiling=str(band["ceiling"]),
        terms_factor=str(band["terms_factor"]),
    )


class ContractParty(TypedDict):
    """A party as a contract names it: its names and unified social credit code."""

    id: int
    name_zh: str
    name_en: str
    credit_code: str


class SignatureCheck(TypedDict):
    """A side's signature of a contract and whether it verifies under the contract's domain."""

    side: Side
    organisation_id: int
    address: str
    signature: str
    signed_by_id: int | None
    ledger_seq: int
    created_at: datetime
    verifies: bool


class ContractView(TypedDict):
    """A contract with its terms, texts, frozen band and checked signatures."""

    id: int
    number: str
    status: ContractStatus
    negotiation_id: int
    product_id: int
    offer_id: int
    vendor: ContractParty
    buyer: ContractParty
    price: Decimal
    currency: str
    fee_rate: Decimal
    fee: Decimal
    terms: ContractTerms
    canonical: str
    contract_hash: str
    text_zh: str
    text_en: str
    signed_at_unix: int
    valuation_band: FrozenBand | None
    ledger_seq: int
    created_at: datetime
    signatures: list[SignatureCheck]


class AccessFacts(TypedDict):
    """What a licence for API calls or computation adds to the contract's facts."""

    kind: str
    quota: int
    policy: NotRequired[dict[str, Any]]  # computation: the query policy, frozen


def _access(session: Session, offer: LicenceOffer, agreed: NegotiationRound) -> AccessFacts | None:
    """The access an offer gives beyond a copy at the quota agreed, with the product's query
    policy frozen for a computation licence; 409 while the vendor has set none."""
    if offer.access is Access.COPY:
        return None
    quota = agreed.quota if agreed.quota is not None else offer.quota
    access = AccessFacts(kind=offer.access.value, quota=int(quota or 0))
    if offer.access is Access.COMPUTATION:
        policy = compute_policies.current(session, offer.product_id)
        if policy is None:
            raise Conflict(N_("The vendor has not set the query policy for this product yet."))
        access["policy"] = compute_policies.to_json(policy)
    return access


def _organisation(row: Organisation) -> ContractParty:
    return ContractParty(
        id=row.id, name_zh=row.name_zh, name_en=row.name_en, credit_code=row.credit_code
    )


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def draft(
    session: Session,
    negotiation: Negotiation,
    agreed: NegotiationRound,
    *,
    fee_rate: Decimal,
    acceptance_days: int,
    now: datetime,
) -> TradeContract:
    """Freeze the agreed round's terms into a contract awaiting both signatures, in the
    caller's unit of work; RightsNotHeld when the vendor lacks the operation right over them."""
    assert agreed.price is not None and agreed.scope is not None
    assert agreed.territory is not None and agreed.term_months is not None
    starts_on, ends_on = licence_period(now.date(), agreed.term_months)
    holding_record(
        session,
        negotiation.product_id,
        RightKind.OPERATION,
        negotiation.vendor_id,
        Scope.of([agreed.scope], agreed.territory, starts_on, ends_on),
    )
    product = require_found(
        session.scalar(
            select(DataProduct)
            .where(DataProduct.id == negotiation.product_id)
            .options(selectinload(DataProduct.versions))
        )
    )
    offer = require_found(session.get(LicenceOffer, negotiation.offer_id))
    vendor = require_found(session.get(Organisation, negotiation.vendor_id))
    buyer = require_found(session.get(Organisation, negotiation.buyer_id))
    latest = product.versions[-1] if product.versions else None
    price = agreed.price
    fee_rate = Decimal(fee_rate).quantize(Decimal("0.0001"))  # as the column keeps it
    band = negotiation_band(session, offer, vendor.id, agreed)
    terms = ContractTerms(
        scope=agreed.scope.value,
        term_months=agreed.term_months,
        territory=agreed.territory.value,
        exclusive=bool(agreed.exclusive),
        seats=agreed.seats,
        derivative=bool(agreed.derivative),
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    access = _access(session, offer, agreed)
    if access is not None:
        terms["access"], terms["quota"] = access["kind"], access["quota"]
    contract = TradeContract(
        number=f"pending-{negotiation.id}",  # unique until the id gives the real number
        negotiation_id=negotiation.id,
        product_id=product.id,
        offer_id=offer.id,
        exclusive_offer_id=offer.id if holds_offer(offer, agreed.exclusive) else None,
        vendor_id=vendor.id,
        buyer_id=buyer.id,
        price=price,
        currency=CURRENCY,
        fee_rate=fee_rate,
        terms=terms,
        canonical="",
        contract_hash="",
        text_zh="",
        text_en="",
        signed_at_unix=int(now.timestamp()),
        status=ContractStatus.AWAITING_SIGNATURES,
        valuation_band=_band_json(band),
        ledger_seq=0,
        created_at=now,
        updated_at=now,
    )
    session.add(contract)
    session.flush()
    contract.number = f"GTC-{now.year}-{contract.id:06d}"
    facts = {
        "format": CONTRACT_FORMAT,
        "number": contract.number,
        "negotiation_id": negotiation.id,
        "product": {
            "id": product.id,
            "title_zh": product.title_zh,
            "title_en": product.title_en,
            "version": latest.number if latest else None,
            "data_sha256": latest.sha256 if latest else None,
        },
        "offer": {"id": offer.id, "kind": offer.kind.value, "list_price": str(offer.price)},
        "vendor": _organisation(vendor),
        "buyer": _organisation(buyer),
        "terms": terms,
        "price": str(price),
        "currency": CURRENCY,
        "fee_rate": str(fee_rate),
        "fee": str(fee_of(price, fee_rate)),
        "acceptance_days": acceptance_days,
        "valuation_band": _band_json(band),
        "created_at": _stamp(now),
    }
    forms = personal_data.delivered_forms(
        latest.fields if latest else [], personal_data.approved_raw(product)
    )
    if forms:  # only then: a product without personal data keeps the contract's earlier facts
        facts[personal_data.FACTS_KEY] = personal_data.facts(forms)
    if access is not None:  # likewise: a copy's contract keeps its earlier facts
        facts["access"] = access
    contract.canonical = canonical_json(facts)
    contract.contract_hash = hashlib.sha256(contract.canonical.encode()).hexdigest()
    contract.text_zh = render_zh(facts, contract.contract_hash)
    contract.text_en = render_en(facts, contract.contract_hash)
    entry = record_event(
        session,
        "trade.contract",
        {
            "contract_id": contract.id,
            "number": contract.number,
            "contract_hash": contract.contract_hash,
            "negotiation_id": negotiation.id,
            "product_id": product.id,
            "vendor_id": vendor.id,
            "buyer_id": buyer.id,
            "price": str(price),
            "currency": CURRENCY,
            "fee_rate": str(fee_rate),
        },
        parties=[vendor.id, buyer.id],
    )
    contract.ledger_seq = entry.seq
    return contract


# Reading and signing contracts


def load_contract(session: Session, contract_id: int, *, for_update: bool = False) -> TradeContract:
    """The contract with its signatures, or 404; locked when the caller will change it."""
    statement = (
        select(TradeContract)
        .where(TradeContract.id == contract_id)
        .options(selectinload(TradeContract.signatures))
    )
    if for_update:
        statement = statement.with_for_update(of=TradeContract)
    return require_found(session.scalar(statement))


def party_of(contract: TradeContract, side: Side) -> int:
    """The organisation on one side of the contract."""
    return contract.vendor_id if side == Side.VENDOR else contract.buyer_id


def actor_has_role(actor: Actor, organisation_id: int, role: Role) -> bool:
    """Whether the actor holds the role in that organisation."""
    return actor.has_role_in(organisation_id, role)


def require_visible(actor: Actor, contract: TradeContract) -> None:
    """Only the two parties' members and the supervisors see a contract; 404 to anyone else."""
    parties = (contract.vendor_id, contract.buyer_id)
    if not (any(actor.is_member(o) for o in parties) or actor.has_role(*SUPERVISORS)):
        raise NotFound()


def signing_side(actor: Actor, contract: TradeContract) -> Side:
    """The side the actor signs for: an unsigned one whose organisation gives them its role.

    404 to non-members, 403 to members without the side's role, 409 when their side has
    already signed."""
    sides = [s for s in Side if actor.is_member(party_of(contract, s))]
    if not sides:
        raise NotFound()
    entitled = [s for s in sides if actor_has_role(actor, party_of(contract, s), SIDE_ROLE[s])]
    if not entitled:
        raise PermissionDenied(N_("Only the organisation's buyers or vendors may sign for it."))
    signed = {signature.side for signature in contract.signatures}
    unsigned = [s for s in entitled if s not in signed]
    if not unsigned:
        raise Conflict(N_("Your organisation has already signed this contract."))
    return unsigned[0]


def require_signable(contract: TradeContract) -> None:
    """Signatures are taken only while the contract awaits them."""
    if contract.status != ContractStatus.AWAITING_SIGNATURES:
        raise Conflict(N_("This contract is not awaiting signatures."))


def registered_key(session: Session, organisation_id: int) -> OrganisationKey | None:
    """The organisation's signing key or registered address, if it has one."""
    return session.scalar(
        select(OrganisationKey).where(OrganisationKey.organisation_id == organisation_id)
    )


def signing_addresses(session: Session, contract: TradeContract) -> dict[Side, str | None]:
    """The address each side signs as: the one it signed with, else its current key's."""
    signed = {signature.side: signature.address for signature in contract.signatures}
    found: dict[Side, str | None] = {}
    for side in Side:
        if side in signed:
            found[side] = signed[side]
        else:
            key = registered_key(session, party_of(contract, side))
            found[side] = key.address if key else None
    return found


def eip712_message(contract: TradeContract, vendor: str, buyer: str) -> signing.TradeContract:
    """The typed data both organisations sign for this contract."""
    return signing.TradeContract(
        contract_id=contract.id,
        contract_hash=bytes.fromhex(contract.contract_hash),
        vendor=vendor,
        buyer=buyer,
        price_fen=int((contract.price * 100).to_integral_value()),
        currency=contract.currency,
        signed_at=contract.signed_at_unix,
    )


def signed_domain(contract: TradeContract, current: signing.SigningDomain) -> signing.SigningDomain:
    """The domain the contract's signatures are made and checked under: the one pinned at its
    first signature, else the current deployment's (which its first signature will pin)."""
    if contract.domain_chain_id is None or contract.domain_contract is None:
        return current
    return signing.SigningDomain(
        name=contract.domain_name or signing.EXCHANGE_NAME,
        version=contract.domain_version or signing.DOMAIN_VERSION,
        chain_id=contract.domain_chain_id,
        verifying_contract=contract.domain_contract,
    )


def pin_domain(contract: TradeContract, current: signing.SigningDomain) -> signing.SigningDomain:
    """Keep the domain with the contract if none is kept yet; the one it now signs under."""
    if contract.domain_chain_id is None:
        contract.domain_name, contract.domain_version = current.name, current.version
        contract.domain_chain_id = current.chain_id
        contract.domain_contract = current.verifying_contract
    return signed_domain(contract, current)


def _verifies(
    domain: signing.SigningDomain, message: signing.TradeContract | None, sig: str, address: str
) -> bool:
    if message is None:
        return False
    try:
        return signing.verify(domain, message, sig, address)
    except signing.SigningError:
        return False


def contract_view(
    uow: UnitOfWork, actor: Actor, contract_id: int, *, domain: signing.SigningDomain
) -> ContractView:
    """The contract, its texts and its signatures, each checked against the domain it was signed
    under (`domain` if none is kept yet); parties' members and supervisors only (404 to anyone
    else)."""
    session = uow.session
    contract = load_contract(session, contract_id)
    require_visible(actor, contract)
    domain = signed_domain(contract, domain)
    addresses = signing_addresses(session, contract)
    vendor, buyer = addresses[Side.VENDOR], addresses[Side.BUYER]
    message = eip712_message(contract, vendor, buyer) if vendor and buyer else None
    vendor_row = require_found(session.get(Organisation, contract.vendor_id))
    buyer_row = require_found(session.get(Organisation, contract.buyer_id))
    return ContractView(
        id=contract.id,
        number=contract.number,
        status=contract.status,
        negotiation_id=contract.negotiation_id,
        product_id=contract.product_id,
        offer_id=contract.offer_id,
        vendor=_organisation(vendor_row),
        buyer=_organisation(buyer_row),
        price=contract.price,
        currency=contract.currency,
        fee_rate=contract.fee_rate,
        fee=fee_of(contract.price, contract.fee_rate),
        terms=cast(ContractTerms, contract.terms),  # stored as drafting wrote it
        canonical=contract.canonical,
        contract_hash=contract.contract_hash,
        text_zh=contract.text_zh,
        text_en=contract.text_en,
        signed_at_unix=contract.signed_at_unix,
        valuation_band=cast(FrozenBand | None, contract.valuation_band),
        ledger_seq=contract.ledger_seq,
        created_at=contract.created_at,
        signatures=[
            SignatureCheck(
                side=s.side,
                organisation_id=s.organisation_id,
                address=s.address,
                signature=s.signature,
                signed_by_id=s.signed_by_id,
                ledger_seq=s.ledger_seq,
                created_at=s.created_at,
                verifies=_verifies(domain, message, s.signature, s.address),
            )
            for s in contract.signatures
        ],
    )
