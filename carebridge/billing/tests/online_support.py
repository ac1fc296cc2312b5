"""Helpers of the online payment tests: Stripe-shaped events signed the way Stripe signs them, and their delivery."""

import json
import time
import uuid

from django.test import Client

from carebridge.billing.providers.base import to_minor_units
from carebridge.billing.providers.sandbox import webhook_secret
from carebridge.billing.providers.signing import signature_header
from carebridge.billing.providers.stripe_events import INTENT_KEY, REFUND_KEY


def succeeded_event(intent, *, event_id=None):
    return {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": "payment_intent.succeeded",
            "created": int(time.time()), "data": {"object": {
                "id": intent.provider_reference, "object": "payment_intent", "status": "succeeded",
                "amount": to_minor_units(intent.amount, intent.currency), "currency": intent.currency.lower(),
                "metadata": {INTENT_KEY: str(intent.public_id)}}}}


def failed_event(intent, *, event_id=None):
    event = succeeded_event(intent, event_id=event_id)
    event["type"] = "payment_intent.payment_failed"
    event["data"]["object"].update(status="requires_payment_method",
                                   last_payment_error={"message": "Your card was declined."})
    return event


def refunded_event(intent, *, amount, refund_id="", reference=None, event_id=None):
    refund = {"id": reference or f"re_{uuid.uuid4().hex[:16]}", "object": "refund", "status": "succeeded",
              "amount": to_minor_units(amount, intent.currency), "metadata": {REFUND_KEY: refund_id} if refund_id else {}}
    return {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": "charge.refunded",
            "created": int(time.time()), "data": {"object": {
                "id": f"ch_{intent.provider_reference}", "object": "charge", "payment_intent": intent.provider_reference,
                "currency": intent.currency.lower(), "amount_refunded": refund["amount"],
                "metadata": {INTENT_KEY: str(intent.public_id)}, "refunds": {"data": [refund]}}}}


def signed(event, *, secret=None, timestamp=None):
    """Return (body bytes, Stripe-Signature header) for an event."""
    body = json.dumps(event).encode()
    return body, signature_header(body, secret or webhook_secret(), timestamp=timestamp)


def deliver(event, *, provider="sandbox", secret=None, timestamp=None, header=None):
    """POST an event to our webhook endpoint as the provider would; return the response."""
    body, signature = signed(event, secret=secret, timestamp=timestamp)
    return Client().post(f"/billing/webhooks/{provider}/", data=body, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=header if header is not None else signature)
