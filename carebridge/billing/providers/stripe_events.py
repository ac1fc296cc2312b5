"""Read Stripe-shaped event payloads (Stripe's own, and the sandbox's, which copies them) into ProviderEvents."""

from carebridge.billing.providers.base import (
    OTHER,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_FAILED,
    REFUND_SUCCEEDED,
    ProviderEvent,
    from_minor_units,
)

INTENT_KEY = "carebridge_intent"
REFUND_KEY = "carebridge_refund"


def _refund_fields(refund, currency):
    metadata = refund.get("metadata") or {}
    amount = refund.get("amount")
    return {
        "refund_reference": refund.get("id") or "",
        "refund_public_id": metadata.get(REFUND_KEY, ""),
        "refund_amount": from_minor_units(amount, currency) if amount is not None and currency else None,
    }


def event_from_payload(payload):
    """Return the ProviderEvent of a Stripe-shaped event dict (already verified)."""
    obj = (payload.get("data") or {}).get("object") or {}
    metadata = obj.get("metadata") or {}
    currency = (obj.get("currency") or "").upper()
    event = ProviderEvent(event_id=str(payload.get("id") or ""), type=str(payload.get("type") or ""), kind=OTHER,
                          payload=payload, intent_public_id=metadata.get(INTENT_KEY, ""), currency=currency)
    kind = event.type
    if kind == "payment_intent.succeeded":
        event.kind = PAYMENT_SUCCEEDED
        event.payment_reference = obj.get("id") or ""
    elif kind == "payment_intent.payment_failed":
        event.kind = PAYMENT_FAILED
        event.payment_reference = obj.get("id") or ""
        event.failure = ((obj.get("last_payment_error") or {}).get("message") or "")[:300]
    elif kind == "checkout.session.completed" and obj.get("payment_status") == "paid":
        event.kind = PAYMENT_SUCCEEDED
        event.provider_reference = obj.get("id") or ""
        event.payment_reference = obj.get("payment_intent") or ""
    elif kind == "charge.refunded":
        event.payment_reference = obj.get("payment_intent") or ""
        refunds = ((obj.get("refunds") or {}).get("data")) or []
        if refunds:
            event.kind = REFUND_SUCCEEDED
            for name, value in _refund_fields(refunds[-1], currency).items():
                setattr(event, name, value)
        # Without the refund itself (Stripe's newer API versions leave it out) the event cannot say which refund
        # it is: refund.updated / refund.created, which carry it, or the refund call's own answer complete it.
    elif kind in ("refund.updated", "refund.failed", "refund.created") and obj.get("object") == "refund":
        status = obj.get("status")
        event.kind = REFUND_FAILED if status in ("failed", "canceled") else (
            REFUND_SUCCEEDED if status == "succeeded" else OTHER)
        event.payment_reference = obj.get("payment_intent") or ""
        event.failure = (obj.get("failure_reason") or "")[:300]
        for name, value in _refund_fields(obj, currency).items():
            setattr(event, name, value)
    return event
