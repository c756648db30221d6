"""Password policy and argon2id hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from exchange.accounts.passwords import (
    FULL_COST,
    hash_password,
    hashing_cost,
    needs_rehash,
    password_problem,
    set_hashing_cost,
    verify_password,
)

GOOD = "Copper-Ledger-2026"
TOO_COMMON = "This password is too common; choose another."


@pytest.fixture(autouse=True)
def full_cost():
    """Hashing as production does it, whatever an app made earlier in this process chose."""
    before = hashing_cost()
    set_hashing_cost(FULL_COST)
    yield
    set_hashing_cost(before)


def test_good_password_is_accepted():
    assert password_problem(GOOD, email="chen.li@example.cn") is None


def test_seven_characters_are_too_short():
    assert password_problem("Qz7#kLm", email="") == "Use at least 8 characters."


def test_eight_characters_are_enough():
    assert password_problem("Qz7#kLm2") is None


def test_128_characters_are_accepted():
    assert password_problem("Qz7#kLm2" * 16) is None


def test_129_characters_are_too_long():
    assert password_problem("Qz7#kLm2" * 16 + "x") == "Use at most 128 characters."


@pytest.mark.parametrize(
    "password", ["password123", "12345678", "woaini1314", "qq123456", "Password123"]
)
def test_common_passwords_are_refused(password):
    assert password_problem(password) == TOO_COMMON


def test_email_local_part_is_refused_as_password():
    assert password_problem("Zhang.Wei-2026", email="zhang.wei-2026@example.cn") == TOO_COMMON


def test_email_local_part_of_someone_else_is_not_refused():
    assert password_problem("Zhang.Wei-2026", email="liu.jianhua@example.cn") is None


def test_hash_is_argon2id():
    assert hash_password(GOOD).startswith("$argon2id$")


def test_hash_verifies_its_password():
    assert verify_password(hash_password(GOOD), GOOD) is True


def test_wrong_password_does_not_verify():
    assert verify_password(hash_password(GOOD), GOOD + "!") is False


def test_same_password_hashes_differently_each_time():
    assert hash_password(GOOD) != hash_password(GOOD)


def test_missing_account_never_verifies():
    assert verify_password(None, GOOD) is False


def test_malformed_stored_hash_does_not_verify():
    assert verify_password("not-a-hash", GOOD) is False


def test_fresh_hash_needs_no_rehash():
    assert needs_rehash(hash_password(GOOD)) is False


def test_weaker_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    assert verify_password(weak, GOOD) is True
    assert needs_rehash(weak) is True
