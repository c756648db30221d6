"""Which personal columns reach a buyer in which form: the listing's, the contract's, the copy's.

Each personal column (detected, or declared by the vendor) is delivered masked or
pseudonymised by default: identifiers (ID, phone, card, e-mail, passport numbers) as a keyed
per-buyer token, so the buyer can still join on them; free text the vendor declares personal
(names, addresses) masked, since a token of an address is of little use. A column goes raw
only when the vendor states a legal basis under PIPL Art. 13 and a regulator has approved
that column on that basis; anything less is delivered in the default form, never raw. A
contract freezes the forms it was made on; downloads follow the contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from exchange.catalog.domain import PERSONAL_KINDS, DeliveryForm, LegalBasis, Sensitivity
from exchange.catalog.ingest.masking import ColumnForm
from exchange.catalog.models import DataProduct
from exchange.kernel.errors import Conflict, ValidationFailed
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow

FACTS_KEY = "personal_information"


class ColumnFact(TypedDict):
    """A personal column as a contract's facts and the product page state it: kind and form."""

    column: str
    kind: str
    form: str


def default_form(kind: Sensitivity) -> DeliveryForm:
    """Tokens for identifiers (joins keep working), masks for declared free text."""
    return DeliveryForm.MASKED if kind is Sensitivity.DECLARED else DeliveryForm.PSEUDONYMISED


def column_kind(field: Mapping[str, Any]) -> Sensitivity | None:
    """The kind of personal information a column of a version holds, or None."""
    value = field.get("sensitivity")
    kind = Sensitivity(value) if value in set(Sensitivity) else None
    if kind is None and field.get("personal"):
        kind = Sensitivity.DECLARED
    return kind if kind in PERSONAL_KINDS else None


def chosen_form(field: Mapping[str, Any], kind: Sensitivity) -> DeliveryForm:
    """The form the vendor chose for the column, or the default."""
    value = field.get("form")
    return DeliveryForm(value) if value in set(DeliveryForm) else default_form(kind)


def listed_forms(fields: Iterable[Mapping[str, Any]]) -> list[ColumnForm]:
    """Every personal column of a version with the form the vendor lists it in."""
    found = []
    for field in fields:
        kind = column_kind(field)
        if kind is not None:
            found.append(ColumnForm(str(field["name"]), kind, chosen_form(field, kind)))
    return found


def raw_columns(fields: Iterable[Mapping[str, Any]]) -> list[str]:
    """The columns the vendor wants delivered raw."""
    return sorted(f.column for f in listed_forms(fields) if f.form is DeliveryForm.RAW)


def approved_raw(product: DataProduct) -> frozenset[str]:
    """The columns a regulator approved for raw delivery on the basis the vendor still states."""
    approval = product.pi_raw_approval or {}
    basis = product.pi_legal_basis
    if not basis or approval.get("legal_basis") != basis:
        return frozenset()
    return frozenset(str(column) for column in approval.get("columns", []))


def delivered_forms(
    fields: Iterable[Mapping[str, Any]],
    approved: frozenset[str],
    stated: Mapping[str, str] | None = None,
) -> dict[str, ColumnForm]:
    """The form each personal column is delivered in: the contract's (`stated`) where it names
    the column, else the listing's; raw only where approved, else the default form."""
    forms = {}
    for listed in listed_forms(fields):
        form = listed.form
        if stated is not None:
            named = stated.get(listed.column)
            form = DeliveryForm(named) if named in set(DeliveryForm) else default_form(listed.kind)
        if form is DeliveryForm.RAW and listed.column not in approved:
            form = default_form(listed.kind)
        forms[listed.column] = ColumnForm(listed.column, listed.kind, form)
    return forms


def facts(forms: Mapping[str, ColumnForm]) -> list[ColumnFact]:
    """The forms as a contract's canonical facts list them."""
    return [
        ColumnFact(column=f.column, kind=f.kind.value, form=f.form.value) for f in forms.values()
    ]


def stated_forms(canonical: str) -> dict[str, str] | None:
    """The forms a contract states, by column; None for a contract from before they were."""
    try:
        document = json.loads(canonical)
    except ValueError:
        return None
    listed = document.get(FACTS_KEY) if isinstance(document, dict) else None
    if not isinstance(listed, list):
        return None
    return {str(item.get("column")): str(item.get("form")) for item in listed}


def page_forms(product: DataProduct, fields: Sequence[Mapping[str, Any]]) -> list[ColumnFact]:
    """The forms the product page shows: what a buyer would receive today, column by column."""
    return facts(delivered_forms(fields, approved_raw(product)))


def approve_raw(product: DataProduct, columns: Sequence[str], regulator_id: int) -> None:
    """Record the regulator's approval of these raw columns on the vendor's stated basis."""
    product.pi_raw_approval = (
        {
            "columns": sorted(columns),
            "legal_basis": product.pi_legal_basis,
            "by": regulator_id,
            "at": utcnow().isoformat(),
        }
        if columns
        else None
    )


def check_forms(product: DataProduct, fields: Iterable[Mapping[str, Any]], *, listed: bool) -> None:
    """Refuse a raw column without a stated basis, or, on a listing already approved, one the
    regulator did not approve (a new raw column needs a new review)."""
    wanted = raw_columns(fields)
    if not wanted:
        return
    if product.pi_legal_basis not in set(LegalBasis):
        raise ValidationFailed.on(
            "legal_basis",
            N_("State the legal basis (PIPL Art. 13) before delivering personal data raw."),
        )
    if listed and not set(wanted) <= approved_raw(product):
        raise Conflict(
            N_(
                "Raw delivery of personal data needs a regulator's approval; it cannot be "
                "added to a listed product. Deliver the column masked or pseudonymised."
            )
        )
