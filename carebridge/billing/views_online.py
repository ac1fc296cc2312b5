"""Pages of online payment: the pay form (invoice or deposit), the sandbox's payment page, the return page."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carebridge.accounts.models import Organisation
from carebridge.billing import online
from carebridge.billing.access import intent_get_for_user, invoice_get_for_user
from carebridge.billing.idempotency import idempotent
from carebridge.billing.models import PaymentIntent
from carebridge.billing.providers import enabled_providers, provider_get
from carebridge.billing.providers.sandbox import sandbox_pay
from carebridge.billing.providers.sandbox_models import SandboxPayment
from carebridge.billing.selectors import invoice_balance, patient_currency
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.i18n import valid_currency
from carebridge.patients.selectors import portal_patients


def _patient(request, public_id):
    from carebridge.accounts.access import deny
    from carebridge.core.ids import is_uuid

    patient = portal_patients(request.user).filter(public_id=public_id).first() if is_uuid(public_id) else None
    if patient is None:
        try:
            deny(user=request.user, request=request, object_type="patient", object_id=public_id,
                 reason="not_portal")
        except NotFound:
            raise Http404 from None
    return patient


def _providers():
    """The payment methods offered: enabled and configured."""
    offered = []
    for name in enabled_providers():
        provider = provider_get(name)
        if provider.configured:
            offered.append((name, provider.label))
    return offered


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, patient_id):
    """Pay an invoice (?invoice=<id>) or a deposit at a hospital (?hospital=<slug>) online, for oneself or a ward."""
    patient = _patient(request, patient_id)
    invoice = hospital = None
    invoice_id = request.GET.get("invoice") or request.POST.get("invoice") or ""
    if invoice_id:
        try:
            invoice = invoice_get_for_user(user=request.user, public_id=invoice_id, request=request)
        except NotFound:
            raise Http404 from None
        if invoice.patient_id != patient.pk:
            raise Http404
        hospital = invoice.hospital
    else:
        slug = request.GET.get("hospital") or request.POST.get("hospital") or ""
        hospital = get_object_or_404(Organisation, slug=slug, kind="hospital")
    currency = (request.POST.get("currency") or patient_currency(patient)).upper()
    providers = _providers()
    due = invoice_balance(invoice) if invoice is not None else None
    error = None
    if request.method == "POST":
        provider = request.POST.get("provider") or (providers[0][0] if providers else "")
        key = (request.POST.get("key") or "")[:200]
        payload = {"patient": str(patient.public_id), "invoice": invoice_id, "hospital": hospital.slug,
                   "amount": request.POST.get("amount", ""), "currency": currency, "provider": provider}
        try:
            if not key:
                raise CareBridgeError(_("This form has expired. Please try again."), code="form_expired")

            def run():
                intent = online.payment_intent_record(
                    patient=patient, hospital=hospital, created_by=request.user, provider=provider,
                    purpose="invoice" if invoice is not None else "deposit", invoice=invoice,
                    amount_cny=request.POST.get("amount") if invoice is not None else None,
                    amount=request.POST.get("amount") if invoice is None else None, currency=currency,
                    request=request)
                return 201, {"id": str(intent.public_id)}

            _status, body, _replayed = idempotent(user=request.user, key=f"pay-form:{key}",
                                                  operation="payment_intent.create", payload=payload, run=run)
            intent = PaymentIntent.objects.get(public_id=body["id"])
            intent = online.payment_intent_checkout(intent)
        except CareBridgeError as exc:
            error = exc.message
        else:
            if intent.checkout_url:
                return redirect(intent.checkout_url)
            return redirect("billing:pay_return", intent_id=intent.public_id)
    currencies = sorted({code for code in (patient_currency(patient), "CNY", "USD", "EUR", currency)
                         if valid_currency(code)})
    return render(request, "billing/pay/form.html", {
        "patient": patient, "invoice": invoice, "hospital": hospital, "due": due, "currency": currency,
        "currencies": currencies, "providers": providers, "key": uuid.uuid4().hex, "error": error,
        "amount": request.POST.get("amount", "") if request.method == "POST" else (due if due else ""),
    }, status=400 if error else 200)


@login_required
def pay_return(request, intent_id):
    """Where the provider sends the payer back: 'processing' until the notification arrives, then 'paid'."""
    try:
        intent = intent_get_for_user(user=request.user, public_id=str(intent_id), request=request)
    except NotFound:
        raise Http404 from None
    processing = intent.status in (PaymentIntent.Status.CREATED, PaymentIntent.Status.PENDING)
    response = render(request, "billing/pay/return.html", {
        "intent": intent, "processing": processing, "paid": intent.status == PaymentIntent.Status.SUCCEEDED,
        "failed": intent.status in (PaymentIntent.Status.FAILED, PaymentIntent.Status.CANCELLED),
    })
    if processing:
        response["Refresh"] = "3"  # no script: the browser reloads until the provider's notification has arrived
    return response


@require_http_methods(["GET", "POST"])
def sandbox_page(request, reference):
    """The sandbox provider's hosted payment page (stands in for the bank; no CareBridge sign-in needed)."""
    payment = get_object_or_404(SandboxPayment, reference=reference)
    if request.method == "POST":
        action = "pay" if request.POST.get("action") == "pay" else "decline"
        card = request.POST.get("card", "")
        digits = "".join(ch for ch in card if ch.isdigit())
        if action == "pay" and not 12 <= len(digits) <= 19:
            return render(request, "billing/sandbox/pay.html", {
                "payment": payment, "error": _("Enter a card number, e.g. the test card 4242 4242 4242 4242."),
                "card": card}, status=400)
        payment = sandbox_pay(reference=reference, action=action, card=card)
        if payment.return_url:
            return redirect(payment.return_url)
    return render(request, "billing/sandbox/pay.html", {"payment": payment, "card": "4242 4242 4242 4242"})

