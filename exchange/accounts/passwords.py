"""Password hashing (argon2id) and the policy every new password must meet."""

from __future__ import annotations

from dataclasses import astuple
from functools import lru_cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from exchange.kernel.i18n import N_

MIN_LENGTH = 8
MAX_LENGTH = 128
# Passwords common on Chinese sites that the English-language list misses.
EXTRA_COMMON = frozenset(
    {
        "woaini1314",
        "5201314",
        "1314520",
        "a123456",
        "aa123456",
        "qq123456",
        "woaini520",
        "ganshu123",
        "jiangxi123",
        "nanchang123",
    }
)

# RFC 9106's second recommendation (argon2-cffi's default): 64 MiB, 3 passes, 4 lanes.
FULL_COST = profiles.RFC_9106_LOW_MEMORY
# argon2's cheapest parameters: for test mode only, where thousands of accounts are made.
TEST_COST = profiles.CHEAPEST

_cost = FULL_COST
_hasher = PasswordHasher.from_parameters(FULL_COST)


def set_hashing_cost(parameters: Parameters) -> None:
    """Hash new passwords with these parameters; create_app picks them by mode."""
    global _cost, _hasher
    _cost, _hasher = parameters, PasswordHasher.from_parameters(parameters)


def hashing_cost() -> Parameters:
    """The parameters new passwords are hashed with in this process."""
    return _cost


@lru_cache(maxsize=2)
def _dummy_hash(cost: tuple[object, ...]) -> str:
    """A hash at the current cost, so a missing account takes as long as a wrong password."""
    return _hasher.hash("not a real password, only spends the same time")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | EXTRA_COMMON


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 8 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 128 characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or lowered == email.lower().partition("@")[0]:
        return N_("This password is too common; choose another.")
    return None


def hash_password(password: str) -> str:
    """An argon2id hash with a fresh salt."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password in constant time, spending the same effort when there is no account."""
    try:
        stored = stored_hash or _dummy_hash(astuple(_cost))
        return _hasher.verify(stored, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
