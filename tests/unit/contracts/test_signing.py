"""EIP-712 trade-contract signatures: round trips, tamper evidence, wallets, a hand-built digest."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.constants import SECPK1_N
from eth_utils import keccak

from contracts.signing import (
    SignatureError,
    SigningDomain,
    SigningError,
    TradeContract,
    address_of,
    digest,
    new_signing_key,
    recover,
    sign,
    typed_data,
    verify,
)

# Fixed keys so the known answers below stay put; never used outside tests.
VENDOR_KEY = keccak(text="ganshu test vendor")
BUYER_KEY = keccak(text="ganshu test buyer")
ANCHOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DOMAIN = SigningDomain(chain_id=1337, verifying_contract=ANCHOR)
CONTRACT = TradeContract(
    contract_id=42,
    contract_hash=hashlib.sha256(b'{"contract":42}').digest(),
    vendor=address_of(VENDOR_KEY),
    buyer=address_of(BUYER_KEY),
    price_fen=1_234_500,
    currency="CNY",
    signed_at=1_767_225_600,
)
# The digest was checked against hand_encoded_digest below and pinned, as was the signature
# (RFC 6979 nonces make it deterministic), so a change in eth-account's encoding or in our type
# definition shows up as a failure rather than as signatures nobody can check any more.
KNOWN_DIGEST = "314323519f177d6502eab487d9cf1a0a2b6366220958e5126742e099340a7925"
KNOWN_VENDOR_SIGNATURE = (
    "0x3143de9ae845218dd5b92e5f24b7820d20715d4740c7e783f0efc482be41124e"
    "5fe99a08ad1eb73c22b2c0bb0cafff1e857bdb5653928b489bea84c9cb9454e0"
    "1b"
)


def hand_encoded_digest(domain: SigningDomain, contract: TradeContract) -> bytes:
    """EIP-712 written out from the spec with keccak and eth-abi alone, no eth-account."""
    domain_type = (
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    domain_separator = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak(text=domain_type),
                keccak(text=domain.name),
                keccak(text=domain.version),
                domain.chain_id,
                domain.verifying_contract,
            ],
        )
    )
    contract_type = (
        "TradeContract(uint256 contractId,bytes32 contractHash,address vendor,address buyer,"
        "uint256 priceFen,string currency,uint256 signedAt)"
    )
    struct_hash = keccak(
        encode(
            [
                "bytes32",
                "uint256",
                "bytes32",
                "address",
                "address",
                "uint256",
                "bytes32",
                "uint256",
            ],
            [
                keccak(text=contract_type),
                contract.contract_id,
                contract.contract_hash,
                contract.vendor,
                contract.buyer,
                contract.price_fen,
                keccak(text=contract.currency),
                contract.signed_at,
            ],
        )
    )
    return keccak(b"\x19\x01" + domain_separator + struct_hash)


def with_r_s_v(r: int, s: int, v: int) -> str:
    return "0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])).hex()


def test_digest_matches_eip712_encoded_by_hand():
    assert digest(DOMAIN, CONTRACT) == hand_encoded_digest(DOMAIN, CONTRACT)


def test_digest_matches_the_pinned_known_answer():
    assert digest(DOMAIN, CONTRACT).hex() == KNOWN_DIGEST


def test_signing_is_deterministic_and_matches_the_pinned_signature():
    assert sign(DOMAIN, CONTRACT, VENDOR_KEY) == KNOWN_VENDOR_SIGNATURE


def test_signature_recovers_the_signer():
    signature = sign(DOMAIN, CONTRACT, VENDOR_KEY)

    assert recover(DOMAIN, CONTRACT, signature) == CONTRACT.vendor
    assert verify(DOMAIN, CONTRACT, signature, CONTRACT.vendor)


def test_signature_is_65_bytes_of_lowercase_hex_with_v_27_or_28():
    signature = sign(DOMAIN, CONTRACT, BUYER_KEY)

    assert signature.startswith("0x") and len(signature) == 2 + 130
    assert signature == signature.lower()
    assert int(signature[-2:], 16) in (27, 28)


def test_signature_by_one_key_does_not_verify_for_another_address():
    signature = sign(DOMAIN, CONTRACT, VENDOR_KEY)

    assert not verify(DOMAIN, CONTRACT, signature, CONTRACT.buyer)


def test_verify_accepts_the_address_in_lower_case():
    signature = sign(DOMAIN, CONTRACT, BUYER_KEY)

    assert verify(DOMAIN, CONTRACT, signature, CONTRACT.buyer.lower())


def test_hex_and_bytes_private_keys_sign_alike():
    assert sign(DOMAIN, CONTRACT, "0x" + VENDOR_KEY.hex()) == sign(DOMAIN, CONTRACT, VENDOR_KEY)
    assert sign(DOMAIN, CONTRACT, VENDOR_KEY.hex()) == sign(DOMAIN, CONTRACT, VENDOR_KEY)


OTHER_ADDRESS = "0x" + "ab" * 20
CONTRACT_CHANGES = {
    "contract_id": {"contract_id": 43},
    "contract_hash": {"contract_hash": hashlib.sha256(b'{"contract":43}').digest()},
    "vendor": {"vendor": OTHER_ADDRESS},
    "buyer": {"buyer": OTHER_ADDRESS},
    "price_fen": {"price_fen": 1_234_501},
    "currency": {"currency": "USD"},
    "signed_at": {"signed_at": 1_767_225_601},
}
DOMAIN_CHANGES = {
    "name": {"name": "Another Exchange"},
    "version": {"version": "2"},
    "chain_id": {"chain_id": 1},
    "verifying_contract": {"verifying_contract": OTHER_ADDRESS},
}


@pytest.mark.parametrize("change", CONTRACT_CHANGES.values(), ids=CONTRACT_CHANGES.keys())
def test_changing_a_contract_field_breaks_the_signature(change):
    signature = sign(DOMAIN, CONTRACT, VENDOR_KEY)
    altered = dataclasses.replace(CONTRACT, **change)

    assert digest(DOMAIN, altered) != digest(DOMAIN, CONTRACT)
    assert not verify(DOMAIN, altered, signature, CONTRACT.vendor)


@pytest.mark.parametrize("change", DOMAIN_CHANGES.values(), ids=DOMAIN_CHANGES.keys())
def test_changing_the_domain_breaks_the_signature(change):
    signature = sign(DOMAIN, CONTRACT, VENDOR_KEY)
    altered = dataclasses.replace(DOMAIN, **change)

    assert digest(altered, CONTRACT) != digest(DOMAIN, CONTRACT)
    assert not verify(altered, CONTRACT, signature, CONTRACT.vendor)


GOOD = sign(DOMAIN, CONTRACT, VENDOR_KEY)
GOOD_R, GOOD_S, GOOD_V = int(GOOD[2:66], 16), int(GOOD[66:130], 16), int(GOOD[130:], 16)
MALFORMED = {
    "empty": "",
    "too short": GOOD[:-2],
    "too long": GOOD + "00",
    "not hex": GOOD[:-2] + "zz",
    "whitespace inside": GOOD[:10] + " " + GOOD[11:],
    "v 0": with_r_s_v(GOOD_R, GOOD_S, 0),
    "v 1": with_r_s_v(GOOD_R, GOOD_S, 1),
    "v 29": with_r_s_v(GOOD_R, GOOD_S, 29),
    "v eip-155": with_r_s_v(GOOD_R, GOOD_S, 37),
    "r zero": with_r_s_v(0, GOOD_S, GOOD_V),
    "r not below n": with_r_s_v(SECPK1_N, GOOD_S, GOOD_V),
    "s zero": with_r_s_v(GOOD_R, 0, GOOD_V),
    "s high (malleated twin)": with_r_s_v(GOOD_R, SECPK1_N - GOOD_S, 55 - GOOD_V),
    "r off the curve": with_r_s_v(5, GOOD_S, 27),
}


@pytest.mark.parametrize("signature", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_signature_raises_signature_error(signature):
    with pytest.raises(SignatureError):
        recover(DOMAIN, CONTRACT, signature)


def test_verify_raises_rather_than_returning_false_for_a_malformed_signature():
    with pytest.raises(SignatureError):
        verify(DOMAIN, CONTRACT, GOOD[:-2], CONTRACT.vendor)


def test_non_string_signature_raises_signature_error():
    with pytest.raises(SignatureError):
        recover(DOMAIN, CONTRACT, bytes.fromhex(GOOD[2:]))  # type: ignore[arg-type]


def test_signature_error_is_a_signing_error():
    assert issubclass(SignatureError, SigningError)


def test_typed_data_survives_json_and_a_wallet_signature_is_accepted():
    message = json.loads(json.dumps(typed_data(DOMAIN, CONTRACT)))
    # What a wallet does with eth_signTypedData_v4: encode the dict it was given and sign it.
    wallet_signature = Account.sign_message(encode_typed_data(full_message=message), BUYER_KEY)

    assert recover(DOMAIN, CONTRACT, "0x" + wallet_signature.signature.hex()) == CONTRACT.buyer


def test_typed_data_names_the_domain_and_primary_type():
    message = typed_data(DOMAIN, CONTRACT)

    assert message["primaryType"] == "TradeContract"
    assert message["domain"] == {
        "name": "Ganshu Data Exchange",
        "version": "1",
        "chainId": 1337,
        "verifyingContract": ANCHOR,
    }
    assert message["message"]["contractHash"] == "0x" + CONTRACT.contract_hash.hex()


def test_addresses_are_checksummed_on_construction():
    domain = SigningDomain(chain_id=1, verifying_contract=ANCHOR.lower())
    contract = dataclasses.replace(CONTRACT, vendor=CONTRACT.vendor.lower())

    assert domain.verifying_contract == ANCHOR
    assert contract.vendor == CONTRACT.vendor


@pytest.mark.parametrize(
    "address",
    [
        "0x5fbDB2315678afecb367f032d93F642f64180aa3",  # one letter's case flipped: bad checksum
        "0x" + "11" * 19,
        "5FbDB2315678afecb367f032d93F642f64180aa3",  # no 0x
        "0x5FbDB2315678afecb367f032d93F642f64180aaz",
        "",
    ],
)
def test_invalid_address_is_refused(address):
    with pytest.raises(SigningError):
        SigningDomain(chain_id=1, verifying_contract=address)
    with pytest.raises(SigningError):
        dataclasses.replace(CONTRACT, buyer=address)


@pytest.mark.parametrize(
    "change",
    [
        {"contract_hash": bytes(31)},
        {"contract_hash": bytes(33)},
        {"contract_hash": "0x" + "00" * 32},
        {"price_fen": -1},
        {"price_fen": 12.5},
        {"price_fen": True},
        {"contract_id": 2**256},
        {"currency": "cny"},
        {"currency": "人民币"},
        {"signed_at": -1},
    ],
    ids=repr,
)
def test_invalid_contract_terms_are_refused(change):
    with pytest.raises(SigningError):
        dataclasses.replace(CONTRACT, **change)


@pytest.mark.parametrize(
    "change", [{"chain_id": 0}, {"chain_id": -1}, {"name": ""}, {"version": ""}], ids=repr
)
def test_invalid_domain_is_refused(change):
    with pytest.raises(SigningError):
        dataclasses.replace(DOMAIN, **change)


def test_contract_and_domain_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CONTRACT.price_fen = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DOMAIN.chain_id = 1  # type: ignore[misc]


def test_new_signing_key_signs_as_its_address():
    private_key, address = new_signing_key()
    contract = dataclasses.replace(CONTRACT, vendor=address)

    assert len(private_key) == 32
    assert address_of(private_key) == address
    assert verify(DOMAIN, contract, sign(DOMAIN, contract, private_key), address)


def test_new_signing_keys_differ():
    assert new_signing_key()[0] != new_signing_key()[0]


@pytest.mark.parametrize(
    "private_key",
    [
        bytes(32),
        SECPK1_N.to_bytes(32, "big"),
        bytes(31),
        "0x" + "11" * 31,
        "0x" + "zz" * 32,
    ],
    ids=["zero", "curve order", "short bytes", "short hex", "not hex"],
)
def test_invalid_private_key_is_refused_without_echoing_it(private_key):
    with pytest.raises(SigningError) as raised:
        sign(DOMAIN, CONTRACT, private_key)

    shown = private_key.hex() if isinstance(private_key, bytes) else private_key
    assert shown.removeprefix("0x") not in str(raised.value)
