"""Billing documents: the invoice (and credit note) and the payment receipt as bilingual PDFs.

They are printed in English and the patient's language (Chinese and English when the patient reads Chinese, English
and Chinese when the patient reads English). Each request resolves every text in both languages into a JSON context
and hands it to the documents app, which renders it in the background, stores it and gives it a verification code.
A download asks for the document of the bill as it stands: when nothing changed since the last one (same content,
so the same SHA-256), that one is given again; after a payment a new one is issued.
"""

import hashlib
import zoneinfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carebridge.audit.services import audit_record
from carebridge.billing.models import ZERO, Invoice, Payment, Refund, WriteOff
from carebridge.billing.selectors import invoice_balance, invoice_credited, invoice_paid
from carebridge.catalog.selectors import round_money
from carebridge.core import i18n
from carebridge.documents.models import Document
from carebridge.documents.rendering import html_lang, text_dir
from carebridge.documents.services import canonical_content, document_request

INVOICE = "billing_invoice"
CREDIT_NOTE = "billing_credit_note"
RECEIPT = "billing_receipt"
KINDS = (INVOICE, CREDIT_NOTE, RECEIPT)
TEMPLATES = {kind: f"billing/documents/{kind.removeprefix('billing_')}.html" for kind in KINDS}
UI_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
TITLES = {INVOICE: _("Invoice"), CREDIT_NOTE: _("Credit note"), RECEIPT: _("Payment receipt")}

LABELS = {
    "number": _("Number"),
    "issued_on": _("Date of issue"),
    "patient": _("Patient"),
    "mrn": _("Medical record number"),
    "passport_country": _("Passport country"),
    "date_of_birth": _("Date of birth"),
    "items": _("Items"),
    "code": _("Service code"),
    "description": _("Description"),
    "service_date": _("Date"),
    "quantity": _("Quantity"),
    "unit_price": _("Unit price (CNY)"),
    "amount_cny": _("Amount (CNY)"),
    "diagnoses": _("Diagnoses (ICD-10)"),
    "icd10": _("ICD-10 code"),
    "diagnosis": _("Diagnosis"),
    "subtotal": _("Subtotal"),
    "tax": _("Tax"),
    "total": _("Total"),
    "in_currency": _("Total in your currency"),
    "rate": _("Exchange rate"),
    "rate_note": _("Rate fixed when the invoice was issued, as published on the date shown."),
    "payments": _("Payments"),
    "paid_on": _("Paid on"),
    "channel": _("Payment method"),
    "reference": _("Reference"),
    "paid_amount": _("Amount paid"),
    "credited": _("Credit notes"),
    "written_off": _("Written off"),
    "balance": _("Balance due"),
    "no_payments": _("No payments yet."),
    "credits_invoice": _("Credit note for invoice"),
    "reason": _("Reason"),
    "received_from": _("Received from"),
    "amount": _("Amount"),
    "cny_equivalent": _("Equivalent in CNY"),
    "for_invoice": _("For invoice"),
    "deposit": _("Deposit"),
    "purpose": _("Purpose"),
    "refunded": _("Refunded"),
    "hospital": _("Hospital"),
    "thanks": _("Thank you. Keep this receipt for your records and for your insurer."),
    "vat_exempt": _("Medical services are exempt from VAT in mainland China."),
}


def document_languages(patient):
    """Return the two languages of a patient's billing documents: English and theirs, Chinese and English for
    Chinese readers, English and Chinese when they read English (or a language we do not print)."""
    code = (patient.preferred_language or "").strip().replace("_", "-").lower()
    if code.startswith("zh"):
        return ("zh-hans", "en")
    if code not in UI_LANGUAGES:
        code = code.split("-")[0]
    if code in UI_LANGUAGES and code != "en":
        return ("en", code)
    return ("en", "zh-hans")


def _in(message, language):
    with translation.override(language):
        return str(message)


