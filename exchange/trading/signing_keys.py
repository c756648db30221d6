"""Organisations' signing keys and their EIP-712 signatures on contracts.

Each organisation signs as one address. By default the exchange makes it a secp256k1 key on first
need and keeps it only sealed with AES-GCM under a key derived from the master key (HKDF-SHA256,
its own label, the organisation and address bound in as associated data); the plain key lives
for one signature and is never logged or returned. An organisation may instead register its own
address and submit signatures made with its own wallet; each is verified before it is stored.

The typed data names both sides' addresses, so an address may not change while a contract the
organisation is party to carries one signature and waits for the other.
"""

from __future__ import annotations

import os
import re
import struct
from datetime import datetime
from typing import Any, TypedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_utils.address import is_checksum_address, to_checksum_address
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts import signing
from contracts.schema import ledger_deployments
from exchange.accounts.models import Organisation
from exchange.kernel import audit
from exchange.kernel.actors import Actor, require_found
from exchange.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.kernel.unit_of_work import UnitOfWork
from exchange.ledger.events import record_event
from exchange.trading.contracts import (
    eip712_message,
    load_contract,
    party_of,
    pin_domain,
    registered_key,
    require_signable,
    require_visible,
    signed_domain,
    signing_addresses,
    signing_side,
)
from exchange.trading.domain import ContractStatus, KeySource, Side
from exchange.trading.models import ContractSignature, OrganisationKey, TradeContract

# Changing the label changes every sealing key: it names the derivation, version included.
SEAL_INFO = b"ganshu-exchange/signing/organisation-key/v1"
SEAL_VERSION = 1
_NONCE_SIZE = 12
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
ZERO_ADDRESS = "0x" + "0" * 40


class SealedKeyUnreadable(Exception):
    """A sealed signing key did not open: wrong master key, another organisation's, or tampered."""


# Sealing exchange-held keys


def _sealer(master_key: str) -> AESGCM:
    if not master_key:
        raise ValueError("the master key must not be empty")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_INFO).derive(
        master_key.encode()
    )
    return AESGCM(derived)


def _aad(organisation_id: int, address: str) -> bytes:
    """Binds a sealed key to its organisation and address, so it cannot be moved to another."""
    return (
        b"ganshu-exchange/signing-key\x00"
        + bytes([SEAL_VERSION])
        + struct.pack(">Q", organisation_id)
        + address.encode()
    )


def seal_key(master_key: str, organisation_id: int, address: str, private_key: bytes) -> bytes:
    """The private key sealed for storage: version ‖ nonce ‖ AES-GCM ciphertext and tag."""
    nonce = os.urandom(_NONCE_SIZE)
    sealed = _sealer(master_key).encrypt(nonce, private_key, _aad(organisation_id, address))
    return bytes([SEAL_VERSION]) + nonce + sealed


def open_key(master_key: str, organisation_id: int, address: str, sealed: bytes) -> bytes:
    """The private key from its sealed form, or SealedKeyUnreadable."""
    if not sealed or sealed[0] != SEAL_VERSION:
        raise SealedKeyUnreadable("sealed key has an unknown format version")
    nonce, body = sealed[1 : 1 + _NONCE_SIZE], sealed[1 + _NONCE_SIZE :]
    try:
        return _sealer(master_key).decrypt(nonce, body, _aad(organisation_id, address))
    except InvalidTag:
        raise SealedKeyUnreadable("sealed key did not open") from None


