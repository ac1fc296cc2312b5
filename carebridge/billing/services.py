"""Writes of billing: estimates, invoices and credit notes, payments, deposits, refunds, write-offs.

Each write validates first, changes rows and posts its balanced journal entry in one transaction, audits, and
queues its notifications to run after commit. Amounts are Decimal; a float is refused.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.accounts.models import OrganisationKind
from carebridge.audit.services import audit_record
from carebridge.billing.ledger import channel_account, journal_post
from carebridge.billing.models import (
    HOME_CURRENCY,
    ZERO,
    Allocation,
    CostEstimate,
    CostEstimateLine,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    LedgerAccount,
    Payment,
    Refund,
    WriteOff,
)
from carebridge.billing.selectors import (
    billable_items,
    invoice_balance,
    patient_currency,
    payment_unapplied,
    tax_rate_for,
)
from carebridge.catalog.selectors import rate_for, round_money
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.core.i18n import valid_currency
from carebridge.notifications.services import email_send_to_address, in_app_message_send

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000")


def money(value, *, field="amount", allow_zero=False):
    """Return a Decimal amount from user input, or raise ValidationFailed naming the field."""
    if isinstance(value, float):
        raise TypeError("amounts are Decimal or text, never float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter an amount such as 1250.00."), code="amount_invalid",
                               details={field: "invalid"}) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(_("The amount must be greater than zero."), code="amount_not_positive",
                               details={field: "not_positive"})
    if amount >= MAX_AMOUNT or amount != amount.quantize(CENT):
        raise ValidationFailed(_("Enter an amount with at most two decimals."), code="amount_invalid",
                               details={field: "precision"})
    return amount


def currency_code(value):
    """Return an upper-case ISO 4217 code, or raise ValidationFailed."""
    code = (value or "").strip().upper()
    if not valid_currency(code):
        raise ValidationFailed(_("%(currency)s is not a currency we know.") % {"currency": code or "?"},
                               code="currency_invalid", details={"currency": code})
    return code


def _to_cny(amount, info):
    with localcontext() as context:
        context.prec = 28
        return (amount / info.rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _from_cny(amount_cny, info):
    with localcontext() as context:
        context.prec = 28
        return round_money(amount_cny * info.rate, info.currency)


def _people(patient):
    """Yield the accounts that hold the record: the patient's own and active guardians'."""
    if patient.account_id:
        yield patient.account
    for guardianship in patient.guardianships.filter(ended_at__isnull=True).select_related("guardian"):
        yield guardianship.guardian


def _tell_patient(patient, *, template, context, link):
    """Leave a portal message and queue an e-mail (a link only) for the patient and guardians, in their language."""
    from django.conf import settings

    for person in _people(patient):
        in_app_message_send(user=person, template=template, context=context, link=link)
        email_send_to_address(address=person.email, language=person.language, template=template,
                              context={**context, "link": settings.SITE_URL + link})


def _audit(action, *, actor, request, hospital, obj, object_type, details=None):
    audit_record(action=action, actor=actor, request=request, organisation=hospital, object_type=object_type,
                 object_id=obj.public_id, patient_public_id=obj.patient.public_id, purpose="billing",
                 details=details or {})


def _require_hospital(hospital):
    if hospital.kind != OrganisationKind.HOSPITAL:
        raise ValidationFailed(_("Only a hospital bills patients."), code="not_a_hospital")


# Cost estimates -------------------------------------------------------------------------------------------------

def cost_estimate_create(*, hospital, patient, title, valid_until, lines, created_by, currency="", note="",
                         language="", request=None):
    """Draft an estimate from catalog items or free lines: [{service, description, quantity, low, high}]."""
    _require_hospital(hospital)
    if not title.strip():
        raise ValidationFailed(_("Give the estimate a title."), code="title_required", details={"title": "required"})
    if valid_until < timezone.localdate():
        raise ValidationFailed(_("The estimate must be valid until today or later."), code="valid_until_past",
                               details={"valid_until": "past"})
    if not lines:
        raise ValidationFailed(_("An estimate needs at least one item."), code="lines_required",
                               details={"lines": "required"})
    currency = currency_code(currency or patient_currency(patient))
    rows = []
    for position, line in enumerate(lines):
        service = line.get("service")
        if service is not None and service.hospital_id != hospital.pk:
            raise ValidationFailed(_("This service is not offered by this hospital."), code="service_elsewhere",
                                   details={"lines": position})
        low = money(line.get("low", service.price if service else None), field=f"lines.{position}.low",
                    allow_zero=True)
        high = money(line.get("high") or low, field=f"lines.{position}.high", allow_zero=True)
        if high < low:
            raise ValidationFailed(_("The upper price cannot be below the lower one."), code="range_invalid",
                                   details={"lines": position})
        quantity = int(line.get("quantity") or 1)
        if quantity < 1 or quantity > 1000:
            raise ValidationFailed(_("The quantity must be between 1 and 1000."), code="quantity_invalid",
                                   details={"lines": position})
        description = (line.get("description") or (service.translated("name") if service else "")).strip()
        if not description:
            raise ValidationFailed(_("Describe each item."), code="description_required", details={"lines": position})
        rows.append(CostEstimateLine(service=service, code=service.code if service else line.get("code", ""),
                                     description=description[:300], quantity=quantity, unit_price_low=low,
                                     unit_price_high=high, position=position))
    rate_for(currency)  # an estimate in a currency we cannot convert into is refused now, not when sent
    with transaction.atomic():
        estimate = CostEstimate.objects.create(
            hospital=hospital, patient=patient, title=title.strip()[:200], note=note, valid_until=valid_until,
            currency=currency, language=language or patient.preferred_language or "en", created_by=created_by)
        for row in rows:
            row.estimate = estimate
        CostEstimateLine.objects.bulk_create(rows)
        _audit("cost_estimate.create", actor=created_by, request=request, hospital=hospital, obj=estimate,
               object_type="cost_estimate")
    return estimate


def cost_estimate_send(*, estimate, sent_by, request=None):
    """Number the estimate, freeze the exchange rate, and tell the patient in their language."""
    with transaction.atomic():
        estimate = CostEstimate.objects.select_for_update().get(pk=estimate.pk)
        if estimate.status != CostEstimate.Status.DRAFT:
            raise Conflict(_("This estimate has already been sent."), code="estimate_not_draft")
        info = rate_for(estimate.currency)
        estimate.rate, estimate.rate_date = info.rate, info.date
        estimate.status = CostEstimate.Status.SENT
        estimate.sent_at = timezone.now()
        estimate.number = f"E-{estimate.hospital.slug.upper()[:3]}-{estimate.sent_at:%Y%m%d}-{estimate.pk:05d}"
        estimate.save(update_fields=["rate", "rate_date", "status", "sent_at", "number", "updated_at"])
        _audit("cost_estimate.send", actor=sent_by, request=request, hospital=estimate.hospital, obj=estimate,
               object_type="cost_estimate")
        link = reverse("billing:portal_estimate", args=[estimate.public_id])
        _tell_patient(estimate.patient, template="billing/messages/estimate_sent", link=link,
                      context={"hospital": estimate.hospital.name, "number": estimate.number})
    return estimate


def cost_estimate_accept(*, estimate, accepted_by, request=None):
    """Record that the patient (or guardian) accepts a sent estimate that is still valid."""
    with transaction.atomic():
        estimate = CostEstimate.objects.select_for_update().get(pk=estimate.pk)
        if estimate.status == CostEstimate.Status.ACCEPTED:
            return estimate
        if estimate.status != CostEstimate.Status.SENT:
            raise Conflict(_("Only a sent estimate can be accepted."), code="estimate_not_sent")
        if estimate.valid_until < timezone.localdate():
            raise Conflict(_("This estimate has expired. Ask the hospital for a new one."), code="estimate_expired")
        estimate.status = CostEstimate.Status.ACCEPTED
        estimate.accepted_at = timezone.now()
        estimate.accepted_by = accepted_by
        estimate.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
        _audit("cost_estimate.accept", actor=accepted_by, request=request, hospital=estimate.hospital, obj=estimate,
               object_type="cost_estimate")
    return estimate


# Invoices and credit notes -------------------------------------------------------------------------------------

def invoice_draft_create(*, hospital, patient, created_by, encounter=None, request=None):
    """Start a draft invoice with a line for each delivered, not yet billed item of the patient at the hospital."""
    _require_hospital(hospital)
    with transaction.atomic():
        invoice = Invoice.objects.create(hospital=hospital, patient=patient, encounter=encounter,
                                         created_by=created_by,
                                         display_currency=patient_currency(patient))
        lines = [InvoiceLine(invoice=invoice, position=position, **item)
                 for position, item in enumerate(billable_items(hospital=hospital, patient=patient))]
        InvoiceLine.objects.bulk_create(lines)
        _audit("invoice.draft", actor=created_by, request=request, hospital=hospital, obj=invoice,
               object_type="invoice", details={"lines": len(lines)})
    return invoice


def invoice_line_add(*, invoice, description, unit_price, created_by, quantity=1, code="", kind=InvoiceLine.Kind.OTHER,
                     service_date=None, request=None):
    """Add a line to a draft invoice (an extra, a fee, a drug); issued invoices are changed only by credit notes."""
    unit_price = money(unit_price, field="unit_price", allow_zero=True)
    quantity = int(quantity)
    if not 1 <= quantity <= 1000:
        raise ValidationFailed(_("The quantity must be between 1 and 1000."), code="quantity_invalid",
                               details={"quantity": "range"})
    if not description.strip():
        raise ValidationFailed(_("Describe each item."), code="description_required",
                               details={"description": "required"})
    if kind not in InvoiceLine.Kind.values:
        raise ValidationFailed(_("Choose a kind of item."), code="kind_invalid", details={"kind": kind})
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != Invoice.Status.DRAFT:
            raise Conflict(_("An issued invoice is never edited; issue a credit note instead."),
                           code="invoice_not_draft")
        line = InvoiceLine.objects.create(invoice=invoice, description=description.strip()[:300], code=code,
                                          kind=kind, quantity=quantity, unit_price=unit_price,
                                          amount=unit_price * quantity, service_date=service_date,
                                          position=invoice.lines.count())
        _audit("invoice.line_add", actor=created_by, request=request, hospital=invoice.hospital, obj=invoice,
               object_type="invoice")
    return line


def _next_number(hospital, *, prefix, year):
    InvoiceSequence.objects.get_or_create(hospital=hospital, year=year)
    sequence = InvoiceSequence.objects.select_for_update().get(hospital=hospital, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    code = "".join(ch for ch in hospital.slug.upper() if ch.isalpha())[:3] or "INV"
    return f"{code}-{year}-{prefix}{sequence.last_value:06d}"


def _diagnoses(invoice):
    from carebridge.clinical.selectors import billing_diagnoses

    return billing_diagnoses(patient=invoice.patient, hospital=invoice.hospital, encounter=invoice.encounter)


def invoice_issue(*, invoice, issued_by, tax_rate=None, display_currency="", request=None):
    """Issue a draft: take the next number without gaps, freeze totals, diagnoses and rate, and post it."""
    if tax_rate is not None:
        try:
            tax_rate = Decimal(str(tax_rate))
        except InvalidOperation:
            tax_rate = Decimal(-1)
        if not Decimal(0) <= tax_rate < Decimal(1):
            raise ValidationFailed(_("The tax rate must be between 0 and 1 (0.06 for 6%)."), code="tax_rate_invalid",
                                   details={"tax_rate": "range"})
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("hospital", "patient").get(pk=invoice.pk)
        if invoice.status != Invoice.Status.DRAFT:
            raise Conflict(_("This invoice has already been issued."), code="invoice_not_draft")
        lines = list(invoice.lines.all())
        if not lines:
            raise ValidationFailed(_("An invoice needs at least one item."), code="lines_required")
        display_currency = currency_code(display_currency or invoice.display_currency or HOME_CURRENCY)
        info = rate_for(display_currency)
        rate = tax_rate if tax_rate is not None else tax_rate_for(invoice.hospital)
        invoice.tax_rate = rate
        invoice.subtotal = sum((line.amount for line in lines), ZERO)
        invoice.tax = (invoice.subtotal * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        invoice.total = invoice.subtotal + invoice.tax
        invoice.display_currency = display_currency
        invoice.display_rate, invoice.display_rate_date = info.rate, info.date
        invoice.diagnoses = _diagnoses(invoice)
        invoice.issued_at = timezone.now()
        invoice.issued_by = issued_by
        invoice.number = _next_number(invoice.hospital, prefix="", year=invoice.issued_at.year)
        invoice.status = Invoice.Status.ISSUED if invoice.total > 0 else Invoice.Status.PAID
        invoice.save()
        journal_post(hospital=invoice.hospital, kind="invoice", reference=invoice.public_id, memo=invoice.number,
                     lines=[(LedgerAccount.RECEIVABLE, invoice.total, 0),
                            (LedgerAccount.REVENUE, 0, invoice.subtotal),
                            (LedgerAccount.TAX_PAYABLE, 0, invoice.tax)])
        _audit("invoice.issue", actor=issued_by, request=request, hospital=invoice.hospital, obj=invoice,
               object_type="invoice", details={"number": invoice.number, "total": str(invoice.total)})
        link = reverse("billing:portal_invoice", args=[invoice.public_id])
        _tell_patient(invoice.patient, template="billing/messages/invoice_issued", link=link,
                      context={"hospital": invoice.hospital.name, "number": invoice.number})
    return invoice


def _release_allocations(invoice, excess, *, by):
    """Give back `excess` of what was applied to an invoice (newest first) as the patient's credit."""
    for allocation in invoice.allocations.order_by("-id"):
        if excess <= 0:
            break
        applied = invoice.allocations.filter(payment=allocation.payment).aggregate(s=Sum("amount_cny"))["s"] or ZERO
        take = min(applied, excess)
        if take <= 0:
            continue
        Allocation.objects.create(payment=allocation.payment, invoice=invoice, amount_cny=-take, created_by=by)
        journal_post(hospital=invoice.hospital, kind="allocation_release", reference=allocation.payment.public_id,
                     memo=invoice.number, lines=[(LedgerAccount.RECEIVABLE, take, 0),
                                                 (LedgerAccount.PATIENT_CREDIT, 0, take)])
        excess -= take


