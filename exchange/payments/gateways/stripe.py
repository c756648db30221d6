"""Stripe: a PaymentIntent per contract through `StripeClient`, refunds, and signed webhooks.

The client is built once from configuration (never `stripe.api_key = …`); every request that
creates something carries an idempotency key derived from the contract, so asking twice,
even after a timeout, creates one PaymentIntent and one Refund.
"""

from __future__ import annotations

import time

import stripe

from exchange.kernel.i18n import N_
from exchange.payments.domain import Gateway
from exchange.payments.gateways import (
    BadWebhook,
    Charge,
    Collection,
    GatewayFailed,
    RefundRequest,
    RefundResult,
    WebhookEvent,
    to_fen,
)
from exchange.payments.gateways.stripe_events import reduce_event

TOLERANCE_SECONDS = 300
OUTSIDE_TOLERANCE = N_(
    "The webhook's timestamp is outside the tolerance: too old, or in the future."
)


class StripeGateway:
    """Card payments through Stripe's PaymentIntents API."""

    kind = Gateway.STRIPE

    def __init__(self, secret_key: str, *, api_base: str | None = None) -> None:
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,  # safe: every creating request carries an idempotency key
        )

    def collect(self, charge: Charge) -> Collection:
        """Create (or, with the same key, find again) the contract's PaymentIntent."""
        try:
            intent = self._client.v1.payment_intents.create(
                {
                    "amount": to_fen(charge.amount),
                    "currency": charge.currency.lower(),
                    "description": f"Ganshu contract {charge.contract_number}",
                    "metadata": {
                        "contract_id": str(charge.contract_id),
                        "contract_number": charge.contract_number,
                        "reference": charge.reference,
                    },
                },
                options={"idempotency_key": charge.idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayFailed() from error
        return Collection(external_id=intent.id, client_secret=intent.client_secret)

    def resume(self, charge: Charge, external_id: str | None) -> Collection:
        """The PaymentIntent as it stands, for its client secret."""
        if external_id is None:
            return self.collect(charge)
        try:
            intent = self._client.v1.payment_intents.retrieve(external_id)
        except stripe.StripeError as error:
            raise GatewayFailed() from error
        return Collection(external_id=intent.id, client_secret=intent.client_secret)

    def captured(self, external_id: str) -> bool:
        """Whether the PaymentIntent has succeeded (its money is captured)."""
        try:
            intent = self._client.v1.payment_intents.retrieve(external_id)
        except stripe.StripeError as error:
            raise GatewayFailed() from error
        return bool(intent.status == "succeeded")

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund the whole PaymentIntent; the key is the contract's, so it refunds once."""
        try:
            refund = self._client.v1.refunds.create(
                {
                    "payment_intent": request.external_id or "",
                    "amount": to_fen(request.amount),
                    "reason": "requested_by_customer",
                    "metadata": {"contract_id": str(request.contract_id)},
                },
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayFailed() from error
        return RefundResult(external_id=refund.id, status=str(refund.status))


def read_webhook(
    payload: bytes,
    sig_header: str | None,
    secret: str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> WebhookEvent:
    """Verify a webhook's signature over the raw body, refuse a timestamp outside the tolerance
    either way (Stripe's SDK only refuses the past), and read the event strictly."""
    now = time.time() if now is None else now
    try:
        payload.decode("utf-8")  # Stripe's SDK decodes it unguarded
    except UnicodeDecodeError:
        raise BadWebhook(N_("The webhook's body is not UTF-8 text.")) from None
    try:
        stripe.WebhookSignature.verify_header(payload, sig_header, secret, tolerance)
    except stripe.SignatureVerificationError:
        if _outside_tolerance(sig_header, tolerance, now):
            raise BadWebhook(OUTSIDE_TOLERANCE) from None
        raise BadWebhook(N_("The webhook's signature does not match its body.")) from None
    if _outside_tolerance(sig_header, tolerance, now):
        raise BadWebhook(OUTSIDE_TOLERANCE)
    return reduce_event(payload)


def _outside_tolerance(sig_header: str | None, tolerance: int, now: float) -> bool:
    """True when the header is well formed but its timestamp is too old or in the future."""
    for item in (sig_header or "").split(","):
        name, _, value = item.partition("=")
        if name.strip() == "t" and value.strip().isdigit():
            return abs(now - int(value.strip()[:12])) > tolerance
    return False
