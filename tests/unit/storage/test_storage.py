"""The local object store: atomic puts, verified reads, size limits, keys that stay inside."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from exchange.storage import (
    CipherMode,
    InvalidObjectKey,
    KeyRing,
    LocalObjectStore,
    ObjectCorrupted,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    StoredObject,
    check_object_key,
    new_object_key,
)
from exchange.storage.ciphers import data_key_size

MODES = list(CipherMode)
KEY = "products/p1/3f2a"


def files_under(root: Path) -> list[str]:
    """Every file in the store's folder, temporary ones included."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def pieces(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects", chunk_size=256)


def data_key(mode: CipherMode = CipherMode.AES_256_GCM) -> bytes:
    return os.urandom(data_key_size(mode))


@pytest.mark.parametrize("mode", MODES)
def test_put_then_open_returns_the_plaintext(store, mode):
    key, plaintext = data_key(mode), os.urandom(5000)
    store.put(KEY, pieces(plaintext), key, mode, max_bytes=10_000)
    assert b"".join(store.open(KEY, key, mode)) == plaintext


def test_put_reports_plaintext_size_digest_and_bytes_on_disk(store, tmp_path):
    plaintext = os.urandom(1000)
    stored = store.put(KEY, [plaintext], data_key(), CipherMode.AES_256_GCM, max_bytes=1000)
    path = tmp_path / "objects" / "products" / "p1" / "3f2a"
    assert stored == StoredObject(
        key=KEY,
        size=1000,
        sha256=hashlib.sha256(plaintext).hexdigest(),
        stored_size=path.stat().st_size,
    )
    assert files_under(tmp_path / "objects") == ["products/p1/3f2a"]


def test_ciphertext_on_disk_does_not_contain_the_plaintext(store, tmp_path):
    plaintext = b"unit,output,tonnes\n" + b"Ganzhou rare earth,42,7\n" * 200
    mode = CipherMode.SM4_GCM
    store.put(KEY, [plaintext], data_key(mode), mode, max_bytes=10_000)
    on_disk = (tmp_path / "objects" / KEY).read_bytes()
    assert b"Ganzhou" not in on_disk
    assert b"rare earth" not in on_disk


def test_exists_and_delete(store):
    store.put(KEY, [b"x"], data_key(), CipherMode.AES_256_GCM, max_bytes=1)
    assert store.exists(KEY)
    store.delete(KEY)
    assert not store.exists(KEY)


def test_deleting_a_missing_object_is_fine(store):
    store.delete(KEY)
    assert not store.exists(KEY)


def test_opening_a_missing_object_raises_at_once(store):
    with pytest.raises(ObjectNotFound):
        store.open(KEY, data_key(), CipherMode.AES_256_GCM)


def test_wrong_data_key_fails_to_open(store):
    store.put(KEY, [b"secret"], data_key(), CipherMode.AES_256_GCM, max_bytes=100)
    with pytest.raises(ObjectCorrupted):
        b"".join(store.open(KEY, data_key(), CipherMode.AES_256_GCM))


def test_a_damaged_file_fails_to_open(store, tmp_path):
    key = data_key()
    store.put(KEY, [os.urandom(1000)], key, CipherMode.AES_256_GCM, max_bytes=1000)
    path = tmp_path / "objects" / KEY
    damaged = bytearray(path.read_bytes())
    damaged[600] ^= 0x01
    path.write_bytes(bytes(damaged))
    with pytest.raises(ObjectCorrupted):
        b"".join(store.open(KEY, key, CipherMode.AES_256_GCM))


def test_exactly_max_bytes_is_accepted(store):
    stored = store.put(KEY, pieces(bytes(3000)), data_key(), CipherMode.AES_256_GCM, max_bytes=3000)
    assert stored.size == 3000


