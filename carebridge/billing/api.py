"""API of billing: estimates, invoices and credit notes, payments at the cashier, deposits, refunds, the ledger.

Amounts travel as decimal strings ("1250.00"), never as floats. Calls that create money take an Idempotency-Key
header: a retry with the same key returns the first answer and records nothing more.
"""

import datetime as dt
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from carebridge.billing import selectors, services
from carebridge.billing.access import (
    cashier_hospitals,
    estimate_get_for_user,
    estimate_hospitals,
    invoice_get_for_user,
    payment_get_for_user,
)
from carebridge.billing.idempotency import idempotency_key, idempotent
from carebridge.billing.ledger import account_balances, ledger_totals
from carebridge.billing.models import Invoice, InvoiceLine, LedgerAccount, Payment
from carebridge.catalog.models import Service
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.core.schemas import ErrorOut
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import patients_at

router = Router(tags=["billing"], auth=SessionAuth())

READ = {401: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
AMOUNT = "A decimal string in the currency's units, e.g. \"1250.00\"."


# --- Schemas -----------------------------------------------------------------------------------------------------


class MoneyOut(Schema):
    amount: str = Field(description=AMOUNT)
    currency: str = Field(description="ISO 4217 code")


class EstimateLineIn(Schema):
    service_id: UUID | None = Field(None, description="A catalog service of the hospital; its price is the default")
    description: str = Field("", max_length=300)
    quantity: int = Field(1, ge=1, le=1000)
    low: str | None = Field(None, description="Unit price, lower bound, CNY. " + AMOUNT)
    high: str | None = Field(None, description="Unit price, upper bound, CNY (= low when certain)")


class EstimateIn(Schema):
    patient_id: UUID
    hospital_id: UUID | None = Field(None, description="Needed only when the caller works at several hospitals")
    title: str = Field(max_length=200)
    valid_until: dt.date
    currency: str = Field("", max_length=3, description="The patient's currency; by default from their country")
    note: str = Field("", max_length=2000)
    lines: list[EstimateLineIn] = Field(min_length=1, max_length=100)


class EstimateLineOut(Schema):
    code: str
    description: str
    quantity: int
    unit_price_low: str
    unit_price_high: str


class EstimateOut(Schema):
    id: UUID
    number: str
    status: str
    title: str
    valid_until: dt.date
    patient_id: UUID
    hospital_id: UUID
    total_low_cny: str
    total_high_cny: str
    currency: str
    total_low: str = Field(description="In the patient's currency, at the rate frozen when sent (today's for a draft)")
    total_high: str
    rate: str = Field(description="1 CNY in the patient's currency")
    rate_date: dt.date | None
    lines: list[EstimateLineOut]


class InvoiceLineIn(Schema):
    description: str = Field(max_length=300)
    unit_price: str = Field(description="CNY. " + AMOUNT)
    quantity: int = Field(1, ge=1, le=1000)
    code: str = Field("", max_length=60)
    kind: str = Field(InvoiceLine.Kind.OTHER, description="consultation, examination, package, room, extra, other")


class InvoiceLineOut(Schema):
    kind: str
    code: str
    description: str
    service_date: dt.date | None
    quantity: int
    unit_price: str
    amount: str


class DiagnosisOut(Schema):
    code: str = Field(description="WHO ICD-10")
    display: str


class InvoiceOut(Schema):
    id: UUID
    kind: str = Field(description="invoice or credit_note")
    number: str
    status: str = Field(description="draft, issued, paid or cancelled")
    patient_id: UUID
    hospital_id: UUID
    credits_invoice_id: UUID | None
    subtotal: str
    tax_rate: str
    tax: str
    total: str
    currency: str = Field(description="Always CNY")
    balance: str = Field(description="Still due, CNY")
    display_currency: str = Field(description="The patient's currency, shown beside")
    display_total: str | None = Field(description="The total in the patient's currency at the frozen rate")
    display_rate: str | None = Field(description="1 CNY in the patient's currency, frozen at issue")
    display_rate_date: dt.date | None
    diagnoses: list[DiagnosisOut]
    issued_at: dt.datetime | None
    lines: list[InvoiceLineOut]


class InvoiceDraftIn(Schema):
    patient_id: UUID
    hospital_id: UUID | None = None


class IssueIn(Schema):
    tax_rate: str | None = Field(None, description="Overrides the hospital's rate, e.g. \"0.06\"")
    display_currency: str = Field("", max_length=3)


class CreditIn(Schema):
    reason: str = Field(max_length=300)
    amount: str | None = Field(None, description="CNY; the whole open amount when left out")


class WriteOffIn(Schema):
    amount: str
    reason: str = Field(max_length=300)


class PaymentIn(Schema):
    patient_id: UUID
    hospital_id: UUID | None = None
    purpose: str = Field(description="invoice or deposit")
    invoice_id: UUID | None = None
    channel: str = Field(description="cash, card, bank_transfer (online payments go through /payment-intents)")
    amount: str = Field(description=AMOUNT)
    currency: str = Field(max_length=3)
    reference: str = Field("", max_length=120, description="Card slip or bank reference; one payment per reference")
    payer_name: str = Field("", max_length=200)


class PaymentOut(Schema):
    id: UUID
    patient_id: UUID
    hospital_id: UUID
    purpose: str
    invoice_id: UUID | None
    channel: str
    amount: str
    currency: str
    amount_cny: str
    rate: str
    rate_date: dt.date | None
    reference: str
    received_at: dt.datetime
    unapplied_cny: str = Field(description="Neither applied to an invoice nor refunded")


class RefundIn(Schema):
    amount_cny: str = Field(description="CNY, at most the payment's unapplied part")
    reason: str = Field(max_length=300)


class RefundOut(Schema):
    id: UUID
    payment_id: UUID
    status: str
    amount_cny: str
    amount: str
    currency: str
    reason: str


class AccountOut(Schema):
    patient_id: UUID
    due_cny: str
    credit_cny: str
    balance_cny: str = Field(description="Due minus credit: positive means the patient owes")
    invoices: list[InvoiceOut]
    payments: list[PaymentOut]
    refunds: list[RefundOut]


class LedgerOut(Schema):
    hospital_id: UUID
    total_debit: str
    total_credit: str
    balanced: bool
    accounts: dict[str, str] = Field(description="Account code → debit minus credit, CNY")


# --- Helpers -----------------------------------------------------------------------------------------------------


def _hospital(request, hospital_id, hospitals):
    if hospital_id is not None:
        hospital = next((h for h in hospitals if h.public_id == hospital_id), None)
    else:
        hospital = hospitals[0] if len(hospitals) == 1 else None
    if hospital is None:
        raise NotFound()
    return hospital


def _patient_at(request, patient_id, hospital):
    patient = patient_get_for_user(user=request.auth, public_id=str(patient_id), request=request, purpose="billing")
    if not patients_at(hospital).filter(pk=patient.pk).exists():
        raise NotFound()
    return patient


def _estimate_out(estimate):
    totals = selectors.estimate_totals(estimate)
    return {"id": estimate.public_id, "number": estimate.number, "status": estimate.status, "title": estimate.title,
            "valid_until": estimate.valid_until, "patient_id": estimate.patient.public_id,
            "hospital_id": estimate.hospital.public_id, "total_low_cny": str(totals["low"]),
            "total_high_cny": str(totals["high"]), "currency": estimate.currency,
            "total_low": str(totals["low_converted"]), "total_high": str(totals["high_converted"]),
            "rate": str(totals["rate"]), "rate_date": totals["rate_date"],
            "lines": [{"code": line.code, "description": line.description, "quantity": line.quantity,
                       "unit_price_low": str(line.unit_price_low), "unit_price_high": str(line.unit_price_high)}
                      for line in estimate.lines.all()]}


def _invoice_out(invoice):
    display_total = None
    if invoice.display_rate:
        from carebridge.catalog.selectors import round_money

        display_total = str(round_money(invoice.total * invoice.display_rate, invoice.display_currency))
    return {"id": invoice.public_id, "kind": invoice.kind, "number": invoice.number, "status": invoice.status,
            "patient_id": invoice.patient.public_id, "hospital_id": invoice.hospital.public_id,
            "credits_invoice_id": invoice.credits.public_id if invoice.credits_id else None,
            "subtotal": str(invoice.subtotal), "tax_rate": str(invoice.tax_rate), "tax": str(invoice.tax),
            "total": str(invoice.total), "currency": invoice.currency,
            "balance": str(selectors.invoice_balance(invoice)), "display_currency": invoice.display_currency,
            "display_total": display_total,
            "display_rate": str(invoice.display_rate) if invoice.display_rate else None,
            "display_rate_date": invoice.display_rate_date, "diagnoses": invoice.diagnoses,
            "issued_at": invoice.issued_at,
            "lines": [{"kind": line.kind, "code": line.code, "description": line.description,
                       "service_date": line.service_date, "quantity": line.quantity,
                       "unit_price": str(line.unit_price), "amount": str(line.amount)}
                      for line in invoice.lines.all()]}


def _payment_out(payment):
    return {"id": payment.public_id, "patient_id": payment.patient.public_id,
            "hospital_id": payment.hospital.public_id, "purpose": payment.purpose,
            "invoice_id": payment.invoice.public_id if payment.invoice_id else None, "channel": payment.channel,
            "amount": str(payment.amount), "currency": payment.currency, "amount_cny": str(payment.amount_cny),
            "rate": str(payment.rate), "rate_date": payment.rate_date, "reference": payment.reference,
            "received_at": payment.received_at, "unapplied_cny": str(selectors.payment_unapplied(payment))}


def _refund_out(refund):
    return {"id": refund.public_id, "payment_id": refund.payment.public_id, "status": refund.status,
            "amount_cny": str(refund.amount_cny), "amount": str(refund.amount), "currency": refund.currency,
            "reason": refund.reason}


# --- Estimates ---------------------------------------------------------------------------------------------------


@router.post("/estimates", response={201: EstimateOut, **WRITE}, summary="Draft a cost estimate")
def estimates_create(request, payload: EstimateIn):
    """Draft an estimate from the hospital's catalog items (and free lines), each with a low–high range in CNY."""
    hospital = _hospital(request, payload.hospital_id, estimate_hospitals(request.auth))
    patient = _patient_at(request, payload.patient_id, hospital)
    lines = []
    for position, line in enumerate(payload.lines):
        service = None
        if line.service_id is not None:
            service = Service.objects.filter(public_id=line.service_id, hospital=hospital).first()
            if service is None:
                raise ValidationFailed(_("This service is not offered by this hospital."), code="service_elsewhere",
                                       details={"lines": position})
        entry = {"service": service, "description": line.description, "quantity": line.quantity}
        if line.low is not None:
            entry["low"] = line.low
        if line.high is not None:
            entry["high"] = line.high
        lines.append(entry)
    estimate = services.cost_estimate_create(hospital=hospital, patient=patient, title=payload.title,
                                             valid_until=payload.valid_until, lines=lines, created_by=request.auth,
                                             currency=payload.currency, note=payload.note, request=request)
    return Status(201, _estimate_out(estimate))


@router.get("/estimates/{estimate_id}", response={200: EstimateOut, **READ}, summary="Read a cost estimate")
def estimates_read(request, estimate_id: UUID):
    """Staff of the hospital see every estimate; the patient and guardians see sent ones."""
    return _estimate_out(estimate_get_for_user(user=request.auth, public_id=str(estimate_id), request=request))


@router.post("/estimates/{estimate_id}/send", response={200: EstimateOut, **WRITE}, summary="Send an estimate")
def estimates_send(request, estimate_id: UUID):
    """Number the estimate, freeze its exchange rate and tell the patient in their language."""
    estimate = estimate_get_for_user(user=request.auth, public_id=str(estimate_id), request=request, manage=True)
    return _estimate_out(services.cost_estimate_send(estimate=estimate, sent_by=request.auth, request=request))


@router.post("/estimates/{estimate_id}/accept", response={200: EstimateOut, **WRITE}, summary="Accept an estimate")
def estimates_accept(request, estimate_id: UUID):
    """The patient or a guardian accepts a sent, still valid estimate; 409 `estimate_expired` once it lapsed."""
    estimate = estimate_get_for_user(user=request.auth, public_id=str(estimate_id), request=request)
    if estimate.relation != "patient":
        raise NotFound()
    return _estimate_out(services.cost_estimate_accept(estimate=estimate, accepted_by=request.auth, request=request))


# --- Invoices ----------------------------------------------------------------------------------------------------


def _invoice(request, invoice_id, *, manage=False):
    return invoice_get_for_user(user=request.auth, public_id=str(invoice_id), request=request, manage=manage)


@router.post("/invoices", response={201: InvoiceOut, **WRITE}, summary="Draft an invoice from what was delivered")
def invoices_draft(request, payload: InvoiceDraftIn):
    """Draft an invoice with a line for every delivered item not yet billed (visits, exams, packages, room nights)."""
    hospital = _hospital(request, payload.hospital_id, cashier_hospitals(request.auth))
    patient = _patient_at(request, payload.patient_id, hospital)
    invoice = services.invoice_draft_create(hospital=hospital, patient=patient, created_by=request.auth,
                                            request=request)
    return Status(201, _invoice_out(invoice))


@router.get("/invoices", response={200: list[InvoiceOut], **READ}, summary="A hospital's invoices")
def invoices_list(request, hospital_id: UUID | None = None, status: str = "", q: str = ""):
    """List the hospital's invoices and credit notes, newest first (at most 200)."""
    from carebridge.audit.services import audit_record_reads

    hospital = _hospital(request, hospital_id, cashier_hospitals(request.auth))
    invoices = list(selectors.invoices_at(hospital=hospital, status=status, query=q)
                    .select_related("hospital", "credits").prefetch_related("lines")[:200])
    audit_record_reads(actor=request.auth, request=request, organisation=hospital,
                       patients=[invoice.patient for invoice in invoices], purpose="billing")
    return [_invoice_out(invoice) for invoice in invoices]


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **READ}, summary="Read an invoice")
def invoices_read(request, invoice_id: UUID):
    """The hospital's cashiers see every invoice; the patient and guardians see issued ones."""
    return _invoice_out(_invoice(request, invoice_id))


