"""Pages of billing: the patient's account, estimates and invoices in the portal; the cashier's desk; estimates.

Each view parses, makes one service call, and answers; a refused call shows the service's translated message on
the form with status 400 and writes nothing. Forms that take or give back money carry an idempotency key.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.audit.services import audit_record, audit_record_reads
from carebridge.billing import forms, selectors, services
from carebridge.billing.access import (
    cashier_hospitals,
    estimate_get_for_user,
    estimate_hospitals,
    invoice_get_for_user,
    payment_get_for_user,
)
from carebridge.billing.idempotency import idempotent
from carebridge.billing.ledger import account_balances, ledger_totals, unbalanced_entries
from carebridge.billing.models import HOME_CURRENCY, Invoice, LedgerAccount, Payment, PaymentIntent
from carebridge.catalog.selectors import known_currencies, service_list
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.ids import is_uuid
from carebridge.patients.models import Patient
from carebridge.patients.selectors import patient_search, patients_at, portal_patients, record_number_at

OPEN_INTENT_STATES = (PaymentIntent.Status.CREATED, PaymentIntent.Status.PENDING)


def _add_error(form, exc):
    """Show a service's refusal on the form: on the field it names when the form has it, else above the form."""
    field = next((name for name in (exc.details or {}) if name in form.fields), None)
    form.add_error(field, str(exc.message))


def _not_found(request, object_type, object_id="", reason="not_billing"):
    try:
        deny(user=request.user, request=request, object_type=object_type, object_id=object_id, reason=reason)
    except NotFound:
        raise Http404 from None


def _fetch(getter, request, public_id, **kwargs):
    try:
        return getter(user=request.user, public_id=str(public_id), request=request, **kwargs)
    except NotFound:
        raise Http404 from None


def _currencies(*preferred):
    """Return the currencies money can be taken or quoted in, the patient's first."""
    codes = known_currencies()
    first = [code for code in (HOME_CURRENCY, *preferred) if code and code in codes]
    return list(dict.fromkeys(first + codes))


# --- The patient's account in the portal --------------------------------------------------------------------------


def _portal_patient(request):
    """Return (the record chosen, all records the user holds); another family's record answers 404."""
    patients = list(portal_patients(request.user))
    chosen = request.GET.get("patient") or (str(patients[0].public_id) if patients else "")
    patient = next((p for p in patients if str(p.public_id) == chosen), None)
    if patient is None:
        _not_found(request, "billing_account", chosen, reason="not_holder")
    return patient, patients


@login_required
def portal_account(request):
    """Show the chosen record's balance, invoices, payments, refunds, deposits and estimates (a guardian picks a child)."""
    if not portal_patients(request.user).exists():
        return render(request, "billing/portal/account_empty.html")
    patient, patients = _portal_patient(request)
    account = selectors.patient_account(patient=patient)
    audit_record(action="billing_account.read", actor=request.user, request=request, object_type="patient",
                 object_id=patient.public_id, patient_public_id=patient.public_id, purpose="billing",
                 details={"as": "self" if patient.account_id == request.user.pk else "guardian"})
    currency = selectors.patient_currency(patient)
    beside = None
    if currency != HOME_CURRENCY:
        try:
            amount, info = services.amount_in_currency(abs(account["balance"]), currency)
        except CareBridgeError:
            amount = info = None
        if info is not None:
            beside = {"amount": amount, "currency": currency, "rate": info.rate, "date": info.date}
    hospitals = [mrn.hospital for mrn in patient.record_numbers.select_related("hospital")]
    return render(request, "billing/portal/account.html", {
        "patient": patient, "patients": patients, "account": account, "currency": currency, "beside": beside,
        "hospitals": hospitals,
    })


@login_required
def portal_invoice(request, public_id):
    """Show an issued invoice (or credit note) with its lines, diagnoses and the patient's currency beside."""
    invoice = _fetch(invoice_get_for_user, request, public_id)
    if invoice.relation == "staff":
        return redirect("billing:cashier_invoice", public_id=invoice.public_id)
    return render(request, "billing/portal/invoice.html", _invoice_context(invoice))


def _invoice_context(invoice):
    lines = list(invoice.lines.all())
    return {
        "invoice": invoice, "patient": invoice.patient, "lines": lines, "balance": selectors.invoice_balance(invoice),
        "paid": selectors.invoice_paid(invoice), "credited": selectors.invoice_credited(invoice),
        "credit_notes": list(invoice.credit_notes.all()), "allocations": list(
            invoice.allocations.select_related("payment").order_by("created_at")),
        "write_offs": list(invoice.write_offs.all()),
    }


