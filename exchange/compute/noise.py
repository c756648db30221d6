"""Laplace noise from OpenDP, each mechanism built for a sensitivity and an epsilon and checked
by OpenDP's own privacy map before it is used."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import opendp.prelude as dp


def noisy_count(value: int, epsilon: float) -> int:
    """The count plus discrete Laplace noise: one row moves a count by at most 1."""
    return int(_mechanism("i64", 1.0, epsilon)(int(value)))


def noisy_sum(value: float, bound: float, epsilon: float) -> float:
    """A clamped sum plus Laplace noise: one row moves it by at most `bound`, the larger of
    the clamp bounds' magnitudes."""
    if bound == 0:
        return float(value)  # every value clamps to 0: the sum says nothing about any row
    return float(_mechanism("f64", bound, epsilon)(float(value)))


@lru_cache(maxsize=256)
def _mechanism(atom: str, sensitivity: float, epsilon: float) -> Any:
    """OpenDP's Laplace measurement with scale sensitivity/epsilon, refused if its privacy
    map says it spends more than epsilon."""
    if not epsilon > 0 or not sensitivity > 0:
        raise ValueError("noise needs a positive epsilon and sensitivity")
    dp.enable_features("contrib")
    measurement: Any = dp.m.make_laplace(
        dp.atom_domain(T=atom, nan=False) if atom == "f64" else dp.atom_domain(T=atom),
        dp.absolute_distance(T=atom),
        scale=sensitivity / epsilon,
    )
    d_in = int(sensitivity) if atom == "i64" else sensitivity
    spent = float(measurement.map(d_in))
    if spent > epsilon * (1 + 1e-9):
        raise ValueError(f"the mechanism spends {spent}, more than {epsilon}")
    return measurement
