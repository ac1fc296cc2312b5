"""Online payments: intents recorded before any provider call, checkout, the providers' outcomes, the reconciler.

The order of things is what makes a crash harmless:
1. the intent (amount, currency, frozen rate) is committed before the provider is called;
2. the provider is asked for a checkout with our intent id as its idempotency key, then the reference is saved;
   a crash between 1 and 2 leaves an intent in "created" that the reconciler (or a retry) completes;
3. the provider's "succeeded" (webhook, or the reconciler's question) records the Payment once per intent, under a
   lock on the intent, in the transaction that stores the event.
An intent's status only moves forward: created -> pending -> succeeded, with failed possibly followed by
succeeded on a later attempt; succeeded never goes back.
"""

import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.audit.services import audit_record
from carebridge.billing import services
from carebridge.billing.crash import crash_point
from carebridge.billing.models import Invoice, Payment, PaymentIntent, Refund
from carebridge.billing.providers import enabled_providers, provider_get
from carebridge.billing.providers.base import ProviderNotConfigured, ProviderUnavailable
from carebridge.billing.selectors import invoice_balance, patient_currency, payment_unapplied
from carebridge.catalog.selectors import rate_for
from carebridge.core.errors import CareBridgeError, Conflict, NotFound, ValidationFailed
from carebridge.core.jobs import job_handler

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
OPEN = (PaymentIntent.Status.CREATED, PaymentIntent.Status.PENDING, PaymentIntent.Status.FAILED)


def _provider_for_intent(name):
    if name not in enabled_providers():
        raise ValidationFailed(_("This payment method is not available. Choose another one."),
                               code="provider_unavailable", details={"provider": name})
    provider = provider_get(name)
    if not provider.configured:
        raise ProviderNotConfigured(details={"provider": name})  # refused before anything is recorded
    return provider