def credit_note_issue(*, invoice, reason, issued_by, amount=None, request=None):
    """Credit an issued invoice in full (or by `amount`); what was paid beyond the new total becomes the patient's credit."""
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the credit note is issued."), code="reason_required",
                               details={"reason": "required"})
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("hospital", "patient").get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
            raise Conflict(_("Only an issued invoice can be credited."), code="invoice_not_creditable")
        credited = invoice.credit_notes.aggregate(s=Sum("total"))["s"] or ZERO
        open_total = invoice.total - credited
        amount = open_total if amount is None else money(amount)
        if amount > open_total:
            raise ValidationFailed(_("A credit note cannot exceed what is left of the invoice (%(amount)s CNY).")
                                   % {"amount": open_total}, code="credit_too_large",
                                   details={"amount": str(open_total)})
        now = timezone.now()
        tax = (amount * invoice.tax / invoice.total).quantize(CENT, rounding=ROUND_HALF_UP) if invoice.total else ZERO
        note = Invoice.objects.create(
            hospital=invoice.hospital, patient=invoice.patient, encounter=invoice.encounter,
            kind=Invoice.Kind.CREDIT_NOTE, credits=invoice, status=Invoice.Status.ISSUED, reason=reason.strip()[:300],
            display_currency=invoice.display_currency, display_rate=invoice.display_rate,
            display_rate_date=invoice.display_rate_date, tax_rate=invoice.tax_rate, subtotal=amount - tax, tax=tax,
            total=amount, diagnoses=invoice.diagnoses, created_by=issued_by, issued_by=issued_by, issued_at=now,
            number=_next_number(invoice.hospital, prefix="C", year=now.year))
        description = _("Credit for invoice %(number)s: %(reason)s") % {"number": invoice.number,
                                                                         "reason": reason.strip()}
        InvoiceLine.objects.create(invoice=note, description=description[:300],
                                   unit_price=amount - tax, amount=amount - tax, kind=InvoiceLine.Kind.OTHER)
        journal_post(hospital=invoice.hospital, kind="credit_note", reference=note.public_id, memo=note.number,
                     lines=[(LedgerAccount.REVENUE, note.subtotal, 0), (LedgerAccount.TAX_PAYABLE, note.tax, 0),
                            (LedgerAccount.RECEIVABLE, 0, note.total)])
        applied = invoice.allocations.aggregate(s=Sum("amount_cny"))["s"] or ZERO
        written_off = invoice.write_offs.aggregate(s=Sum("amount_cny"))["s"] or ZERO
        new_total = open_total - amount
        if applied + written_off > new_total:
            _release_allocations(invoice, applied + written_off - new_total, by=issued_by)
        invoice.status = Invoice.Status.CANCELLED if new_total == 0 else (
            Invoice.Status.PAID if invoice_balance(invoice) <= 0 else Invoice.Status.ISSUED)
        invoice.save(update_fields=["status", "updated_at"])
        _audit("invoice.credit", actor=issued_by, request=request, hospital=invoice.hospital, obj=invoice,
               object_type="invoice", details={"credit_note": note.number, "amount": str(amount)})
    return note


