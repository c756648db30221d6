"""EIP-712 signatures on trade contracts: both organisations sign the same typed data.

The digest commits to the exchange (domain: name, version, chain id and the anchor contract's
address) and to the contract's terms (id, hash of its canonical JSON, parties, price in fen,
currency, signing time). Signatures are 65 bytes r ‖ s ‖ v as 0x-hex; only the canonical form
(v of 27 or 28, low s per EIP-2) is accepted, so the ledger stores one encoding per signature.
eth-account does the encoding and the curve work; none of its types leave this module.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.constants import SECPK1_N
from eth_keys.exceptions import BadSignature
from eth_utils.address import is_checksum_address, to_checksum_address
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError as KeyValidationError

EXCHANGE_NAME = "Ganshu Data Exchange"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "TradeContract"

_DOMAIN_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
)
_CONTRACT_FIELDS: tuple[tuple[str, str], ...] = (
    ("contractId", "uint256"),
    ("contractHash", "bytes32"),
    ("vendor", "address"),
    ("buyer", "address"),
    ("priceFen", "uint256"),
    ("currency", "string"),
    ("signedAt", "uint256"),
)
_UINT256_LIMIT = 2**256
_SIGNATURE_HEX = re.compile(r"(?:0x)?([0-9a-fA-F]{130})")
_PRIVATE_KEY_HEX = re.compile(r"(?:0x)?([0-9a-fA-F]{64})")
_ADDRESS_HEX = re.compile(r"0x[0-9a-fA-F]{40}")
_CURRENCY = re.compile(r"[A-Z]{3}")


class SigningError(Exception):
    """Root of every error this module raises, so callers catch one thing."""


class SignatureError(SigningError):
    """A signature that is not 65 canonical bytes, or from which no signer can be recovered."""


def _checksummed(value: object, what: str) -> str:
    """An address in EIP-55 form; a mixed-case address with a wrong checksum is refused."""
    # eth-utils 6's is_address no longer checks EIP-55 and takes hex without 0x, so check here.
    if not isinstance(value, str) or not _ADDRESS_HEX.fullmatch(value):
        raise SigningError(f"{what} must be a 20-byte 0x-hex address")
    mixed_case = value[2:] not in (value[2:].lower(), value[2:].upper())
    if mixed_case and not is_checksum_address(value):
        raise SigningError(f"{what} has a wrong EIP-55 checksum")
    return str(to_checksum_address(value))


def _check_uint256(value: object, what: str) -> None:
    """Refuse what eth-abi would reject late or coerce silently (bools, negatives, strings)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _UINT256_LIMIT:
        raise SigningError(f"{what} must be an integer in [0, 2**256)")


@dataclass(frozen=True, kw_only=True)
class SigningDomain:
    """The EIP-712 domain: ties a signature to this exchange, one chain and one anchor contract."""

    name: str = EXCHANGE_NAME
    version: str = DOMAIN_VERSION
    chain_id: int
    verifying_contract: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SigningError("domain name must be a non-empty string")
        if not isinstance(self.version, str) or not self.version:
            raise SigningError("domain version must be a non-empty string")
        _check_uint256(self.chain_id, "chain_id")
        if self.chain_id == 0:
            raise SigningError("chain_id must be positive")
        contract = _checksummed(self.verifying_contract, "verifying_contract")
        object.__setattr__(self, "verifying_contract", contract)


@dataclass(frozen=True, kw_only=True)
class TradeContract:
    """The terms a signature commits to; the full text is bound through `contract_hash`."""

    contract_id: int
    contract_hash: bytes
    vendor: str
    buyer: str
    price_fen: int
    currency: str = "CNY"
    signed_at: int

    def __post_init__(self) -> None:
        _check_uint256(self.contract_id, "contract_id")
        # eth-account pads short bytes32 values, so a truncated hash would sign without complaint.
        if not isinstance(self.contract_hash, bytes) or len(self.contract_hash) != 32:
            raise SigningError("contract_hash must be exactly 32 bytes")
        object.__setattr__(self, "vendor", _checksummed(self.vendor, "vendor"))
        object.__setattr__(self, "buyer", _checksummed(self.buyer, "buyer"))
        _check_uint256(self.price_fen, "price_fen")
        if not isinstance(self.currency, str) or not _CURRENCY.fullmatch(self.currency):
            raise SigningError("currency must be an ISO 4217 code such as CNY")
        _check_uint256(self.signed_at, "signed_at")