@router.post("/invoices/{invoice_id}/lines", response={201: InvoiceLineOut, **WRITE}, summary="Add a line")
def invoices_line_add(request, invoice_id: UUID, payload: InvoiceLineIn):
    """Add a line to a draft; 409 `invoice_not_draft` once issued (issue a credit note instead)."""
    invoice = _invoice(request, invoice_id, manage=True)
    line = services.invoice_line_add(invoice=invoice, description=payload.description, unit_price=payload.unit_price,
                                     quantity=payload.quantity, code=payload.code, kind=payload.kind,
                                     created_by=request.auth, request=request)
    return Status(201, {"kind": line.kind, "code": line.code, "description": line.description,
                        "service_date": line.service_date, "quantity": line.quantity,
                        "unit_price": str(line.unit_price), "amount": str(line.amount)})


@router.post("/invoices/{invoice_id}/issue", response={200: InvoiceOut, **WRITE}, summary="Issue an invoice")
def invoices_issue(request, invoice_id: UUID, payload: IssueIn):
    """Take the next number (no gaps), freeze totals, ICD-10 diagnoses and the patient's currency rate, and post."""
    invoice = _invoice(request, invoice_id, manage=True)
    invoice = services.invoice_issue(invoice=invoice, issued_by=request.auth, tax_rate=payload.tax_rate,
                                     display_currency=payload.display_currency, request=request)
    return _invoice_out(invoice)