def _refresh_status(invoice):
    balance = invoice_balance(invoice)
    status = Invoice.Status.PAID if balance <= 0 else Invoice.Status.ISSUED
    if invoice.status != status and invoice.status != Invoice.Status.CANCELLED:
        invoice.status = status
        invoice.save(update_fields=["status", "updated_at"])


def _allocate(*, payment, invoice, amount_cny, by):
    Allocation.objects.create(payment=payment, invoice=invoice, amount_cny=amount_cny, created_by=by)
    journal_post(hospital=invoice.hospital, kind="allocation", reference=payment.public_id, memo=invoice.number,
                 lines=[(LedgerAccount.PATIENT_CREDIT, amount_cny, 0), (LedgerAccount.RECEIVABLE, 0, amount_cny)])
    _refresh_status(invoice)


def invoice_payable_check(invoice):
    """Raise unless money can be taken for this invoice."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status == Invoice.Status.DRAFT:
        raise Conflict(_("This invoice has not been issued yet."), code="invoice_not_issued")
    if invoice.status == Invoice.Status.CANCELLED:
        raise Conflict(_("This invoice was cancelled by a credit note; nothing is due on it."),
                       code="invoice_cancelled")


# Payments, deposits, refunds, write-offs -----------------------------------------------------------------------

def payment_record(*, hospital, patient, channel, amount, currency, received_by=None, invoice=None,
                   purpose=Payment.Purpose.INVOICE, reference="", provider="", intent=None, payer_name="",
                   amount_cny=None, rate=None, rate_date=None, received_at=None, request=None):
    """Record money received and post it; applied to the invoice up to its balance, the rest kept as credit.

    `amount_cny`/`rate` are given when the conversion was agreed earlier (an online payment's intent); otherwise
    today's rate converts. A reference seen before in the same channel returns the first payment (never two).
    """
    _require_hospital(hospital)
    if channel not in Payment.Channel.values:
        raise ValidationFailed(_("Choose how the money was paid."), code="channel_invalid", details={"channel": channel})
    if purpose not in Payment.Purpose.values:
        raise ValidationFailed(_("Choose what the payment is for."), code="purpose_invalid")
    amount = money(amount)
    currency = currency_code(currency)
    if invoice is not None:
        if invoice.patient_id != patient.pk or invoice.hospital_id != hospital.pk:
            raise ValidationFailed(_("This invoice belongs to another patient."), code="invoice_mismatch")
        invoice_payable_check(invoice)
    elif purpose == Payment.Purpose.INVOICE:
        raise ValidationFailed(_("Choose the invoice this payment is for."), code="invoice_required",
                               details={"invoice": "required"})
    if amount_cny is None:
        info = rate_for(currency)
        amount_cny, rate, rate_date = _to_cny(amount, info), info.rate, info.date
    with transaction.atomic():
        if reference:
            existing = Payment.objects.filter(channel=channel, provider=provider, reference=reference).first()
            if existing:
                return existing
        payment = Payment.objects.create(
            hospital=hospital, patient=patient, purpose=purpose, invoice=invoice, channel=channel, amount=amount,
            currency=currency, amount_cny=amount_cny, rate=rate or Decimal(1), rate_date=rate_date,
            reference=reference, provider=provider, intent=intent, payer_name=payer_name[:200],
            received_at=received_at or timezone.now(), recorded_by=received_by)
        journal_post(hospital=hospital, kind="payment", reference=payment.public_id, posted_at=payment.received_at,
                     memo=f"{payment.channel} {amount} {currency}",
                     lines=[(channel_account(channel), amount_cny, 0), (LedgerAccount.PATIENT_CREDIT, 0, amount_cny)])
        if invoice is not None:
            invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
            due = invoice_balance(invoice)
            if due > 0:
                _allocate(payment=payment, invoice=invoice, amount_cny=min(due, amount_cny), by=received_by)
        _audit("payment.record", actor=received_by, request=request, hospital=hospital, obj=payment,
               object_type="payment", details={"channel": channel, "amount": str(amount), "currency": currency,
                                               "amount_cny": str(amount_cny)})
        link = reverse("billing:portal_account")
        _tell_patient(patient, template="billing/messages/payment_received", link=link,
                      context={"hospital": hospital.name, "amount": str(amount), "currency": currency})
    return payment


def deposit_apply(*, invoice, applied_by, request=None):
    """Apply the patient's deposits and other credit at this hospital to an invoice, oldest first."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("hospital", "patient").get(pk=invoice.pk)
        invoice_payable_check(invoice)
        due = invoice_balance(invoice)
        applied = ZERO
        payments = Payment.objects.select_for_update().filter(hospital=invoice.hospital, patient=invoice.patient)
        for payment in payments.order_by("received_at", "id"):
            if due <= 0:
                break
            free = payment_unapplied(payment)
            take = min(free, due)
            if take > 0:
                _allocate(payment=payment, invoice=invoice, amount_cny=take, by=applied_by)
                due -= take
                applied += take
        if applied == 0:
            raise Conflict(_("There is no deposit or credit left to apply."), code="no_credit")
        _audit("invoice.deposit_apply", actor=applied_by, request=request, hospital=invoice.hospital, obj=invoice,
               object_type="invoice", details={"applied": str(applied)})
    return applied


def refund_request(*, payment, amount_cny, reason, requested_by, request=None):
    """Refund part of a payment not applied to any invoice; the cashier's channels complete at once.

    Online payments are refunded through their provider (carebridge.billing.online); their refund stays pending
    until the provider confirms.
    """
    amount_cny = money(amount_cny, field="amount")
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the money is refunded."), code="reason_required",
                               details={"reason": "required"})
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("hospital", "patient").get(pk=payment.pk)
        free = payment_unapplied(payment)
        if amount_cny > free:
            raise ValidationFailed(
                _("A refund cannot exceed what was paid and not yet used (%(amount)s CNY).") % {"amount": free},
                code="refund_too_large", details={"refundable": str(free)})
        if amount_cny == payment.amount_cny and not payment.allocations.exists() \
                and not payment.refunds.exclude(status=Refund.Status.FAILED).exists():
            amount = payment.amount  # the whole unapplied payment: exactly what came in, no rounding
        else:
            with localcontext() as context:
                context.prec = 28
                amount = round_money(amount_cny * payment.rate, payment.currency)
        refund = Refund.objects.create(payment=payment, amount_cny=amount_cny, amount=amount,
                                       currency=payment.currency, reason=reason.strip()[:300],
                                       requested_by=requested_by)
        _audit("refund.request", actor=requested_by, request=request, hospital=payment.hospital, obj=payment,
               object_type="payment", details={"refund": str(refund.public_id), "amount_cny": str(amount_cny)})
        if payment.channel in (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.BANK_TRANSFER):
            refund = refund_complete(refund=refund)
        else:
            from carebridge.core.jobs import job_enqueue

            job_enqueue(name="billing.refund_send", refund_id=refund.pk)
    return refund