def payment_intent_record(*, patient, hospital, purpose, created_by, provider="sandbox", invoice=None,
                          amount_cny=None, amount=None, currency="", request=None):
    """Validate and commit an intent to pay (nothing is asked of the provider yet); return it.

    For an invoice, `amount_cny` (default: the whole balance) is what is paid and is converted into `currency`
    (default: the patient's) at today's rate, frozen; for a deposit, `amount` in `currency` is converted into CNY.
    """
    services._require_hospital(hospital)
    channel = _provider_for_intent(provider).channel
    if purpose not in Payment.Purpose.values:
        raise ValidationFailed(_("Choose what the payment is for."), code="purpose_invalid")
    currency = services.currency_code(currency or patient_currency(patient))
    info = rate_for(currency)
    if purpose == Payment.Purpose.INVOICE:
        if invoice is None:
            raise ValidationFailed(_("Choose the invoice this payment is for."), code="invoice_required",
                                   details={"invoice": "required"})
        if invoice.patient_id != patient.pk or invoice.hospital_id != hospital.pk:
            raise ValidationFailed(_("This invoice belongs to another patient."), code="invoice_mismatch")
        services.invoice_payable_check(invoice)
        due = invoice_balance(invoice)
        if due <= 0:
            raise Conflict(_("This invoice is already paid."), code="invoice_paid")
        amount_cny = due if amount_cny in (None, "") else services.money(amount_cny, field="amount_cny")
        if amount_cny > due:
            raise ValidationFailed(_("You cannot pay more than is due on this invoice (%(amount)s CNY).")
                                   % {"amount": due}, code="amount_above_balance", details={"due": str(due)})
        amount, _info = services.amount_in_currency(amount_cny, currency)
        if amount <= 0:
            raise ValidationFailed(_("The amount must be greater than zero."), code="amount_not_positive")
    else:
        invoice = None
        amount = services.money(amount, field="amount")
        with localcontext() as context:
            context.prec = 28
            amount_cny = (amount / info.rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount_cny <= 0:
            raise ValidationFailed(_("The amount must be greater than zero."), code="amount_not_positive")
    with transaction.atomic():
        intent = PaymentIntent.objects.create(
            hospital=hospital, patient=patient, purpose=purpose, invoice=invoice, provider=provider, channel=channel,
            amount=amount, currency=currency, amount_cny=amount_cny, rate=info.rate, rate_date=info.date,
            created_by=created_by)
        audit_record(action="payment_intent.create", actor=created_by, request=request, organisation=hospital,
                     object_type="payment_intent", object_id=intent.public_id,
                     patient_public_id=patient.public_id, purpose="billing",
                     details={"provider": provider, "amount": str(amount), "currency": currency,
                              "amount_cny": str(amount_cny)})
    return intent


def payment_intent_checkout(intent):
    """Ask the provider for the checkout of a recorded intent and save its reference (no-op once saved)."""
    if intent.provider_reference or intent.status != PaymentIntent.Status.CREATED:
        return intent
    crash_point("intent.recorded")
    provider = provider_get(intent.provider)
    try:
        reference, url = provider.create_checkout(intent)
    except CareBridgeError as exc:
        PaymentIntent.objects.filter(pk=intent.pk).update(failure=str(exc.message)[:300], updated_at=timezone.now())
        raise
    crash_point("intent.provider_called")
    with transaction.atomic():
        locked = PaymentIntent.objects.select_for_update().get(pk=intent.pk)
        if not locked.provider_reference:
            locked.provider_reference, locked.checkout_url = reference, url
            if locked.status == PaymentIntent.Status.CREATED:
                locked.status = PaymentIntent.Status.PENDING
            locked.save(update_fields=["provider_reference", "checkout_url", "status", "updated_at"])
    return locked


def payment_intent_create(*, patient, hospital, purpose, created_by, provider="sandbox", invoice=None,
                          amount_cny=None, amount=None, currency="", request=None):
    """Record an intent, then open its checkout at the provider; return the intent (status pending)."""
    intent = payment_intent_record(patient=patient, hospital=hospital, purpose=purpose, created_by=created_by,
                                   provider=provider, invoice=invoice, amount_cny=amount_cny, amount=amount,
                                   currency=currency, request=request)
    return payment_intent_checkout(intent)


# Outcomes ---------------------------------------------------------------------------------------------------------

def _intent_of(provider, event):
    intents = PaymentIntent.objects.select_for_update().filter(provider=provider)
    intent = None
    if event.intent_public_id:
        from carebridge.core.ids import is_uuid

        if is_uuid(event.intent_public_id):
            intent = intents.filter(public_id=event.intent_public_id).first()
    if intent is None and event.provider_reference:
        intent = intents.filter(provider_reference=event.provider_reference).first()
    if intent is None and event.payment_reference:
        intent = intents.filter(provider_reference=event.payment_reference).first()
    return intent


def payment_intent_succeeded(*, intent, payment_reference):
    """Record the intent's payment once (call inside a transaction holding the intent's lock); return it."""
    existing = Payment.objects.filter(intent=intent).first()
    if existing is not None:
        return existing, False
    invoice = intent.invoice
    purpose = intent.purpose
    if invoice is not None:
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.status in (Invoice.Status.CANCELLED, Invoice.Status.DRAFT):
            # The money came in after the invoice was cancelled: it is the patient's credit, refundable.
            invoice, purpose = None, Payment.Purpose.DEPOSIT
    provider = provider_get(intent.provider)
    payment = services.payment_record(
        hospital=intent.hospital, patient=intent.patient, channel=intent.channel, amount=intent.amount,
        currency=intent.currency, invoice=invoice, purpose=purpose,
        reference=payment_reference or str(intent.public_id), provider=provider.name, intent=intent, amount_cny=intent.amount_cny, rate=intent.rate,
        rate_date=intent.rate_date)
    intent.status = PaymentIntent.Status.SUCCEEDED
    intent.failure = ""
    intent.save(update_fields=["status", "failure", "updated_at"])
    return payment, True


def payment_intent_failed(*, intent, failure=""):
    """Mark an open intent failed (a later attempt may still succeed); a paid one never goes back."""
    if intent.status == PaymentIntent.Status.SUCCEEDED:
        return False
    intent.status = PaymentIntent.Status.FAILED
    intent.failure = (failure or _("The payment was declined."))[:300]
    intent.save(update_fields=["status", "failure", "updated_at"])
    return True


def refund_outcome(*, payment, event):
    """Complete (or fail) the refund an event speaks of; a refund made at the provider's desk is recorded too.

    Return False when the refund cannot be matched to money we hold (left for staff, logged).
    """
    from carebridge.billing.providers.base import REFUND_FAILED

    refunds = Refund.objects.select_for_update().filter(payment=payment)
    refund = None
    if event.refund_public_id:
        from carebridge.core.ids import is_uuid

        if is_uuid(event.refund_public_id):
            refund = refunds.filter(public_id=event.refund_public_id).first()
    if refund is None and event.refund_reference:
        refund = refunds.filter(reference=event.refund_reference).first()
    if event.kind == REFUND_FAILED:
        if refund is not None:
            services.refund_fail(refund=refund, failure=event.failure or event.refund_reference)
        return refund is not None
    if refund is None:
        amount = event.refund_amount
        if amount is None or amount <= 0:
            return False
        with localcontext() as context:
            context.prec = 28
            amount_cny = payment.amount_cny if amount == payment.amount else (amount / payment.rate).quantize(
                CENT, rounding=ROUND_HALF_UP)
        if amount_cny > payment_unapplied(payment):
            logger.warning("refund %s of payment %s exceeds its unapplied part", event.refund_reference, payment.pk)
            return False
        refund = Refund.objects.create(payment=payment, amount=amount, currency=payment.currency,
                                       amount_cny=amount_cny, reference=event.refund_reference[:120],
                                       reason=_("Refunded at the payment provider"))
    services.refund_complete(refund=refund, reference=event.refund_reference[:120])
    return True


# The provider's side, asked again ----------------------------------------------------------------------------------

def payments_reconcile(*, older_than=timedelta(minutes=2), now=None):
    """Repair intents stuck in created/pending: open their checkout, or ask the provider how they ended.

    Returns {"checkouts": n, "succeeded": n, "failed": n}. Safe to run at any time and as often as wanted.
    """
    now = now or timezone.now()
    counts = {"checkouts": 0, "succeeded": 0, "failed": 0}
    stuck = PaymentIntent.objects.filter(status__in=[PaymentIntent.Status.CREATED, PaymentIntent.Status.PENDING],
                                         updated_at__lte=now - older_than).order_by("created_at")
    for intent in stuck:
        if intent.provider not in enabled_providers():
            continue
        try:
            if intent.status == PaymentIntent.Status.CREATED:
                # Same idempotency key as the first call: the provider hands back the same checkout.
                payment_intent_checkout(intent)
                counts["checkouts"] += 1
                intent.refresh_from_db()
            answer = provider_get(intent.provider).retrieve(intent)
        except (ProviderUnavailable, NotFound, CareBridgeError):
            logger.exception("reconciling intent %s", intent.public_id)
            continue
        with transaction.atomic():
            locked = PaymentIntent.objects.select_for_update().get(pk=intent.pk)
            if answer.state == "succeeded":
                _payment, created = payment_intent_succeeded(intent=locked, payment_reference=answer.payment_reference)
                counts["succeeded"] += int(created)
                from carebridge.billing.webhooks import deferred_events_process

                deferred_events_process(provider=locked.provider)
            elif answer.state == "failed" and locked.status != PaymentIntent.Status.FAILED:
                counts["failed"] += int(payment_intent_failed(intent=locked, failure=answer.failure))
    return counts


@job_handler("billing.payments_reconcile")
def payments_reconcile_job(**kwargs):
    payments_reconcile()


def refund_send(*, refund_id):
    """Ask the payment's provider for a pending refund (idempotent per refund); complete it if answered at once."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.PENDING:
        return
    provider = provider_get(refund.payment.provider)
    reference, state = provider.refund(refund)
    crash_point("refund.provider_called")
    Refund.objects.filter(pk=refund.pk, reference="").update(reference=reference[:120], updated_at=timezone.now())
    if state == "succeeded":
        services.refund_complete(refund=refund, reference=reference)
    elif state == "failed":
        services.refund_fail(refund=refund, failure=reference)
