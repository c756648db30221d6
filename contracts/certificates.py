"""Rights certificates: the registration's hash and the exchange's signature over a certificate.

A registration is hashed as canonical JSON (RFC 8785) with the ledger's hash, SHA-256 or SM3,
so the hash on a certificate is the one the ledger entry carries. A certificate is signed with
Ed25519 by a key only the exchange holds; anyone with the published public key can check it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from contracts.ledger import canonical_json
from contracts.merkle import Hasher

CERTIFICATE_FORMAT = "ganshu-rights-certificate/1"
REGISTRATION_FORMAT = "ganshu-rights-registration/1"
_KEY_INFO = b"ganshu rights certificate signing key v1"


def registration_hash(hasher: Hasher, registration: Mapping[str, Any]) -> str:
    """The hex hash of a registration's canonical JSON, with the ledger's hash."""
    return hasher.digest(canonical_json(registration).encode()).hex()


def key_id(public_key: bytes) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class CertificateSigner:
    """The exchange's Ed25519 key for certificates, derived from its master key."""

    private_key: Ed25519PrivateKey

    @classmethod
    def from_master_key(cls, master_key: str | bytes) -> CertificateSigner:
        """Derive the signing key with HKDF, so no second secret has to be kept."""
        secret = master_key.encode() if isinstance(master_key, str) else master_key
        if not secret:
            raise ValueError("the master key is empty")
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret)
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key, published for verifiers."""
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        """The public key's short name, written on every certificate it signs."""
        return key_id(self.public_key)

    def sign(self, certificate: Mapping[str, Any]) -> str:
        """The hex Ed25519 signature over the certificate's canonical JSON."""
        return self.private_key.sign(canonical_json(certificate).encode()).hex()


def verify_signature(public_key: bytes, certificate: Mapping[str, Any], signature: str) -> bool:
    """Whether `signature` (hex) is the key's signature over the certificate's canonical JSON."""
    try:
        raw = bytes.fromhex(signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            raw, canonical_json(certificate).encode()
        )
    except (ValueError, InvalidSignature):
        return False
    return True