def _pair(first, second, make):
    """Return a text in both languages for a template: {a, b, lang_a, lang_b, dir_a, dir_b}."""
    a, b = make(first), make(second)
    return {"a": a, "b": b, "lang_a": html_lang(first), "lang_b": html_lang(second), "dir_a": text_dir(first),
            "dir_b": text_dir(second), "same": a == b}


def _label(message, languages):
    return _pair(*languages, lambda language: _in(message, language))


def _date(value, languages):
    return _pair(*languages, lambda language: i18n.format_date(value, language=language, format="long")) \
        if value else None


def _money(amount, currency, languages):
    return _pair(*languages, lambda language: i18n.format_money(amount, currency, language=language))


def _local_date(moment, hospital):
    return moment.astimezone(zoneinfo.ZoneInfo(hospital.time_zone)).date() if moment else None


def _diagnosis(item, languages):
    from carebridge.clinical import terminology

    code = (item.get("code") or "").strip()
    recorded = item.get("display") or ""
    concept = terminology.icd10_lookup(code) if code else None

    def name(language):
        if concept is None:
            return recorded
        return terminology.display(concept, language)[0]

    return {"code": code, "name": _pair(*languages, name)}


def _patient(invoice_or_payment, languages):
    from carebridge.patients.models import MedicalRecordNumber

    patient = invoice_or_payment.patient
    mrn = (MedicalRecordNumber.objects.filter(patient=patient, hospital=invoice_or_payment.hospital)
           .values_list("number", flat=True).first())
    return {
        "name": " ".join(part for part in [patient.family_name.upper(), patient.given_names] if part),
        "native_name": patient.native_name,
        "mrn": mrn or "",
        "passport_country": _pair(*languages, lambda language: i18n.country_name(patient.nationality,
                                                                                 language=language))
        if patient.nationality else None,
        "date_of_birth": _date(patient.date_of_birth, languages),
    }


def _channel(channel, languages):
    return _label(Payment.Channel(channel).label, languages)


def _labels(languages):
    return {key: _label(message, languages) for key, message in LABELS.items()}


def _payments_of(invoice, languages):
    rows = []
    allocations = invoice.allocations.select_related("payment").order_by("created_at", "id")
    for allocation in allocations:
        payment = allocation.payment
        rows.append({
            "date": _date(_local_date(payment.received_at, invoice.hospital), languages),
            "channel": _channel(payment.channel, languages),
            "reference": payment.reference,
            "amount": f"{payment.amount} {payment.currency}",
            "amount_cny": str(allocation.amount_cny),
        })
    return rows


def invoice_context(invoice):
    """Return the JSON context of an invoice's (or credit note's) PDF as the bill stands now."""
    languages = document_languages(invoice.patient)
    hospital = invoice.hospital
    kind = CREDIT_NOTE if invoice.kind == Invoice.Kind.CREDIT_NOTE else INVOICE
    converted = None
    if invoice.display_currency and invoice.display_currency != "CNY" and invoice.display_rate:
        total = round_money(invoice.total * invoice.display_rate, invoice.display_currency)
        converted = {
            "currency": invoice.display_currency,
            "total": _money(total, invoice.display_currency, languages),
            "rate": f"1 CNY = {invoice.display_rate.normalize():f} {invoice.display_currency}",
            "rate_date": _date(invoice.display_rate_date, languages),
        }
    written_off = sum((w.amount_cny for w in WriteOff.objects.filter(invoice=invoice)), ZERO)
    context = {
        "kind": kind,
        "invoice_id": str(invoice.public_id),
        "languages": list(languages),
        "title": _label(TITLES[kind], languages),
        "labels": _labels(languages),
        "number": invoice.number,
        "issued_on": _date(_local_date(invoice.issued_at, hospital), languages),
        "patient": _patient(invoice, languages),
        "lines": [{
            "code": line.code,
            "description": line.description,
            "service_date": _date(line.service_date, languages),
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "amount": str(line.amount),
        } for line in invoice.lines.all()],
        "diagnoses": [_diagnosis(item, languages) for item in invoice.diagnoses or []],
        "tax_rate": f"{(invoice.tax_rate * 100).normalize():f}%",
        "tax_exempt": invoice.tax_rate == 0,
        "subtotal": str(invoice.subtotal),
        "tax": str(invoice.tax),
        "total": str(invoice.total),
        "total_text": _money(invoice.total, "CNY", languages),
        "converted": converted,
        "credits_number": invoice.credits.number if invoice.credits_id else "",
        "reason": invoice.reason,
    }
    if kind == INVOICE:
        context.update({
            "payments": _payments_of(invoice, languages),
            "paid": str(invoice_paid(invoice)),
            "credited": str(invoice_credited(invoice)),
            "written_off": str(written_off),
            "balance": str(invoice_balance(invoice)),
        })
    return context


