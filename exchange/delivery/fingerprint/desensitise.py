"""A buyer's copy with its personal information in the form the contract states, per column.

Pure, like the marks: columns in, changed cells out. A personal column is masked (its kind's
mask, e.g. 138****5678), pseudonymised (a token keyed for the buyer, so equal values give
equal tokens and joins across the buyer's files still work) or left raw (only where the
delivery service found a stated legal basis and a regulator's approval). Every other column
is read too: a personal value written inside it (a phone number in a remark) is masked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exchange.catalog.domain import DeliveryForm
from exchange.catalog.ingest.masking import (
    ColumnForm,
    detect,
    mask_text,
    mask_value,
    pseudonymise_value,
)
from exchange.delivery.fingerprint.marks import Change


def changes(
    names: Sequence[str],
    columns: Sequence[Sequence[Any]],
    forms: Mapping[str, ColumnForm],
    key: bytes,
) -> list[Change]:
    """The cells to rewrite so the copy holds personal values only in their stated form."""
    found: list[Change] = []
    for index, (name, values) in enumerate(zip(names, columns, strict=True)):
        form = forms.get(name)
        if form is not None and form.form is DeliveryForm.RAW:
            continue
        for row, value in enumerate(values):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            new = _rewrite(value, form, key)
            if new is not None and new != value:
                found.append(Change(index, row, new))
    return found


def _rewrite(value: Any, form: ColumnForm | None, key: bytes) -> Any | None:
    """The cell in its delivered form, or None to leave it."""
    if form is None:
        if isinstance(value, str):
            return mask_text(value)
        # Only numbers of ten or more digits can be phone, ID or card numbers.
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e10:
            kind = detect(value)
            return None if kind is None else mask_value(value, kind)
        return None
    if form.form is DeliveryForm.PSEUDONYMISED:
        return pseudonymise_value(value, form.kind, key)
    return mask_value(value, form.kind)