def _estimate_context(estimate):
    lines = list(estimate.lines.select_related("service"))
    totals = selectors.estimate_totals(estimate)
    for line in lines:
        line.name = line.service.translated("name") if line.service_id else line.description
    return {"estimate": estimate, "lines": lines, "totals": totals, "patient": estimate.patient,
            "expired": estimate.valid_until < timezone.localdate()}


@login_required
@require_http_methods(["GET", "POST"])
def portal_estimate(request, public_id):
    """Show a sent estimate in the viewer's language and the estimate's currency; the patient or guardian accepts it."""
    estimate = _fetch(estimate_get_for_user, request, public_id)
    if estimate.relation == "staff":
        return redirect("billing:estimate_detail", public_id=estimate.public_id)
    context = _estimate_context(estimate)
    if request.method == "POST":
        try:
            services.cost_estimate_accept(estimate=estimate, accepted_by=request.user, request=request)
        except CareBridgeError as exc:
            context["error"] = str(exc.message)
            return render(request, "billing/portal/estimate.html", context, status=exc.status)
        messages.success(request, _("Thank you: the hospital knows you accept this estimate."))
        return redirect("billing:portal_estimate", public_id=estimate.public_id)
    return render(request, "billing/portal/estimate.html", context)


# --- The cashier's desk -------------------------------------------------------------------------------------------


def _cashier_hospital(request):
    hospitals = cashier_hospitals(request.user)
    if not hospitals:
        _not_found(request, "billing_desk", request.path, reason="not_cashier")
    return hospitals[0]


def _desk_patient(request, public_id):
    """Return (hospital, patient) for a cashier: a patient registered at one of the cashier's hospitals, audited."""
    hospitals = cashier_hospitals(request.user)
    patient = Patient.objects.filter(public_id=public_id, merged_into__isnull=True).first() if is_uuid(
        str(public_id)) else None
    hospital = None
    if patient is not None:
        hospital = next((h for h in hospitals if record_number_at(patient, h)), None)
    if hospital is None:
        _not_found(request, "patient", public_id, reason="not_billing")
    audit_record(action="patient.read", actor=request.user, request=request, organisation=hospital,
                 object_type="patient", object_id=patient.public_id, patient_public_id=patient.public_id,
                 purpose="billing", details={"as": "cashier"})
    return hospital, patient


def _ledger(hospital):
    debit, credit = ledger_totals(hospital=hospital)
    balances = account_balances(hospital=hospital)
    return {"debit": debit, "credit": credit, "balanced": debit == credit and not unbalanced_entries(
        hospital=hospital), "accounts": [(LedgerAccount(code).label, code, balances[code])
                                         for code in sorted(balances) if balances[code]]}


@login_required
def cashier_home(request):
    """Find a patient; see today's payments, open invoices, online payments still pending, and the ledger balance."""
    hospital = _cashier_hospital(request)
    query = request.GET.get("q", "").strip()
    found = list(patient_search(hospital=hospital, query=query)) if query else None
    zone = zoneinfo.ZoneInfo(hospital.time_zone or "Asia/Shanghai")
    today = timezone.localdate(timezone.now(), zone)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    payments = list(selectors.payments_at(hospital=hospital)
                    .filter(received_at__gte=start, received_at__lt=start + dt.timedelta(days=1))[:500])
    open_invoices = list(selectors.invoices_at(hospital=hospital, status=Invoice.Status.ISSUED)
                         .filter(kind=Invoice.Kind.INVOICE)[:200])
    for invoice in open_invoices:
        invoice.balance = selectors.invoice_balance(invoice)
    drafts = list(selectors.invoices_at(hospital=hospital, status=Invoice.Status.DRAFT)[:50])
    intents = list(PaymentIntent.objects.filter(hospital=hospital, status__in=OPEN_INTENT_STATES)
                   .select_related("patient").order_by("-created_at")[:100])
    shown = (found or []) + [p.patient for p in payments] + [i.patient for i in open_invoices + drafts] + [
        i.patient for i in intents]
    audit_record_reads(actor=request.user, request=request, organisation=hospital,
                       patients=list({p.pk: p for p in shown}.values()), purpose="billing")
    return render(request, "billing/cashier/home.html", {
        "hospital": hospital, "query": query, "found": found, "today": today, "payments": payments,
        "payments_total": sum((p.amount_cny for p in payments), Decimal("0.00")), "open_invoices": open_invoices,
        "drafts": drafts, "intents": intents, "ledger": _ledger(hospital),
    })