def refund_complete(*, refund, reference=""):
    """Mark a refund done and post it (once)."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment__hospital", "payment__patient").get(
            pk=refund.pk)
        if refund.status == Refund.Status.SUCCEEDED:
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.reference = reference or refund.reference
        refund.completed_at = timezone.now()
        refund.save(update_fields=["status", "reference", "completed_at", "updated_at"])
        payment = refund.payment
        journal_post(hospital=payment.hospital, kind="refund", reference=refund.public_id,
                     memo=f"{payment.channel} {refund.amount} {refund.currency}",
                     lines=[(LedgerAccount.PATIENT_CREDIT, refund.amount_cny, 0),
                            (channel_account(payment.channel), 0, refund.amount_cny)])
        link = reverse("billing:portal_account")
        _tell_patient(payment.patient, template="billing/messages/refund_done", link=link,
                      context={"hospital": payment.hospital.name, "amount": str(refund.amount),
                               "currency": refund.currency})
    return refund


def refund_fail(*, refund, failure=""):
    """Mark a refund failed: its money is the patient's credit again."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.PENDING:
            refund.status = Refund.Status.FAILED
            refund.reference = refund.reference or failure[:120]
            refund.save(update_fields=["status", "reference", "updated_at"])
    return refund


def invoice_write_off(*, invoice, amount, reason, written_off_by, request=None):
    """Give up collecting part of an invoice's balance, with the reason, and post it."""
    amount = money(amount)
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the amount is written off."), code="reason_required",
                               details={"reason": "required"})
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("hospital", "patient").get(pk=invoice.pk)
        invoice_payable_check(invoice)
        due = invoice_balance(invoice)
        if amount > due:
            raise ValidationFailed(_("Only what is still due (%(amount)s CNY) can be written off.") % {"amount": due},
                                   code="write_off_too_large", details={"due": str(due)})
        WriteOff.objects.create(invoice=invoice, amount_cny=amount, reason=reason.strip()[:300],
                                created_by=written_off_by)
        journal_post(hospital=invoice.hospital, kind="write_off", reference=invoice.public_id, memo=invoice.number,
                     lines=[(LedgerAccount.WRITE_OFF, amount, 0), (LedgerAccount.RECEIVABLE, 0, amount)])
        _refresh_status(invoice)
        _audit("invoice.write_off", actor=written_off_by, request=request, hospital=invoice.hospital, obj=invoice,
               object_type="invoice", details={"amount": str(amount)})
    return invoice


def amount_in_currency(amount_cny, currency, *, on=None):
    """Return (amount in currency, RateInfo) for a CNY amount, with the newest rate on or before `on`."""
    info = rate_for(currency, on=on)
    return _from_cny(amount_cny, info), info
