"""Pages use the API's marshmallow schemas: load the posted form, show errors in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields
from werkzeug.wrappers import Response

from exchange.http.i18n import translate
from exchange.http.problems import flatten_errors
from exchange.kernel.errors import ExchangeError

# Errors shown on the same form (a refusal too: the page says why in place, the state it raced
# with shows); anything else goes to the error page.
FORM_STATUSES = frozenset({400, 401, 403, 409, 413, 422, 429})


def form_input(schema: Schema) -> dict[str, Any]:
    """The posted values for the schema's fields, checkbox lists as lists.

    A blank optional field means "none"; a blank required field is left out so the schema says
    it is required, or, when editing (partial), kept blank so the schema refuses to clear it.
    """
    data: dict[str, Any] = {}
    for name, field in schema.load_fields.items():
        if isinstance(field, fields.List):
            data[name] = [value for value in request.form.getlist(name) if value]
        elif isinstance(field, fields.Boolean):
            data[name] = name in request.form
        elif request.form.get(name, "").strip():
            data[name] = request.form[name]
        elif name in request.form and field.allow_none:
            data[name] = None
        elif name in request.form and schema.partial:
            data[name] = ""
    return data


def submit_form(
    schema: Schema,
    template: str,
    action: Callable[[dict[str, Any]], Response],
    **context: Any,
) -> Response | tuple[Any, ...]:
    """Load the form, run the action; on a fixable error re-render with messages and input kept."""
    try:
        return action(schema.load(form_input(schema)))
    except (ValidationError, ExchangeError) as error:
        return form_error_page(template, error, **context)


def form_error_page(
    template: str, error: ValidationError | ExchangeError, **context: Any
) -> tuple[Any, ...]:
    """The page again for a fixable error, its messages in place; any other error is raised."""
    if isinstance(error, ValidationError):
        detail = gettext("Some fields are not valid")
        return render_form(template, 422, detail, flatten_errors(error.messages), **context)
    if error.status not in FORM_STATUSES:
        raise error
    errors = {
        field: [translate(m, **error.params) for m in msgs] for field, msgs in error.errors.items()
    }
    page = render_form(
        template, error.status, translate(error.detail, **error.params), errors, **context
    )
    retry_after = getattr(error, "retry_after", None)
    return (*page, {"Retry-After": str(retry_after)}) if retry_after else page


def render_form(
    template: str, status: int, detail: str, errors: dict[str, list[str]], **context: Any
) -> tuple[str, int]:
    """The same page again, with the message on top, each field's error beside it."""
    context.setdefault("values", request.form)
    return render_template(template, form_detail=detail, errors=errors, **context), status