def _patient_page(request, hospital, patient, *, payment_form=None, refund_forms=None, status=200):
    account = selectors.patient_account(hospital=hospital, patient=patient)
    currency = selectors.patient_currency(patient)
    open_invoices = [i for i in account["invoices"] if i.kind == Invoice.Kind.INVOICE and i.balance > 0]
    refund_forms = refund_forms or {}
    for payment in account["payments"]:
        payment.refund_form = refund_forms.get(payment.pk) or forms.RefundForm(
            initial={"amount": payment.unapplied}, prefix=f"refund-{payment.public_id}")
    drafts = list(Invoice.objects.filter(hospital=hospital, patient=patient, status=Invoice.Status.DRAFT))
    return render(request, "billing/cashier/patient.html", {
        "hospital": hospital, "patient": patient, "account": account, "currency": currency, "drafts": drafts,
        "record_number": record_number_at(patient, hospital),
        "payment_form": payment_form or forms.PaymentForm(invoices=open_invoices, currencies=_currencies(currency)),
        "billable": selectors.billable_items(hospital=hospital, patient=patient),
    }, status=status)


@login_required
def cashier_patient(request, public_id):
    """Show a patient's account at the cashier's hospital, with the forms to take a payment or a deposit."""
    hospital, patient = _desk_patient(request, public_id)
    return _patient_page(request, hospital, patient)


@login_required
@require_POST
def cashier_invoice_draft(request, public_id):
    """Start a draft invoice from what was delivered and not yet billed."""
    hospital, patient = _desk_patient(request, public_id)
    try:
        invoice = services.invoice_draft_create(hospital=hospital, patient=patient, created_by=request.user,
                                                request=request)
    except CareBridgeError as exc:
        messages.error(request, str(exc.message))
        return redirect("billing:cashier_patient", public_id=patient.public_id)
    return redirect("billing:cashier_invoice", public_id=invoice.public_id)


def _idempotent_post(request, form, *, operation, payload, run):
    """Run a money-moving form once per idempotency key; return (body, replayed) or None after a refusal."""
    try:
        _status, body, replayed = idempotent(user=request.user, key=form.cleaned_data["idempotency_key"],
                                             operation=operation, payload=payload, run=run)
    except CareBridgeError as exc:
        _add_error(form, exc)
        return None
    return body, replayed


@login_required
@require_POST
def cashier_payment(request, public_id):
    """Record cash, a card slip or a transfer for an invoice or as a deposit (once, however often it is sent)."""
    hospital, patient = _desk_patient(request, public_id)
    account = selectors.patient_account(hospital=hospital, patient=patient)
    open_invoices = [i for i in account["invoices"] if i.kind == Invoice.Kind.INVOICE and i.balance > 0]
    form = forms.PaymentForm(request.POST, invoices=open_invoices,
                             currencies=_currencies(selectors.patient_currency(patient)))
    if form.is_valid():
        data = form.cleaned_data
        invoice = next((i for i in open_invoices if str(i.public_id) == data["invoice"]), None)
        if data["purpose"] == Payment.Purpose.INVOICE and invoice is None:
            form.add_error("invoice", _("Choose the invoice this payment is for."))
        else:
            def run():
                payment = services.payment_record(
                    hospital=hospital, patient=patient, channel=data["channel"], amount=data["amount"],
                    currency=data["currency"], received_by=request.user, purpose=data["purpose"],
                    invoice=invoice if data["purpose"] == Payment.Purpose.INVOICE else None,
                    reference=data["reference"].strip(), payer_name=data["payer_name"], request=request)
                return 201, {"payment": str(payment.public_id)}

            payload = {k: v for k, v in data.items() if k != "idempotency_key"} | {"patient": str(patient.public_id)}
            done = _idempotent_post(request, form, operation="billing.page.payment_record", payload=payload, run=run)
            if done is not None:
                _body, replayed = done
                if replayed:
                    messages.info(request, _("This payment was already recorded; it was not recorded twice."))
                else:
                    messages.success(request, _("The payment is recorded."))
                return redirect("billing:cashier_patient", public_id=patient.public_id)
    return _patient_page(request, hospital, patient, payment_form=form, status=400)


