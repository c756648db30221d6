"""Marks strings for translation without importing Flask; the web layer translates them."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Return the message unchanged; pybabel extracts it with the N_ keyword."""
    return message
