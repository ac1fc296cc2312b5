"""Providers' notifications: verified first, stored once per event id, processed exactly once, in order.

POST /billing/webhooks/<provider>/ (CSRF-exempt: the signature is the authentication):
- the signature is verified before anything else; a forged or stale one answers 400 with a stable code and
  stores nothing;
- the event is stored under the unique (provider, event_id) constraint, which is the de-duplication even when
  the provider delivers the same event concurrently; a repeat only counts a delivery and answers 200;
- it is processed in the same transaction (a crash before commit leaves neither the event nor its effects, and the
  provider's retry starts afresh); an event about money we have not seen yet (a refund before the payment's
  success) is kept "deferred" and processed right after its predecessor.
"""

import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carebridge.billing import online
from carebridge.billing.crash import crash_point
from carebridge.billing.models import Payment, PaymentIntent, WebhookEvent
from carebridge.billing.providers import provider_get
from carebridge.billing.providers.base import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_FAILED,
    REFUND_SUCCEEDED,
)
from carebridge.core.errors import CareBridgeError
from carebridge.core.jobs import job_handler

logger = logging.getLogger(__name__)
MAX_BODY = 512 * 1024


def _process(provider, stored, event):
    """Apply one event; return the state it ends in (processed, deferred or ignored)."""
    State = WebhookEvent.State
    if event.kind in (PAYMENT_SUCCEEDED, PAYMENT_FAILED):
        intent = online._intent_of(provider.name, event)
        if intent is None:
            return State.IGNORED  # not one of ours (another integration on the same account)
        if event.kind == PAYMENT_SUCCEEDED:
            _payment, created = online.payment_intent_succeeded(intent=intent,
                                                                 payment_reference=event.payment_reference)
            if created:
                deferred_events_process(provider=provider.name, exclude=stored.pk)
            return State.PROCESSED if created else State.IGNORED
        return State.PROCESSED if online.payment_intent_failed(intent=intent, failure=event.failure) \
            else State.IGNORED
    if event.kind in (REFUND_SUCCEEDED, REFUND_FAILED):
        payment = None
        intent = online._intent_of(provider.name, event)
        if intent is not None:
            payment = Payment.objects.filter(intent=intent).first()
        if payment is None and event.payment_reference:
            payment = Payment.objects.filter(provider=provider.name, reference=event.payment_reference).first()
        if payment is None:
            return State.DEFERRED  # its payment's success has not arrived yet
        return State.PROCESSED if online.refund_outcome(payment=payment, event=event) else State.IGNORED
    return State.IGNORED


def deferred_events_process(*, provider, exclude=None):
    """Process again the provider's deferred events whose predecessor may have arrived (inside a transaction)."""
    adapter = provider_get(provider)
    waiting = WebhookEvent.objects.select_for_update().filter(provider=provider, state=WebhookEvent.State.DEFERRED)
    if exclude:
        waiting = waiting.exclude(pk=exclude)
    for stored in waiting.order_by("received_at", "pk"):
        state = _process(adapter, stored, adapter.event_from_payload(stored.payload))
        if state != WebhookEvent.State.DEFERRED:
            stored.state, stored.processed_at = state, timezone.now()
            stored.save(update_fields=["state", "processed_at"])


def webhook_receive(*, provider_name, body, headers):
    """Verify, store once and process a notification; return (HTTP status, answer). Raises CareBridgeError (4xx)."""
    provider = provider_get(provider_name)
    event = provider.parse_webhook(body, headers)  # raises WebhookRejected before anything is written
    if not event.event_id:
        from carebridge.billing.providers.signing import forged

        raise forged()
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = WebhookEvent.objects.create(provider=provider.name, event_id=event.event_id[:120],
                                                     kind=event.type[:80], payload=event.payload)
        except IntegrityError:
            WebhookEvent.objects.filter(provider=provider.name, event_id=event.event_id[:120]).update(
                deliveries=F("deliveries") + 1)
            return 200, {"received": True, "duplicate": True}
        crash_point("webhook.stored")
        state = _process(provider, stored, event)
        stored.state = state
        stored.processed_at = None if state == WebhookEvent.State.DEFERRED else timezone.now()
        stored.save(update_fields=["state", "processed_at"])
    return 200, {"received": True, "state": state}


@csrf_exempt
@require_POST
def webhook(request, provider):
    """The providers' endpoint; see the module's description."""
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"code": "payload_too_large", "message": "Payload too large.", "details": {}},
                            status=413)
    try:
        status, answer = webhook_receive(provider_name=provider, body=body, headers=request.headers)
    except CareBridgeError as exc:
        return JsonResponse(exc.as_body(), status=exc.status)
    crash_point("webhook.processed")
    return JsonResponse(answer, status=status)


# Delivery of the sandbox's notifications (the sandbox plays the provider) -------------------------------------------

class DeliveryFailed(Exception):
    """Our own endpoint did not answer 200: the job is retried."""


@job_handler("billing.webhook_deliver")
def webhook_deliver(*, provider, body):
    """Sign a notification now (as a provider signs each attempt) and deliver it; raise to be retried."""
    from carebridge.billing.providers.sandbox import delivery_mode, webhook_secret
    from carebridge.billing.providers.signing import HEADER, signature_header

    crash_point("worker.webhook_deliver.before")
    payload = body.encode()
    header = signature_header(payload, webhook_secret())
    if delivery_mode() == "in_process":
        status, _answer = webhook_receive(provider_name=provider, body=payload, headers={HEADER: header})
    else:
        url = settings.SITE_URL + reverse("billing:webhook", args=[provider])
        request = urllib.request.Request(url, data=payload, method="POST",  # noqa: S310 - our own SITE_URL
                                         headers={HEADER: header, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(f"{url}: {exc}") from exc
    if status != 200:
        raise DeliveryFailed(f"{provider} notification answered {status}")
    crash_point("worker.webhook_deliver.after")


def intent_status_payload(intent):
    """The public view of an intent (API and return page)."""
    return {"id": str(intent.public_id), "status": intent.status, "purpose": intent.purpose,
            "provider": intent.provider, "amount": str(intent.amount), "currency": intent.currency,
            "amount_cny": str(intent.amount_cny), "rate": str(intent.rate),
            "rate_date": intent.rate_date.isoformat() if intent.rate_date else None,
            "checkout_url": intent.checkout_url or None,
            "invoice_id": str(intent.invoice.public_id) if intent.invoice_id else None,
            "paid": intent.status == PaymentIntent.Status.SUCCEEDED}