def typed_data(domain: SigningDomain, contract: TradeContract) -> dict[str, Any]:
    """The full EIP-712 message as JSON-ready data, for organisations that sign with a wallet."""
    return {
        "types": {
            "EIP712Domain": [{"name": name, "type": kind} for name, kind in _DOMAIN_FIELDS],
            PRIMARY_TYPE: [{"name": name, "type": kind} for name, kind in _CONTRACT_FIELDS],
        },
        "primaryType": PRIMARY_TYPE,
        "domain": {
            "name": domain.name,
            "version": domain.version,
            "chainId": domain.chain_id,
            "verifyingContract": domain.verifying_contract,
        },
        "message": {
            "contractId": contract.contract_id,
            "contractHash": "0x" + contract.contract_hash.hex(),
            "vendor": contract.vendor,
            "buyer": contract.buyer,
            "priceFen": contract.price_fen,
            "currency": contract.currency,
            "signedAt": contract.signed_at,
        },
    }


def _signable(domain: SigningDomain, contract: TradeContract) -> SignableMessage:
    """Encode through the same dict a wallet receives, so both paths sign identical bytes."""
    return encode_typed_data(full_message=typed_data(domain, contract))


def digest(domain: SigningDomain, contract: TradeContract) -> bytes:
    """The 32-byte EIP-712 hash, keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message))."""
    message = _signable(domain, contract)
    return bytes(keccak(b"\x19" + message.version + message.header + message.body))


def _key_bytes(private_key: bytes | str) -> bytes:
    """A valid secp256k1 private key as 32 bytes; the error never echoes the key."""
    if isinstance(private_key, str):
        match = _PRIVATE_KEY_HEX.fullmatch(private_key)
        if match is None:
            raise SigningError("private key must be 32 bytes or 64 hex digits")
        private_key = bytes.fromhex(match.group(1))
    if not isinstance(private_key, bytes) or len(private_key) != 32:
        raise SigningError("private key must be 32 bytes or 64 hex digits")
    if not 0 < int.from_bytes(private_key, "big") < SECPK1_N:
        raise SigningError("private key is outside the secp256k1 range")
    return private_key


def sign(domain: SigningDomain, contract: TradeContract, private_key: bytes | str) -> str:
    """Sign the contract for one organisation with a key the exchange keeps for it."""
    signed = Account.sign_message(_signable(domain, contract), _key_bytes(private_key))
    return "0x" + bytes(signed.signature).hex()


def _signature_bytes(signature: str) -> bytes:
    """Parse r ‖ s ‖ v, refusing non-canonical forms so one signature has one recorded encoding."""
    if not isinstance(signature, str):
        raise SignatureError("signature must be a 0x-hex string")
    match = _SIGNATURE_HEX.fullmatch(signature)
    if match is None:
        raise SignatureError("signature must be 65 bytes of hex (r ‖ s ‖ v)")
    raw = bytes.fromhex(match.group(1))
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if v not in (27, 28):
        raise SignatureError("signature v must be 27 or 28")
    if not 0 < r < SECPK1_N:
        raise SignatureError("signature r is out of range")
    if not 0 < s <= SECPK1_N // 2:
        raise SignatureError("signature s must be in the lower half of the curve order (EIP-2)")
    return raw


def recover(domain: SigningDomain, contract: TradeContract, signature: str) -> str:
    """The checksummed address that signed this contract, from the signature alone."""
    raw = _signature_bytes(signature)
    try:
        address = Account.recover_message(_signable(domain, contract), signature=raw)
    except (BadSignature, KeyValidationError) as error:  # e.g. r is no point's x coordinate
        raise SignatureError("no signer can be recovered from this signature") from error
    return str(address)


def verify(domain: SigningDomain, contract: TradeContract, signature: str, address: str) -> bool:
    """Whether `address` signed this contract; a malformed signature raises SignatureError."""
    expected = _checksummed(address, "address")
    return recover(domain, contract, signature) == expected


def address_of(private_key: bytes | str) -> str:
    """The checksummed address a private key signs as."""
    return str(Account.from_key(_key_bytes(private_key)).address)


def new_signing_key() -> tuple[bytes, str]:
    """A fresh key from the OS CSPRNG and its address, for an organisation without a wallet."""
    while True:
        candidate = secrets.token_bytes(32)
        if 0 < int.from_bytes(candidate, "big") < SECPK1_N:
            return candidate, address_of(candidate)
