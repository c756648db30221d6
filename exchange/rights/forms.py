"""The rights registry's HTML forms: one flat form per step, shaped into what the services take.

The registration form has one block of inputs per right (`claim_<right>`, `uses_<right>`,
`territory_<right>`, `exclusive_<right>`, `starts_on_<right>`, `ends_on_<right>`); the schema
turns the claimed blocks into the application's list of rights. The services check the rest
(collisions, sources, documents), and their errors come back as field errors.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema
from werkzeug.datastructures import MultiDict

from exchange.catalog.domain import Territory, UseScope
from exchange.http.schemas import BaseSchema, text
from exchange.rights.documents import Document
from exchange.rights.domain import RightKind, RightSource

RIGHTS = tuple(RightKind)
GRANT_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_GRANTS = 20


def _choice(values: Any) -> fields.String:
    return fields.String(
        required=True,
        validate=validate.OneOf([v.value for v in values], error=_l("Choose one of the options.")),
    )


def _day(required: bool) -> fields.Date:
    return fields.Date(
        load_default=None,
        allow_none=not required,
        error_messages={"invalid": _l("Enter a date as YYYY-MM-DD.")},
    )


class GrantIds(fields.Field[list[int]]):
    """Licence grant numbers typed on one line, separated by commas or spaces."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[int]:
        parts = [p for p in GRANT_SEPARATORS.split(str(value or "")) if p]
        if not all(p.isdigit() for p in parts):
            raise ValidationError(str(_l("Enter licence numbers separated by commas.")))
        if len(parts) > MAX_GRANTS:
            raise ValidationError(str(_l("Enter at most %(count)s licences.", count=MAX_GRANTS)))
        return list(dict.fromkeys(int(p) for p in parts))


class _RegistrationForm(BaseSchema):
    """The registration form; its per-right fields are added by `registration_form`."""

    source = _choice(RightSource)
    source_reference = text(200, required=False)
    basis_grant_ids = GrantIds(load_default=list, allow_none=True)

    @validates_schema
    def _one_right_at_least(self, data: dict[str, Any], **kwargs: Any) -> None:
        claimed = [right for right in RIGHTS if data.get(f"claim_{right}")]
        if not claimed:
            raise ValidationError(_l("Claim at least one of the three rights."), "rights")
        missing = {
            f"starts_on_{right}": [_l("Say from which day the right is held.")]
            for right in claimed
            if data.get(f"starts_on_{right}") is None
        }
        if missing:
            raise ValidationError(missing)

    @post_load
    def _application(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            "rights": [
                {
                    "right": right.value,
                    "uses": data.get(f"uses_{right}") or [],
                    "territory": data[f"territory_{right}"],
                    "exclusive": data.get(f"exclusive_{right}", False),
                    "starts_on": data[f"starts_on_{right}"],
                    "ends_on": data.get(f"ends_on_{right}"),
                }
                for right in RIGHTS
                if data.get(f"claim_{right}")
            ],
            "source": data["source"],
            "source_reference": data.get("source_reference"),
            "basis_grant_ids": data.get("basis_grant_ids") or [],
        }


def _right_fields(right: RightKind) -> dict[str, fields.Field[Any]]:
    uses = fields.List(
        fields.String(
            validate=validate.OneOf([u.value for u in UseScope], error=_l("Choose a listed use."))
        ),
        load_default=list,
    )
    return {
        f"claim_{right}": fields.Boolean(load_default=False),
        f"uses_{right}": uses,
        f"territory_{right}": _choice(Territory),
        f"exclusive_{right}": fields.Boolean(load_default=False),
        f"starts_on_{right}": _day(required=True),
        f"ends_on_{right}": _day(required=False),
    }


RegistrationFormSchema = _RegistrationForm.from_dict(
    {name: field for right in RIGHTS for name, field in _right_fields(right).items()},
    name="RegistrationFormSchema",
)


def registration_defaults() -> MultiDict[str, Any]:
    """What the form starts with: every use, mainland China, exclusive, from today (a MultiDict,
    as the posted form is, so the template reads both alike)."""
    today = date.today().isoformat()
    values: dict[str, Any] = {"source": RightSource.SELF_GENERATED.value}
    for right in RIGHTS:
        values |= {
            f"uses_{right}": [u.value for u in UseScope],
            f"territory_{right}": Territory.MAINLAND.value,
            f"exclusive_{right}": "on",
            f"starts_on_{right}": today,
        }
    return MultiDict(values)


class ObjectionFormSchema(BaseSchema):
    """An objection: the reasons (the service says when they are missing or too long)."""

    reasons = fields.String(load_default="")


class DecisionFormSchema(BaseSchema):
    """An operator's decision on one objection."""

    decision = fields.String(load_default="")
    reason = fields.String(load_default="")


def posted_documents(name: str) -> list[Document]:
    """The files posted under this name (a file input left empty sends none)."""
    return [
        Document(filename=posted.filename, stream=posted.stream)
        for posted in request.files.getlist(name)
        if posted.filename
    ]