@login_required
@require_POST
def cashier_refund(request, public_id):
    """Give back what is left of a payment through the channel it came by (once per form)."""
    payment = _fetch(payment_get_for_user, request, public_id, manage=True)
    form = forms.RefundForm(request.POST, prefix=f"refund-{payment.public_id}")
    if form.is_valid():
        data = form.cleaned_data

        def run():
            refund = services.refund_request(payment=payment, amount_cny=data["amount"], reason=data["reason"],
                                             requested_by=request.user, request=request)
            return 201, {"refund": str(refund.public_id)}

        done = _idempotent_post(request, form, operation="billing.page.refund_request",
                                payload={"payment": str(payment.public_id), "amount": data["amount"],
                                         "reason": data["reason"]}, run=run)
        if done is not None:
            messages.success(request, _("The refund is recorded.") if not done[1] else
                             _("This refund was already recorded; it was not recorded twice."))
            return redirect("billing:cashier_patient", public_id=payment.patient.public_id)
    return _patient_page(request, payment.hospital, payment.patient, refund_forms={payment.pk: form}, status=400)


def _invoice_page(request, invoice, *, line_form=None, write_off_form=None, credit_form=None, error="", status=200):
    context = _invoice_context(invoice)
    credit = selectors.patient_credit(hospital=invoice.hospital, patient=invoice.patient)
    context.update({
        "hospital": invoice.hospital, "credit": credit, "error": error,
        "line_form": line_form or forms.InvoiceLineForm(),
        "write_off_form": write_off_form or forms.WriteOffForm(initial={"amount": context["balance"]}),
        "credit_form": credit_form or forms.CreditNoteForm(),
        "payable": invoice.kind == Invoice.Kind.INVOICE and invoice.status == Invoice.Status.ISSUED,
        "tax_rate": selectors.tax_rate_for(invoice.hospital),
    })
    return render(request, "billing/cashier/invoice.html", context, status=status)


def _manage_invoice(request, public_id):
    return _fetch(invoice_get_for_user, request, public_id, manage=True)


@login_required
def cashier_invoice(request, public_id):
    """Show an invoice at the desk: add lines and issue a draft; apply deposits, write off or credit an issued one."""
    return _invoice_page(request, _manage_invoice(request, public_id))


