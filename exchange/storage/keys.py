"""Per-product data keys, kept in the database only wrapped under the exchange's master key."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from exchange.storage import CipherMode, KeyUnwrapFailed
from exchange.storage.ciphers import data_key_size

# Changing the label changes every key-encryption key: it names the derivation, version included.
KEK_INFO = b"ganshu-exchange/storage/key-encryption-key/v1"
PSEUDONYM_INFO = b"ganshu-exchange/delivery/pseudonym-key/v1"
WRAP_VERSION = 1
_NONCE_SIZE = 12
_TAG_SIZE = 16


def _wrap_aad(version: int, mode: CipherMode) -> bytes:
    """Binds a wrapped key to its format and mode, so an SM4 key never unwraps as an AES one."""
    return b"ganshu-exchange/data-key\x00" + bytes([version]) + mode.value.encode()


class KeyRing:
    """Issues and opens data keys under a key-encryption key derived from MASTER_KEY."""

    __slots__ = ("_kek", "_pseudonyms")

    def __init__(self, master_key: str) -> None:
        if not master_key:
            raise ValueError("the master key must not be empty")
        kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEK_INFO).derive(
            master_key.encode()
        )
        self._kek = AESGCM(kek)
        self._pseudonyms = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=PSEUDONYM_INFO
        ).derive(master_key.encode())

    def pseudonym_key(self, buyer_id: int) -> bytes:
        """The key of one buyer organisation's pseudonyms: the same for all its deliveries, so
        its files join; another buyer's tokens for the same person differ."""
        return hmac.new(self._pseudonyms, b"buyer:%d" % buyer_id, hashlib.sha256).digest()

    def new_data_key(self, mode: CipherMode) -> tuple[bytes, bytes]:
        """A fresh random data key for the mode, and the blob to store: (plain key, wrapped)."""
        plain = os.urandom(data_key_size(mode))
        nonce = os.urandom(_NONCE_SIZE)
        sealed = self._kek.encrypt(nonce, plain, _wrap_aad(WRAP_VERSION, mode))
        return plain, bytes([WRAP_VERSION]) + nonce + sealed

    def unwrap(self, wrapped: bytes, mode: CipherMode) -> bytes:
        """The plain data key from a wrapped blob; KeyUnwrapFailed if it does not open as mode."""
        if len(wrapped) != 1 + _NONCE_SIZE + data_key_size(mode) + _TAG_SIZE:
            raise KeyUnwrapFailed(f"wrapped key has the wrong length for {mode}")
        if wrapped[0] != WRAP_VERSION:
            raise KeyUnwrapFailed("wrapped key has an unknown format version")
        nonce, sealed = wrapped[1 : 1 + _NONCE_SIZE], wrapped[1 + _NONCE_SIZE :]
        try:
            return self._kek.decrypt(nonce, sealed, _wrap_aad(WRAP_VERSION, mode))
        except InvalidTag:
            raise KeyUnwrapFailed(
                "wrapped key did not open: wrong master key, wrong cipher mode, or tampered"
            ) from None