@router.post("/invoices/{invoice_id}/credit-notes", response={201: InvoiceOut, **WRITE},
             summary="Credit an invoice")
def invoices_credit(request, invoice_id: UUID, payload: CreditIn):
    """Issue a credit note for all or part of an invoice; what was paid beyond the new total becomes credit."""
    invoice = _invoice(request, invoice_id, manage=True)
    note = services.credit_note_issue(invoice=invoice, reason=payload.reason, amount=payload.amount,
                                      issued_by=request.auth, request=request)
    return Status(201, _invoice_out(note))


@router.post("/invoices/{invoice_id}/apply-deposits", response={200: InvoiceOut, **WRITE},
             summary="Apply deposits to an invoice")
def invoices_apply_deposits(request, invoice_id: UUID):
    """Apply the patient's deposits and credit at the hospital, oldest first; 409 `no_credit` when none is left."""
    invoice = _invoice(request, invoice_id, manage=True)
    services.deposit_apply(invoice=invoice, applied_by=request.auth, request=request)
    return _invoice_out(Invoice.objects.get(pk=invoice.pk))


@router.post("/invoices/{invoice_id}/write-offs", response={200: InvoiceOut, **WRITE}, summary="Write off")
def invoices_write_off(request, invoice_id: UUID, payload: WriteOffIn):
    """Give up collecting part of what is due, with the reason."""
    invoice = _invoice(request, invoice_id, manage=True)
    return _invoice_out(services.invoice_write_off(invoice=invoice, amount=payload.amount, reason=payload.reason,
                                                   written_off_by=request.auth, request=request))


