"""The sandbox provider: a local payment page for the demo and the tests, speaking Stripe's signed-webhook protocol.

Its checkout is a page of this site (/billing/sandbox/pay/<reference>/) where "Pay" or "Decline" stand in for the
bank. Each outcome is announced by an event shaped like Stripe's (payment_intent.succeeded,
payment_intent.payment_failed, charge.refunded), with a unique id, signed with the Stripe scheme and delivered by an
outbox job to /billing/webhooks/sandbox/ (over HTTP to settings.SITE_URL, or in-process where
BILLING_SANDBOX_WEBHOOKS="in_process", the default of the test profile); a failed delivery is retried by the job.
"""

import hashlib
import hmac
import json
import os
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from carebridge.billing.providers import secret
from carebridge.billing.providers.base import PaymentProvider, ProviderStatus, to_minor_units
from carebridge.billing.providers.sandbox_models import SandboxPayment, SandboxRefund
from carebridge.billing.providers.signing import HEADER, signature_verify
from carebridge.billing.providers.stripe_events import INTENT_KEY, REFUND_KEY, event_from_payload

NAME = "sandbox"
# Stripe's test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.
DECLINED_CARD = "4000000000000002"


def webhook_secret():
    """The sandbox's signing secret: SANDBOX_WEBHOOK_SECRET, else one derived from SECRET_KEY (same for web and worker)."""
    configured = secret("SANDBOX_WEBHOOK_SECRET")
    if configured:
        return configured
    return "whsec_" + hmac.new(settings.SECRET_KEY.encode(), b"carebridge sandbox webhooks", hashlib.sha256).hexdigest()


def delivery_mode():
    """'http' (post to SITE_URL) or 'in_process' (call the endpoint's handler directly)."""
    mode = getattr(settings, "BILLING_SANDBOX_WEBHOOKS", None) or os.environ.get("BILLING_SANDBOX_WEBHOOKS")
    return mode or ("in_process" if getattr(settings, "PROFILE", "") == "test" else "http")


def delivery_delay():
    """Seconds before a notification is sent (0: right after commit). The crash drill leaves them to the worker."""
    value = getattr(settings, "BILLING_SANDBOX_WEBHOOK_DELAY", None)
    if value is None:
        value = os.environ.get("BILLING_SANDBOX_WEBHOOK_DELAY", "0")
    return float(value)


def _event(kind, obj):
    return {"id": f"evt_sbx_{uuid.uuid4().hex}", "object": "event", "type": kind, "created": int(time.time()),
            "livemode": False, "data": {"object": obj}}


def _intent_object(payment, *, status, failure=""):
    obj = {"id": payment.reference, "object": "payment_intent", "amount": to_minor_units(payment.amount,
                                                                                           payment.currency),
           "currency": payment.currency.lower(), "status": status,
           "metadata": {INTENT_KEY: str(payment.intent_public_id)}, "latest_charge": f"ch_{payment.reference}"}
    if failure:
        obj["last_payment_error"] = {"code": "card_declined", "message": failure}
    return obj


def event_send(payload):
    """Queue the delivery of one notification (after the caller's commit); the job retries until it is answered."""
    from carebridge.core.jobs import job_enqueue

    delay = delivery_delay()
    job_enqueue(name="billing.webhook_deliver", provider=NAME, body=json.dumps(payload, separators=(",", ":")),
                delay=timedelta(seconds=delay) if delay else None)


def sandbox_pay(*, reference, action, card=""):
    """The bank's answer on the sandbox page: 'pay' (declined for the decline test card) or 'decline'.

    A payment already made is never made again (its notification is not sent twice); a declined one may be paid
    on a later attempt, as at a real provider.
    """
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().get(reference=reference)
        if payment.status == SandboxPayment.Status.SUCCEEDED:
            return payment
        digits = "".join(ch for ch in card if ch.isdigit())
        if action == "pay" and digits != DECLINED_CARD:
            payment.status = SandboxPayment.Status.SUCCEEDED
            payment.failure = ""
            event = _event("payment_intent.succeeded", _intent_object(payment, status="succeeded"))
        else:
            payment.status = SandboxPayment.Status.FAILED
            payment.failure = "Your card was declined."
            event = _event("payment_intent.payment_failed",
                           _intent_object(payment, status="requires_payment_method", failure=payment.failure))
        payment.card_last4 = digits[-4:]
        payment.save()
        event_send(event)
    return payment


class SandboxProvider(PaymentProvider):
    """Pays on a page of this site; see the module's description."""

    name = NAME
    label = "Sandbox"

    def create_checkout(self, intent):
        """Open (or find again: idempotent per intent) the sandbox payment of an intent."""
        payment, _created = SandboxPayment.objects.get_or_create(
            intent_public_id=intent.public_id,
            defaults={"reference": f"sbx_pi_{uuid.uuid4().hex[:24]}", "merchant": intent.hospital.name,
                      "amount": intent.amount, "currency": intent.currency,
                      "return_url": reverse("billing:pay_return", args=[intent.public_id])})
        return payment.reference, settings.SITE_URL + reverse("billing:sandbox_pay", args=[payment.reference])

    def refund(self, refund):
        """Refund at once and announce it with a signed charge.refunded notification; return (reference, 'pending')."""
        with transaction.atomic():
            payment = SandboxPayment.objects.get(reference=refund.payment.reference)
            sandbox_refund, created = SandboxRefund.objects.get_or_create(
                refund_public_id=refund.public_id,
                defaults={"reference": f"sbx_re_{uuid.uuid4().hex[:24]}", "payment": payment,
                          "amount": refund.amount, "currency": refund.currency})
            if created:
                refunded = sum(r.amount for r in payment.refunds.all())
                event_send(_event("charge.refunded", {
                    "id": f"ch_{payment.reference}", "object": "charge", "payment_intent": payment.reference,
                    "currency": payment.currency.lower(), "amount": to_minor_units(payment.amount, payment.currency),
                    "amount_refunded": to_minor_units(refunded, payment.currency),
                    "metadata": {INTENT_KEY: str(payment.intent_public_id)},
                    "refunds": {"data": [{"id": sandbox_refund.reference, "object": "refund",
                                          "amount": to_minor_units(sandbox_refund.amount, payment.currency),
                                          "status": "succeeded",
                                          "metadata": {REFUND_KEY: str(refund.public_id)}}]}}))
        return sandbox_refund.reference, "pending"

    def parse_webhook(self, body, headers):
        """Verify the Stripe-scheme signature with the sandbox's secret, then read the event."""
        from carebridge.billing.providers.signing import forged, header_of

        signature_verify(body, header_of(headers, HEADER), webhook_secret())
        try:
            payload = json.loads(body)
        except ValueError:
            raise forged() from None
        return self.event_from_payload(payload)

    def event_from_payload(self, payload):
        return event_from_payload(payload)

    def retrieve(self, intent):
        """Answer the reconciler from the sandbox's books."""
        payment = SandboxPayment.objects.filter(intent_public_id=intent.public_id).first()
        if payment is None:
            return ProviderStatus(state="unknown")
        state = {"succeeded": "succeeded", "failed": "failed"}.get(payment.status, "pending")
        return ProviderStatus(state=state, payment_reference=payment.reference, failure=payment.failure)
