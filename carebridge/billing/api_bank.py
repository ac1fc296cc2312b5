"""API of bank statements and reconciliation: import a statement, work the queue, read the report (cashiers)."""

import datetime as dt
from decimal import Decimal

from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from carebridge.billing import bank, reconciliation
from carebridge.billing.access import cashier_hospitals
from carebridge.billing.models import Invoice
from carebridge.core.errors import NotFound
from carebridge.core.ids import is_uuid
from carebridge.core.schemas import ErrorOut

router = Router(tags=["billing: bank and reconciliation"])
ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _hospital(request, public_id):
    for hospital in cashier_hospitals(request.user):
        if str(hospital.public_id) == str(public_id):
            return hospital
    raise NotFound()


class StatementImportOut(Schema):
    statement: str
    format: str
    lines: int
    matched: int
    unmatched: int
    skipped: int


class LineOut(Schema):
    statement: str
    bank_reference: str
    booked_on: dt.date
    amount: Decimal
    currency: str
    reference: str
    counterparty: str
    state: str
    payment: str | None


class MatchIn(Schema):
    hospital: str
    statement: str
    bank_reference: str
    invoice: str | None = None
    patient: str | None = None


class IgnoreIn(Schema):
    hospital: str
    statement: str
    bank_reference: str
    reason: str


class ReconciliationRowOut(Schema):
    day: dt.date
    channel: str
    count: int
    received: Decimal
    refunded: Decimal
    net: Decimal
    ledger: Decimal
    difference: Decimal
    pending_intents: int
    pending_amount: Decimal
    unmatched_lines: int
    unmatched_amounts: dict[str, Decimal]


class ReconciliationOut(Schema):
    date_from: dt.date
    date_to: dt.date
    rows: list[ReconciliationRowOut]
    differences: int
    net: Decimal
    ledger: Decimal


def _line_out(line):
    return {"statement": str(line.statement.public_id), "bank_reference": line.bank_reference,
            "booked_on": line.booked_on, "amount": line.amount, "currency": line.currency,
            "reference": line.reference, "counterparty": line.counterparty, "state": line.state,
            "payment": str(line.payment.public_id) if line.payment_id else None}


@router.post("/billing/bank-statements", response={201: StatementImportOut, **ERRORS},
             summary="Import a bank statement (CSV or camt.053)")
def statement_import(request, hospital: str, file: UploadedFile = File(...)):  # noqa: B008 - ninja's marker
    """Import a statement once; credits naming an issued invoice become bank-transfer payments, the rest wait."""
    hospital = _hospital(request, hospital)
    summary = bank.bank_statement_import(hospital=hospital, filename=file.name or "",
                                         data=file.read(bank.MAX_FILE_BYTES + 1), imported_by=request.user,
                                         request=request)
    statement = summary.pop("statement")
    return Status(201, {"statement": str(statement.public_id), "format": statement.format, **summary})


@router.get("/billing/bank-lines", response={200: list[LineOut], **ERRORS}, summary="Credits waiting for the cashier")
def lines_unmatched(request, hospital: str):
    """List the hospital's bank credits that no invoice matched, oldest first."""
    return [_line_out(line) for line in bank.unmatched_lines(hospital=_hospital(request, hospital))[:500]]


@router.post("/billing/bank-lines/match", response={200: LineOut, **ERRORS},
             summary="Record a waiting credit for an invoice or a patient's deposit")
def line_match(request, payload: MatchIn):
    """Match a waiting credit by hand: to an invoice (id) or as a deposit of a patient (id); recorded once."""
    from carebridge.patients.models import Patient

    hospital = _hospital(request, payload.hospital)
    line = bank.bank_line_get(hospital=hospital, statement_id=payload.statement,
                              bank_reference=payload.bank_reference)
    invoice = patient = None
    if payload.invoice:
        invoice = Invoice.objects.filter(hospital=hospital, public_id=payload.invoice).first() \
            if is_uuid(payload.invoice) else None
        if invoice is None:
            raise NotFound()
    if payload.patient:
        patient = Patient.objects.filter(public_id=payload.patient).first() if is_uuid(payload.patient) else None
        if patient is None:
            raise NotFound()
    bank.bank_line_match(line=line, invoice=invoice, patient=patient, matched_by=request.user, request=request)
    line.refresh_from_db()
    return _line_out(line)


@router.post("/billing/bank-lines/ignore", response={200: LineOut, **ERRORS}, summary="Set a waiting credit aside")
def line_ignore(request, payload: IgnoreIn):
    """Ignore a credit that is not a patient's payment, with the reason (audited)."""
    hospital = _hospital(request, payload.hospital)
    line = bank.bank_line_get(hospital=hospital, statement_id=payload.statement,
                              bank_reference=payload.bank_reference)
    return _line_out(bank.bank_line_ignore(line=line, reason=payload.reason, ignored_by=request.user,
                                           request=request))


@router.get("/billing/reconciliation", response={200: ReconciliationOut, **ERRORS},
            summary="Reconciliation per day and channel against the ledger")
def reconciliation_get(request, hospital: str, date_from: dt.date, date_to: dt.date):
    """Return, per day and channel, payments, refunds and net against the ledger's clearing account movement."""
    report = reconciliation.reconciliation_report(hospital=_hospital(request, hospital), date_from=date_from,
                                                  date_to=date_to)
    return {"date_from": report["date_from"], "date_to": report["date_to"], "rows": report["rows"],
            "differences": len(report["differences"]), "net": report["totals"].get("net", 0),
            "ledger": report["totals"].get("ledger", 0)}
