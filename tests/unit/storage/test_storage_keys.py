"""Data keys wrapped under the master key: they open only with that key, mode and blob."""

from __future__ import annotations

import pytest

from exchange.storage import CipherMode, KeyRing, KeyUnwrapFailed, StorageError
from exchange.storage.ciphers import data_key_size

MODES = list(CipherMode)
MASTER = "6f" * 32


@pytest.mark.parametrize("mode", MODES)
def test_wrapped_key_unwraps_to_the_plain_key(mode):
    ring = KeyRing(MASTER)
    plain, wrapped = ring.new_data_key(mode)
    assert len(plain) == data_key_size(mode)
    assert ring.unwrap(wrapped, mode) == plain


@pytest.mark.parametrize("mode", MODES)
def test_the_same_master_key_unwraps_in_a_later_process(mode):
    plain, wrapped = KeyRing(MASTER).new_data_key(mode)
    assert KeyRing(MASTER).unwrap(wrapped, mode) == plain


def test_each_data_key_is_fresh():
    ring = KeyRing(MASTER)
    first, second = (ring.new_data_key(CipherMode.SM4_GCM) for _ in range(2))
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_wrapped_key_does_not_contain_the_plain_key():
    plain, wrapped = KeyRing(MASTER).new_data_key(CipherMode.AES_256_GCM)
    assert plain not in wrapped


@pytest.mark.parametrize("mode", MODES)
def test_wrong_master_key_fails(mode):
    _, wrapped = KeyRing(MASTER).new_data_key(mode)
    with pytest.raises(KeyUnwrapFailed, match="wrong master key"):
        KeyRing(MASTER[:-1] + "e").unwrap(wrapped, mode)


@pytest.mark.parametrize("mode", MODES)
def test_every_flipped_byte_of_a_wrapped_key_fails(mode):
    ring = KeyRing(MASTER)
    _, wrapped = ring.new_data_key(mode)
    for index in range(len(wrapped)):
        tampered = wrapped[:index] + bytes([wrapped[index] ^ 0x80]) + wrapped[index + 1 :]
        with pytest.raises(KeyUnwrapFailed):
            ring.unwrap(tampered, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cut", [slice(0, 0), slice(0, -1), slice(1, None)], ids=str)
def test_truncated_wrapped_key_fails(mode, cut):
    ring = KeyRing(MASTER)
    _, wrapped = ring.new_data_key(mode)
    with pytest.raises(KeyUnwrapFailed):
        ring.unwrap(wrapped[cut], mode)


def test_key_wrapped_for_one_mode_does_not_unwrap_as_the_other():
    ring = KeyRing(MASTER)
    _, wrapped = ring.new_data_key(CipherMode.AES_256_GCM)
    with pytest.raises(KeyUnwrapFailed):
        ring.unwrap(wrapped, CipherMode.SM4_GCM)


def test_unwrap_failure_is_a_storage_error():
    assert issubclass(KeyUnwrapFailed, StorageError)


def test_empty_master_key_is_refused():
    with pytest.raises(ValueError, match="master key"):
        KeyRing("")


def test_key_ring_does_not_show_its_secret():
    ring = KeyRing(MASTER)
    assert MASTER not in repr(ring)
    assert not hasattr(ring, "__dict__")