def receipt_context(payment):
    """Return the JSON context of a payment's receipt."""
    languages = document_languages(payment.patient)
    hospital = payment.hospital
    refunded = sum((r.amount_cny for r in payment.refunds.filter(status=Refund.Status.SUCCEEDED)), ZERO)
    return {
        "kind": RECEIPT,
        "payment_id": str(payment.public_id),
        "languages": list(languages),
        "title": _label(TITLES[RECEIPT], languages),
        "labels": _labels(languages),
        "number": f"R-{str(payment.public_id)[:8].upper()}",
        "patient": _patient(payment, languages),
        "paid_on": _date(_local_date(payment.received_at, hospital), languages),
        "amount": _money(payment.amount, payment.currency, languages),
        "amount_cny": str(payment.amount_cny),
        "converted": payment.currency != "CNY",
        "rate": f"1 CNY = {payment.rate.normalize():f} {payment.currency}" if payment.currency != "CNY" else "",
        "rate_date": _date(payment.rate_date, languages),
        "channel": _channel(payment.channel, languages),
        "reference": payment.reference,
        "payer": payment.payer_name,
        "invoice_number": payment.invoice.number if payment.invoice_id else "",
        "purpose": _label(Payment.Purpose(payment.purpose).label, languages),
        "refunded": str(refunded) if refunded else "",
    }


def _title(kind, number):
    with translation.override("en"):
        return f"{TITLES[kind]} {number}".strip()


def _issue(*, kind, hospital, patient, context, issued_by, request):
    """Return the ready or pending document with exactly this content, or request a new one."""
    languages = context["languages"]
    title = _title(kind, context["number"])
    canonical = canonical_content(kind=kind, title=title, languages=languages, context=context)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    existing = (Document.objects.filter(kind=kind, issuer=hospital, content_sha256=digest)
                .exclude(status=Document.Status.FAILED).order_by("-issued_at").first())
    if existing is not None:
        return existing
    return document_request(kind=kind, title=title, issuer=hospital, patient_public_id=patient.public_id,
                            template=TEMPLATES[kind], context=context, languages=languages, issued_by=issued_by,
                            request=request)


def invoice_document(*, invoice, requested_by, request=None):
    """Return the PDF document of an issued invoice or credit note as it stands (the caller checked access)."""
    from carebridge.core.errors import Conflict

    if invoice.status == Invoice.Status.DRAFT:
        raise Conflict(_("A draft has no PDF; issue the invoice first."), code="invoice_not_issued")
    context = invoice_context(invoice)
    return _issue(kind=context["kind"], hospital=invoice.hospital, patient=invoice.patient, context=context,
                  issued_by=requested_by, request=request)


def receipt_document(*, payment, requested_by, request=None):
    """Return the receipt PDF of a payment (the caller checked access)."""
    return _issue(kind=RECEIPT, hospital=payment.hospital, patient=payment.patient,
                  context=receipt_context(payment), issued_by=requested_by, request=request)


def billing_document_read_audit(*, document, user, request=None):
    """Record that a person downloaded a billing PDF."""
    audit_record(action="document.read", actor=user, request=request, organisation=document.issuer,
                 object_type="document", object_id=document.public_id, patient_public_id=document.patient_public_id,
                 purpose="billing", details={"kind": document.kind})