# --- Payments and refunds ----------------------------------------------------------------------------------------


CASHIER_CHANNELS = (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.BANK_TRANSFER)


@router.post("/payments", response={201: PaymentOut, **WRITE}, summary="Record a payment at the cashier")
def payments_record(request, payload: PaymentIn):
    """Record cash, a card slip or a bank transfer (Idempotency-Key required); applied up to the invoice's balance."""
    key = idempotency_key(request)
    hospital = _hospital(request, payload.hospital_id, cashier_hospitals(request.auth))
    patient = _patient_at(request, payload.patient_id, hospital)
    invoice = None
    if payload.invoice_id is not None:
        invoice = Invoice.objects.filter(public_id=payload.invoice_id, hospital=hospital, patient=patient).first()
        if invoice is None:
            raise NotFound()
    if payload.channel not in CASHIER_CHANNELS:
        raise ValidationFailed(_("Online payments are started by the patient and confirmed by the provider."),
                               code="channel_invalid", details={"channel": payload.channel})

    def run():
        payment = services.payment_record(
            hospital=hospital, patient=patient, invoice=invoice, purpose=payload.purpose, channel=payload.channel,
            amount=payload.amount, currency=payload.currency, reference=payload.reference,
            payer_name=payload.payer_name, received_by=request.auth, request=request)
        return 201, _payment_out(payment)

    status, body, _replayed = idempotent(user=request.auth, key=key, operation="payments_record",
                                         payload=payload.dict(), run=run)
    return Status(status, body)