def test_oversize_put_stops_reading_and_leaves_no_file(store, tmp_path):
    pulled = []

    def upload() -> Iterator[bytes]:
        for _ in range(1000):
            pulled.append(1)
            yield bytes(100)

    with pytest.raises(ObjectTooLarge) as caught:
        store.put(KEY, upload(), data_key(), CipherMode.AES_256_GCM, max_bytes=1000)
    assert caught.value.max_bytes == 1000
    assert len(pulled) == 11
    assert files_under(tmp_path / "objects") == []


def test_failing_upload_leaves_no_file(store, tmp_path):
    def upload() -> Iterator[bytes]:
        yield bytes(5000)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        store.put(KEY, upload(), data_key(), CipherMode.AES_256_GCM, max_bytes=10_000)
    assert files_under(tmp_path / "objects") == []


def test_failed_put_leaves_the_previous_object_intact(store):
    key = data_key()
    store.put(KEY, [b"first version"], key, CipherMode.AES_256_GCM, max_bytes=100)
    with pytest.raises(ObjectTooLarge):
        store.put(KEY, [bytes(101)], key, CipherMode.AES_256_GCM, max_bytes=100)
    assert b"".join(store.open(KEY, key, CipherMode.AES_256_GCM)) == b"first version"


def test_put_replaces_an_existing_object(store):
    key = data_key()
    store.put(KEY, [b"first"], key, CipherMode.AES_256_GCM, max_bytes=100)
    store.put(KEY, [b"second"], key, CipherMode.AES_256_GCM, max_bytes=100)
    assert b"".join(store.open(KEY, key, CipherMode.AES_256_GCM)) == b"second"


def test_wrapped_data_key_round_trip_through_the_store(store):
    ring = KeyRing("m" * 64)
    plain, wrapped = ring.new_data_key(CipherMode.SM4_GCM)
    store.put(KEY, [b"rows"], plain, CipherMode.SM4_GCM, max_bytes=100)
    opened = store.open(KEY, ring.unwrap(wrapped, CipherMode.SM4_GCM), CipherMode.SM4_GCM)
    assert b"".join(opened) == b"rows"


ESCAPING_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "products/../../outside",
    "products/..",
    "products\\p1",
    "Products/p1",
    ".hidden",
    "products/.x.part",
    "products//p1",
    "products/p1/",
    "products/./p1",
    "products/p1\n",
    "products/p\x00",
    "x" * 513,
]


@pytest.mark.parametrize("key", ESCAPING_KEYS, ids=repr)
def test_unsafe_keys_are_refused_by_every_method(store, key):
    with pytest.raises(InvalidObjectKey):
        store.put(key, [b"x"], data_key(), CipherMode.AES_256_GCM, max_bytes=1)
    with pytest.raises(InvalidObjectKey):
        store.open(key, data_key(), CipherMode.AES_256_GCM)
    with pytest.raises(InvalidObjectKey):
        store.delete(key)
    with pytest.raises(InvalidObjectKey):
        store.exists(key)


def test_invalid_key_is_a_value_error():
    with pytest.raises(ValueError):
        check_object_key("../x")


def test_a_symlink_planted_in_the_root_cannot_lead_outside(tmp_path):
    root = tmp_path / "objects"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "products").symlink_to(tmp_path / "outside")
    store = LocalObjectStore(root)
    with pytest.raises(InvalidObjectKey):
        store.put(KEY, [b"x"], data_key(), CipherMode.AES_256_GCM, max_bytes=1)
    assert list((tmp_path / "outside").iterdir()) == []


def test_new_object_keys_are_fresh_and_valid():
    first, second = new_object_key("p1"), new_object_key("p1")
    assert re.fullmatch(r"products/p1/[0-9a-f]{32}", first)
    assert first != second


def test_new_object_key_refuses_an_unsafe_prefix():
    with pytest.raises(InvalidObjectKey):
        new_object_key("../p1")


def test_local_store_satisfies_the_port(tmp_path):
    store: ObjectStore = LocalObjectStore(tmp_path)
    assert callable(store.put)