@login_required
@require_POST
def cashier_invoice_line(request, public_id):
    """Add a line to a draft invoice."""
    invoice = _manage_invoice(request, public_id)
    form = forms.InvoiceLineForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.invoice_line_add(invoice=invoice, description=data["description"],
                                      unit_price=data["unit_price"], quantity=data["quantity"], code=data["code"],
                                      kind=data["kind"], service_date=data["service_date"],
                                      created_by=request.user, request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
        else:
            return redirect("billing:cashier_invoice", public_id=invoice.public_id)
    return _invoice_page(request, invoice, line_form=form, status=400)


def _invoice_action(request, invoice, action):
    """Run one action on an invoice; a refusal is shown above the invoice (400/409), nothing written."""
    try:
        message = action()
    except CareBridgeError as exc:
        return _invoice_page(request, invoice, error=str(exc.message), status=exc.status)
    messages.success(request, message)
    return redirect("billing:cashier_invoice", public_id=invoice.public_id)


@login_required
@require_POST
def cashier_invoice_issue(request, public_id):
    """Issue a draft: its number, the tax of the hospital's policy, the rate of the patient's currency, frozen."""
    invoice = _manage_invoice(request, public_id)

    def action():
        issued = services.invoice_issue(invoice=invoice, issued_by=request.user, request=request)
        return _("Invoice %(number)s is issued.") % {"number": issued.number}

    return _invoice_action(request, invoice, action)


@login_required
@require_POST
def cashier_deposit_apply(request, public_id):
    """Apply the patient's deposits and credit to the invoice."""
    invoice = _manage_invoice(request, public_id)

    def action():
        from carebridge.core.i18n import format_money

        applied = services.deposit_apply(invoice=invoice, applied_by=request.user, request=request)
        return _("%(amount)s of deposits applied.") % {"amount": format_money(applied, HOME_CURRENCY)}

    return _invoice_action(request, invoice, action)


@login_required
@require_POST
def cashier_write_off(request, public_id):
    """Write off part of what is due, with the reason."""
    invoice = _manage_invoice(request, public_id)
    form = forms.WriteOffForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_write_off(invoice=invoice, amount=form.cleaned_data["amount"],
                                       reason=form.cleaned_data["reason"], written_off_by=request.user,
                                       request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The amount is written off."))
            return redirect("billing:cashier_invoice", public_id=invoice.public_id)
    return _invoice_page(request, invoice, write_off_form=form, status=400)


@login_required
@require_POST
def cashier_credit_note(request, public_id):
    """Correct an issued invoice by a credit note (in full, or by an amount)."""
    invoice = _manage_invoice(request, public_id)
    form = forms.CreditNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.credit_note_issue(invoice=invoice, reason=form.cleaned_data["reason"],
                                              amount=form.cleaned_data["amount"] or None, issued_by=request.user,
                                              request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Credit note %(number)s is issued.") % {"number": note.number})
            return redirect("billing:cashier_invoice", public_id=invoice.public_id)
    return _invoice_page(request, invoice, credit_form=form, status=400)


# --- Cost estimates (coordinators, cashiers, managers) -------------------------------------------------------------


def _estimate_hospital(request):
    hospitals = estimate_hospitals(request.user)
    if not hospitals:
        _not_found(request, "estimate_desk", request.path, reason="not_estimator")
    return hospitals[0]


@login_required
def estimate_desk(request):
    """List the hospital's estimates and find the patient to prepare a new one for."""
    hospital = _estimate_hospital(request)
    query = request.GET.get("q", "").strip()
    found = list(patient_search(hospital=hospital, query=query)) if query else None
    estimates = list(selectors.estimates_at(hospital=hospital)[:200])
    audit_record_reads(actor=request.user, request=request, organisation=hospital,
                       patients=list({p.pk: p for p in (found or []) + [e.patient for e in estimates]}.values()),
                       purpose="billing")
    return render(request, "billing/estimates/desk.html", {
        "hospital": hospital, "query": query, "found": found, "estimates": estimates})


def _estimate_patient(request, public_id):
    hospital = _estimate_hospital(request)
    patient = patients_at(hospital).filter(public_id=public_id).first() if is_uuid(str(public_id)) else None
    if patient is None:
        _not_found(request, "patient", public_id, reason="not_billing")
    audit_record(action="patient.read", actor=request.user, request=request, organisation=hospital,
                 object_type="patient", object_id=patient.public_id, patient_public_id=patient.public_id,
                 purpose="billing", details={"as": "estimator"})
    return hospital, patient


@login_required
@require_http_methods(["GET", "POST"])
def estimate_create(request, public_id):
    """Build an estimate for a patient from catalog items, each with a low–high range where treatment is uncertain."""
    hospital, patient = _estimate_patient(request, public_id)
    catalog = list(service_list(hospital=hospital))
    by_id = {str(s.public_id): s for s in catalog}
    currency = selectors.patient_currency(patient)
    form = forms.EstimateForm(request.POST or None, currencies=_currencies(currency),
                              initial={"currency": currency,
                                       "valid_until": timezone.localdate() + dt.timedelta(days=30)})
    lines = forms.EstimateLineFormSet(request.POST or None, prefix="line", form_kwargs={"services": catalog})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        language = patient.preferred_language or "en"
        rows = []
        # Service names are frozen in the patient's language, the language the estimate is sent in.
        with translation.override(language):
            for line in lines:
                if line.is_blank:
                    continue
                row = line.cleaned_data
                item = {"service": by_id.get(row["service"]), "description": row["description"],
                        "quantity": row["quantity"] or 1}
                if row["low"]:
                    item["low"] = row["low"]
                if row["high"]:
                    item["high"] = row["high"]
                rows.append(item)
        try:
            estimate = services.cost_estimate_create(
                hospital=hospital, patient=patient, title=data["title"], valid_until=data["valid_until"],
                lines=rows, created_by=request.user, currency=data["currency"], note=data["note"],
                language=language, request=request)
        except CareBridgeError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The estimate is saved as a draft. Check it, then send it."))
            return redirect("billing:estimate_detail", public_id=estimate.public_id)
    return render(request, "billing/estimates/create.html", {
        "hospital": hospital, "patient": patient, "form": form, "lines": lines, "catalog": catalog,
    }, status=400 if request.method == "POST" else 200)


@login_required
def estimate_detail(request, public_id):
    """Show an estimate as staff see it, with the button to send a draft to the patient."""
    estimate = _fetch(estimate_get_for_user, request, public_id, manage=True)
    return render(request, "billing/estimates/detail.html", _estimate_context(estimate))


@login_required
@require_POST
def estimate_send(request, public_id):
    """Send a draft estimate: numbered, the rate frozen, the patient and guardians told in their language."""
    estimate = _fetch(estimate_get_for_user, request, public_id, manage=True)
    try:
        services.cost_estimate_send(estimate=estimate, sent_by=request.user, request=request)
    except CareBridgeError as exc:
        context = _estimate_context(estimate) | {"error": str(exc.message)}
        return render(request, "billing/estimates/detail.html", context, status=exc.status)
    messages.success(request, _("The estimate is sent to the patient."))
    return redirect("billing:estimate_detail", public_id=estimate.public_id)

