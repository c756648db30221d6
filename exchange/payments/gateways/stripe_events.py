"""Signed Stripe events, read strictly.

A valid signature proves who sent a body, not that its fields have the types and sizes the
exchange stores and compares: each field is checked here, and an event that fails is refused
(400) and logged, never half-applied or turned into a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from exchange.kernel import json_depth
from exchange.kernel.i18n import N_
from exchange.payments.gateways import BadWebhook, WebhookEvent

log = logging.getLogger(__name__)

MAX_ID = 255  # the stored event and PaymentIntent ids
MAX_TYPE = 100
MAX_METADATA = 50  # Stripe's own limits on metadata: 50 keys of 40 characters, values of 500
MAX_METADATA_KEY = 40
MAX_METADATA_VALUE = 500
MAX_FEN = 99_999_999_999_999  # the largest amount a money column holds, in fen
MAX_CREATED = 253_402_300_799  # 9999-12-31T23:59:59Z


class MalformedEvent(BadWebhook):
    """The event verified but is not a Stripe event the exchange can read."""

    code = "malformed-webhook"
    title = N_("The webhook's event is not one the exchange can read.")


def reduce_event(payload: bytes) -> WebhookEvent:
    """The verified body as a WebhookEvent, or MalformedEvent naming the first bad field."""
    try:
        event = json_depth.loads(payload)
    except ValueError:
        raise _malformed("body", "not UTF-8 JSON of a sane depth") from None
    event = _object(event, "event")
    obj = _object(_object(event.get("data"), "data").get("object"), "data.object")
    kind = obj.get("object")
    intent_field = "id" if kind == "payment_intent" else "payment_intent"
    if kind == "charge":
        amount = _amount(obj, "amount_refunded")
        fully_refunded = _flag(obj, "refunded") or amount == _amount(obj, "amount")
    else:
        amount = _amount(obj, "amount_received")
        fully_refunded = False
    return WebhookEvent(
        event_id=_text(event, "id", MAX_ID),
        event_type=_text(event, "type", MAX_TYPE),
        created=_whole(event, "created", MAX_CREATED),
        payment_external_id=_text(obj, intent_field, MAX_ID, required=False) or None,
        metadata=_metadata(obj.get("metadata")),
        amount=amount,
        fully_refunded=fully_refunded,
        payload=event,
    )


def _malformed(field: str, why: str) -> MalformedEvent:
    log.warning("Refused a signed but malformed Stripe event: %s is %s", field, why)
    return MalformedEvent(
        N_("The webhook's event has an unreadable field: %(field)s."), field=field
    )


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _malformed(field, "not an object")
    return value


def _text(obj: Mapping[str, Any], field: str, limit: int, *, required: bool = True) -> str:
    value = obj.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _malformed(field, f"not a string of 1 to {limit} characters")
    return value


def _whole(obj: Mapping[str, Any], field: str, limit: int) -> int:
    value = obj.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise _malformed(field, f"not a whole number from 0 to {limit}")
    return value


def _amount(obj: Mapping[str, Any], field: str) -> int | None:
    return None if obj.get(field) is None else _whole(obj, field, MAX_FEN)


def _flag(obj: Mapping[str, Any], field: str) -> bool:
    value = obj.get(field, False)
    if not isinstance(value, bool):
        raise _malformed(field, "not true or false")
    return value


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    metadata = _object(value, "metadata")
    if len(metadata) > MAX_METADATA:
        raise _malformed("metadata", f"more than {MAX_METADATA} keys")
    for key, item in metadata.items():
        if len(key) > MAX_METADATA_KEY or not isinstance(item, str | int | float | bool):
            raise _malformed("metadata", "not a map of short keys to plain values")
        if len(str(item)) > MAX_METADATA_VALUE:
            raise _malformed("metadata", f"holding a value longer than {MAX_METADATA_VALUE}")
    return {key: str(item) for key, item in metadata.items()}
