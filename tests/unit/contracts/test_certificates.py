"""Certificate signatures and registration hashes, with no database."""

from __future__ import annotations

import hashlib

import pytest

from contracts.certificates import (
    CertificateSigner,
    key_id,
    registration_hash,
    verify_signature,
)
from contracts.merkle import SHA256, SM3

PAYLOAD = {"number": "GSC-2026-000001", "rights": [{"right": "holding"}], "holder": {"id": 7}}


def test_the_key_is_derived_from_the_master_key_and_stable():
    one, again = (
        CertificateSigner.from_master_key("m" * 43),
        CertificateSigner.from_master_key("m" * 43),
    )
    other = CertificateSigner.from_master_key("n" * 43)
    assert one.public_key == again.public_key != other.public_key
    assert one.key_id == key_id(one.public_key) and len(one.key_id) == 16


def test_a_signature_verifies_under_its_key_only():
    signer, stranger = (
        CertificateSigner.from_master_key("a"),
        CertificateSigner.from_master_key("b"),
    )
    signature = signer.sign(PAYLOAD)
    assert verify_signature(signer.public_key, PAYLOAD, signature)
    assert not verify_signature(stranger.public_key, PAYLOAD, signature)


def test_any_change_to_the_certificate_breaks_its_signature():
    signer = CertificateSigner.from_master_key("a")
    signature = signer.sign(PAYLOAD)
    changed = PAYLOAD | {"holder": {"id": 8}}
    assert not verify_signature(signer.public_key, changed, signature)


def test_key_order_does_not_matter_canonical_json_does_the_ordering():
    signer = CertificateSigner.from_master_key("a")
    reordered = dict(reversed(list(PAYLOAD.items())))
    assert verify_signature(signer.public_key, reordered, signer.sign(PAYLOAD))


def test_a_malformed_signature_is_simply_invalid():
    signer = CertificateSigner.from_master_key("a")
    for bad in ("", "zz", "00" * 64):
        assert not verify_signature(signer.public_key, PAYLOAD, bad)


def test_the_registration_hash_follows_the_ledgers_hash():
    by_sha256, by_sm3 = registration_hash(SHA256, PAYLOAD), registration_hash(SM3, PAYLOAD)
    assert len(by_sha256) == len(by_sm3) == 64 and by_sha256 != by_sm3
    # RFC 8785: {"holder":{"id":7},"number":"GSC-2026-000001","rights":[{"right":"holding"}]}
    canonical = b'{"holder":{"id":7},"number":"GSC-2026-000001","rights":[{"right":"holding"}]}'
    assert by_sha256 == hashlib.sha256(canonical).hexdigest()


def test_an_empty_master_key_is_refused():
    with pytest.raises(ValueError):
        CertificateSigner.from_master_key("")