def ensure_key(
    session: Session, organisation_id: int, master_key: str, *, now: datetime | None = None
) -> OrganisationKey:
    """The organisation's key or address; an exchange-held key is made on first need, dated
    `now`."""
    found = registered_key(session, organisation_id)
    if found is not None:
        return found
    private_key, address = signing.new_signing_key()
    row = OrganisationKey(
        organisation_id=organisation_id,
        address=address,
        source=KeySource.EXCHANGE,
        encrypted_key=seal_key(master_key, organisation_id, address, private_key),
        created_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another request made it first: use theirs
        return require_found(registered_key(session, organisation_id))
    return row


# The EIP-712 domain


def signing_domain(chain_id: int, verifying_contract: str) -> signing.SigningDomain:
    """The exchange's EIP-712 domain on one chain and anchor contract (never the zero address)."""
    if verifying_contract.lower() == ZERO_ADDRESS:
        raise ValueError("the signing domain needs the anchor contract's real address")
    try:
        return signing.SigningDomain(chain_id=chain_id, verifying_contract=verifying_contract)
    except signing.SigningError as error:
        raise ValueError(str(error)) from None


def deployed_signing_domain(session: Session) -> signing.SigningDomain | None:
    """The domain of the ledger's current anchor deployment (newest not retired), if any."""
    row = session.execute(
        select(ledger_deployments.c.chain_id, ledger_deployments.c.contract_address)
        .where(ledger_deployments.c.retired_at.is_(None))
        .order_by(ledger_deployments.c.id.desc())
        .limit(1)
    ).first()
    return signing_domain(int(row.chain_id), row.contract_address) if row else None


# Organisations' own addresses


def _address(value: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        raise ValidationFailed.on("address", N_("Give a 20-byte address written as 0x and hex."))
    value = value.strip()
    mixed_case = value[2:] not in (value[2:].lower(), value[2:].upper())
    if mixed_case and not is_checksum_address(value):
        raise ValidationFailed.on("address", N_("This address has a wrong checksum."))
    if value.lower() == ZERO_ADDRESS:
        raise ValidationFailed.on("address", N_("The zero address cannot sign."))
    return str(to_checksum_address(value))


def _half_signed(session: Session, organisation_id: int) -> bool:
    """Whether a contract of the organisation carries one signature and waits for the other."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    TradeContract.status == ContractStatus.AWAITING_SIGNATURES,
                    or_(
                        TradeContract.vendor_id == organisation_id,
                        TradeContract.buyer_id == organisation_id,
                    ),
                    ContractSignature.contract_id == TradeContract.id,
                )
            )
        )
    )


class SigningAddress(TypedDict):
    """The address an organisation now signs with, and where its key lives."""

    organisation_id: int
    address: str
    source: KeySource


class SignatureView(TypedDict):
    """A side's stored signature of a contract, and the status it left the contract in."""

    contract_id: int
    side: Side
    address: str
    signature: str
    status: ContractStatus
    ledger_seq: int


def register_address(
    uow: UnitOfWork, actor: Actor, organisation_id: int, address: str
) -> SigningAddress:
    """An organisation's admin registers the address it signs with from now on (its own wallet);
    any key the exchange held for it is discarded."""
    session = uow.session
    if not actor.is_member(organisation_id):
        raise NotFound()
    if not actor.is_admin_of(organisation_id):
        raise PermissionDenied(N_("Only the organisation's administrators may do that."))
    checked = _address(address)
    require_found(session.get(Organisation, organisation_id, with_for_update=True))
    if _half_signed(session, organisation_id):
        raise Conflict(
            N_("A contract signed by one side awaits your organisation's signature; sign it first.")
        )
    row = registered_key(session, organisation_id)
    if row is None:
        row = OrganisationKey(organisation_id=organisation_id, address=checked)
        session.add(row)
    row.address, row.source, row.encrypted_key = checked, KeySource.OWN, None
    row.created_at = utcnow()
    audit.record(
        session,
        "signing.address",
        actor=actor,
        organisation_id=organisation_id,
        subject=str(organisation_id),
        address=checked,
    )
    uow.commit()
    return SigningAddress(organisation_id=organisation_id, address=checked, source=KeySource.OWN)


# Signatures


def _message(
    session: Session, contract: TradeContract, master_key: str, now: datetime | None = None
) -> signing.TradeContract:
    """The typed data of the contract, giving any party without an address its exchange key."""
    addresses = signing_addresses(session, contract)
    for side in Side:
        if addresses[side] is None:
            made = ensure_key(session, party_of(contract, side), master_key, now=now)
            addresses[side] = made.address
    vendor, buyer = addresses[Side.VENDOR], addresses[Side.BUYER]
    assert vendor is not None and buyer is not None
    return eip712_message(contract, vendor, buyer)


def _store(
    session: Session,
    actor: Actor,
    contract: TradeContract,
    side: Side,
    address: str,
    signature: str,
    now: datetime,
) -> SignatureView:
    organisation_id = party_of(contract, side)
    entry = record_event(
        session,
        "trade.signature",
        {
            "contract_id": contract.id,
            "number": contract.number,
            "contract_hash": contract.contract_hash,
            "side": side.value,
            "organisation_id": organisation_id,
            "address": address,
            "signature": signature,
        },
        parties=[contract.vendor_id, contract.buyer_id],
    )
    row = ContractSignature(
        contract_id=contract.id,
        organisation_id=organisation_id,
        side=side,
        address=address,
        signature=signature,
        signed_by_id=actor.user_id,
        ledger_seq=entry.seq,
        created_at=now,
    )
    contract.signatures.append(row)
    if {s.side for s in contract.signatures} == set(Side):
        contract.status = ContractStatus.AWAITING_PAYMENT
    contract.updated_at = now
    audit.record(
        session,
        "trade.signature",
        actor=actor,
        organisation_id=organisation_id,
        subject=contract.number,
        side=side.value,
        address=address,
    )
    try:
        session.flush()
    except IntegrityError:  # the side signed concurrently
        raise Conflict(N_("Your organisation has already signed this contract.")) from None
    return SignatureView(
        contract_id=contract.id,
        side=side,
        address=address,
        signature=signature,
        status=contract.status,
        ledger_seq=entry.seq,
    )


def sign_contract(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    master_key: str,
    domain: signing.SigningDomain,
    now: datetime | None = None,
) -> SignatureView:
    """Sign for the actor's side with the key the exchange holds for its organisation."""
    session = uow.session
    now = now or utcnow()
    contract = load_contract(session, contract_id, for_update=True)
    side = signing_side(actor, contract)
    require_signable(contract)
    key = ensure_key(session, party_of(contract, side), master_key, now=now)
    if key.source != KeySource.EXCHANGE or key.encrypted_key is None:
        raise Conflict(
            N_("Your organisation signs with its own wallet: submit the signature it made.")
        )
    message = _message(session, contract, master_key, now)
    domain = pin_domain(contract, domain)
    private_key = open_key(master_key, key.organisation_id, key.address, key.encrypted_key)
    signature = signing.sign(domain, message, private_key)
    del private_key
    result = _store(session, actor, contract, side, key.address, signature, now)
    uow.commit()
    return result


def _canonical(signature: str) -> str:
    """One spelling per signature: 0x and lower-case hex."""
    digits = signature.strip()
    return "0x" + (digits[2:] if digits.startswith("0x") else digits).lower()


def submit_signature(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    signature: str,
    *,
    domain: signing.SigningDomain,
    master_key: str,
    now: datetime | None = None,
) -> SignatureView:
    """Store a signature the organisation made with its own wallet, once it verifies against
    the address the organisation registered; a bad one is refused and nothing is stored."""
    session = uow.session
    now = now or utcnow()
    contract = load_contract(session, contract_id, for_update=True)
    side = signing_side(actor, contract)
    require_signable(contract)
    key = registered_key(session, party_of(contract, side))
    if key is None or key.source != KeySource.OWN:
        raise Conflict(N_("Register your organisation's own address before submitting signatures."))
    message = _message(session, contract, master_key, now)
    domain = signed_domain(contract, domain)
    try:
        valid = signing.verify(domain, message, signature, key.address)
    except signing.SigningError:
        valid = False
    if not valid:
        raise ValidationFailed.on(
            "signature", N_("This signature is not your organisation's signature of the contract.")
        )
    pin_domain(contract, domain)
    result = _store(session, actor, contract, side, key.address, _canonical(signature), now)
    uow.commit()
    return result


def typed_data_for(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    domain: signing.SigningDomain,
    *,
    master_key: str,
) -> dict[str, Any]:
    """The EIP-712 JSON an organisation signs with its own wallet (parties and supervisors),
    under the domain the contract's first signature pinned, if it has one."""
    session = uow.session
    contract = load_contract(session, contract_id)
    require_visible(actor, contract)
    domain = signed_domain(contract, domain)
    data = signing.typed_data(domain, _message(session, contract, master_key))
    uow.commit()  # keeps any key made on first need, so the addresses in the message stay
    return data