@router.get("/payments/{payment_id}", response={200: PaymentOut, **READ}, summary="Read a payment")
def payments_read(request, payment_id: UUID):
    """The hospital's cashiers and the patient's own people see a payment."""
    return _payment_out(payment_get_for_user(user=request.auth, public_id=str(payment_id), request=request))


@router.post("/payments/{payment_id}/refunds", response={201: RefundOut, **WRITE}, summary="Refund")
def payments_refund(request, payment_id: UUID, payload: RefundIn):
    """Refund up to the payment's unapplied part (Idempotency-Key required); 400 `refund_too_large` beyond it."""
    key = idempotency_key(request)
    payment = payment_get_for_user(user=request.auth, public_id=str(payment_id), request=request, manage=True)

    def run():
        refund = services.refund_request(payment=payment, amount_cny=payload.amount_cny, reason=payload.reason,
                                         requested_by=request.auth, request=request)
        return 201, _refund_out(refund)

    status, body, _replayed = idempotent(user=request.auth, key=key, operation=f"refund:{payment_id}",
                                         payload=payload.dict(), run=run)
    return Status(status, body)


# --- Accounts and the ledger -------------------------------------------------------------------------------------


@router.get("/patients/{patient_id}/account", response={200: AccountOut, **READ}, summary="A patient's account")
def patient_account_read(request, patient_id: UUID):
    """Invoices, payments, refunds and the balance: the patient's own people see all, a cashier their hospital's."""
    patient = patient_get_for_user(user=request.auth, public_id=str(patient_id), request=request, purpose="billing")
    hospitals = cashier_hospitals(request.auth)
    hospital = next((h for h in hospitals if patients_at(h).filter(pk=patient.pk).exists()), None)
    from carebridge.patients.selectors import portal_patients

    if hospital is None and not portal_patients(request.auth).filter(pk=patient.pk).exists():
        raise NotFound()
    account = selectors.patient_account(hospital=hospital, patient=patient)
    return {"patient_id": patient.public_id, "due_cny": str(account["due"]), "credit_cny": str(account["credit"]),
            "balance_cny": str(account["balance"]),
            "invoices": [_invoice_out(invoice) for invoice in account["invoices"]],
            "payments": [_payment_out(payment) for payment in account["payments"]],
            "refunds": [_refund_out(refund) for refund in account["refunds"]]}


@router.get("/ledger/balance", response={200: LedgerOut, **READ}, summary="The hospital's trial balance")
def ledger_balance(request, hospital_id: UUID | None = None):
    """Debits and credits of every account of patients' money; `balanced` is always true."""
    hospital = _hospital(request, hospital_id, cashier_hospitals(request.auth))
    debit, credit = ledger_totals(hospital=hospital)
    balances = account_balances(hospital=hospital)
    return {"hospital_id": hospital.public_id, "total_debit": str(debit), "total_credit": str(credit),
            "balanced": debit == credit,
            "accounts": {f"{code} {LedgerAccount(code).label}": str(value) for code, value in sorted(balances.items())}}


