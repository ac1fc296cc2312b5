"""Cards and wallets through Stripe, on the official `stripe` library.

A Checkout Session is created with idempotency_key = our intent's public id, so a retry after a crash finds the
same session; our intent id travels in the metadata of the session and of its PaymentIntent. Webhooks are verified
with stripe.Webhook.construct_event (Stripe-Signature, 300 s tolerance). Keys come from the environment:
STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET. Tests give the library a fake HTTP client (its http_client), so they
exercise the real request building and response parsing without the network.
"""

import json

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from carebridge.billing.providers import secret
from carebridge.billing.providers.base import (
    PaymentProvider,
    ProviderNotConfigured,
    ProviderStatus,
    ProviderUnavailable,
    to_minor_units,
)
from carebridge.billing.providers.signing import HEADER, forged, header_of, stale
from carebridge.billing.providers.stripe_events import INTENT_KEY, REFUND_KEY, event_from_payload

NAME = "stripe"
TOLERANCE = 300


class StripeProvider(PaymentProvider):
    """Stripe Checkout for cards (and the wallets Stripe offers on its page)."""

    name = NAME
    label = "Stripe"
    http_client = None  # tests put a stripe.HTTPClient here

    def __init__(self, *, api_key=None, webhook_secret=None, http_client=None):
        self.api_key = api_key or secret("STRIPE_SECRET_KEY")
        self.webhook_secret = webhook_secret or secret("STRIPE_WEBHOOK_SECRET")
        self.http_client = http_client or type(self).http_client

    @property
    def configured(self):
        return bool(self.api_key and self.webhook_secret)

    def _client(self):
        if not self.api_key:
            raise ProviderNotConfigured()
        return stripe.StripeClient(self.api_key, http_client=self.http_client, max_network_retries=2)

    def _call(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except stripe.StripeError as exc:
            raise ProviderUnavailable(details={"provider": NAME, "error": type(exc).__name__}) from exc

    def create_checkout(self, intent):
        """Create (or, with the same idempotency key, find again) the Checkout Session of an intent."""
        client = self._client()
        back = settings.SITE_URL + reverse("billing:pay_return", args=[intent.public_id])
        metadata = {INTENT_KEY: str(intent.public_id), "hospital": intent.hospital.slug}
        session = self._call(client.v1.checkout.sessions.create, {
            "mode": "payment",
            "client_reference_id": str(intent.public_id),
            "success_url": back,
            "cancel_url": back,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "line_items": [{"quantity": 1, "price_data": {
                "currency": intent.currency.lower(),
                "unit_amount": to_minor_units(intent.amount, intent.currency),
                "product_data": {"name": intent.hospital.name}}}],
        }, {"idempotency_key": str(intent.public_id)})
        return session.id, session.url

    def refund(self, refund):
        """Refund part or all of the payment's PaymentIntent; Stripe confirms by webhook (or at once)."""
        client = self._client()
        result = self._call(client.v1.refunds.create, {
            "payment_intent": refund.payment.reference,
            "amount": to_minor_units(refund.amount, refund.currency),
            "metadata": {REFUND_KEY: str(refund.public_id)},
        }, {"idempotency_key": f"refund-{refund.public_id}"})
        state = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(result.status, "pending")
        return result.id, state

    def parse_webhook(self, body, headers):
        """Verify with stripe.Webhook.construct_event; a wrong or missing signature and a stale one are both 400."""
        if not self.webhook_secret:
            raise ProviderNotConfigured()
        signature = header_of(headers, HEADER)
        try:
            event = stripe.Webhook.construct_event(body, signature, self.webhook_secret, tolerance=TOLERANCE)
        except stripe.SignatureVerificationError as exc:
            raise (stale() if "tolerance" in str(exc).lower() else forged()) from None
        except ValueError:
            raise forged() from None
        return self.event_from_payload(event.to_dict() if hasattr(event, "to_dict") else json.loads(body))

    def event_from_payload(self, payload):
        return event_from_payload(payload)

    def retrieve(self, intent):
        """Ask Stripe about the intent's Checkout Session."""
        if not intent.provider_reference:
            return ProviderStatus(state="unknown")
        session = self._call(self._client().v1.checkout.sessions.retrieve, intent.provider_reference)
        if session.payment_status == "paid":
            return ProviderStatus(state="succeeded", payment_reference=session.payment_intent or "")
        if session.status == "expired":
            return ProviderStatus(state="failed", failure=_("The payment page expired."))
        return ProviderStatus(state="pending")
