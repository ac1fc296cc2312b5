"""Bank transfers: import a statement (CSV or ISO 20022 camt.053), match its credits to invoices, queue the rest.

A statement file is imported once per hospital (its SHA-256). Every credit line whose remittance text names an
issued invoice of the hospital, in a currency we can convert, for no more than what is due, becomes a payment
through `services.payment_record` (channel bank_transfer, the bank's reference as the payment's reference, so the
same transfer is never recorded twice). The other credits wait for the cashier, who matches them to an invoice or a
patient's deposit, or ignores them with a reason. Debits (money leaving the account) are not imported.

The CSV layout (one header row, then one row per booking; comma, semicolon or tab separated, UTF-8 with or without
BOM; amounts with a decimal point or a decimal comma; debits negative):

    date,amount,currency,reference,counterparty,bank_reference
    2026-11-20,900.00,CNY,Invoice HAI-2026-000001,TSEND BATBAYAR,B20261120-0001

Header names are matched loosely (case, spaces, common synonyms and Chinese bank headings such as 交易日期, 金额,
币种, 附言, 对方户名, 流水号); `currency` may be left out (CNY) and so may `counterparty`.
"""

import csv
import datetime as dt
import hashlib
import io
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.audit.services import audit_record
from carebridge.billing import services
from carebridge.billing.models import BankStatement, BankStatementLine, Invoice, Payment
from carebridge.billing.selectors import invoice_balance
from carebridge.catalog.selectors import rate_for
from carebridge.core.errors import CareBridgeError, Conflict, NotFound, ValidationFailed
from carebridge.core.i18n import valid_currency

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINES = 20000
CENT = Decimal("0.01")

CSV = "csv"
CAMT053 = "camt.053"

# Normalised header (lower case, letters and digits only) -> our column.
HEADERS = {
    "date": ("date", "bookingdate", "bookeddate", "booked", "bookingday", "valuedate", "transactiondate",
             "交易日期", "记账日期", "日期", "入账日期"),
    "amount": ("amount", "credit", "creditamount", "sum", "betrag", "montant", "金额", "交易金额", "贷方金额",
               "收入金额", "收入"),
    "currency": ("currency", "ccy", "cur", "currencycode", "币种", "货币"),
    "reference": ("reference", "remittance", "remittanceinfo", "remittanceinformation", "purpose", "description",
                  "details", "memo", "narrative", "paymentreference", "verwendungszweck", "附言", "摘要", "用途",
                  "备注"),
    "counterparty": ("counterparty", "payer", "payername", "name", "debtor", "debtorname", "sender", "ordering",
                     "orderingparty", "对方户名", "付款人", "付款人名称", "对方名称"),
    "bank_reference": ("bankreference", "bankref", "transactionid", "transactionreference", "id", "reference2",
                       "acctsvcrref", "entryreference", "流水号", "交易流水号", "银行流水号", "凭证号"),
}
REQUIRED = ("date", "amount", "bank_reference")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
XML_AMOUNT = re.compile(r"\d{1,15}(\.\d{1,5})?")  # ActiveOrHistoricCurrencyAndAmount: no sign, a decimal point
INVOICE_NUMBER = re.compile(r"(?<![A-Z0-9])([A-Z]{2,3})[\s\-_/]?(\d{4})[\s\-_/]?(\d{6})(?!\d)")


class ParsedLine:
    """One credit read from a statement, before anything is written."""

    def __init__(self, *, booked_on, amount, currency, reference, counterparty, bank_reference, where):
        self.booked_on = booked_on
        self.amount = amount
        self.currency = currency
        self.reference = reference
        self.counterparty = counterparty
        self.bank_reference = bank_reference
        self.where = where


def _bad_file(message, **details):
    return ValidationFailed(message, code="bank_statement_invalid", details=details)


def _header_key(name):
    return re.sub(r"[\W_]+", "", (name or "").strip().lstrip("\ufeff").lower())


def parse_amount(text):
    """Return a Decimal from '1 234,56', '1,234.56', '-900.00', '900'; None when it is not a number."""
    value = re.sub(r"[\s\u00a0'’]", "", (text or "").strip())
    value = re.sub(r"^[^\d+\-.,]+|[^\d.,]+$", "", value)  # a currency sign or code around the number
    if not value:
        return None
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in value:
        head, _sep, tail = value.rpartition(",")
        value = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def parse_date(text):
    """Return a date from the usual bank formats, or None."""
    text = (text or "").strip()[:19]
    for candidate in (text, text[:10]):
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(candidate, fmt).date()  # noqa: DTZ007 - a calendar date, no time
            except ValueError:
                continue
    return None


def _decode(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad_file(_("The file is not text in UTF-8 or GB18030."), line=1)


def parse_csv(data):
    """Return the credit lines of a CSV statement, or raise ValidationFailed naming the line and column."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max((";", "\t", ","), key=first.count) if any(d in first for d in ";\t,") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _bad_file(_("The file is empty."), line=1) from None
    columns = {}
    for index, name in enumerate(header):
        key = _header_key(name)
        for column, names in HEADERS.items():
            if key in names and column not in columns:
                columns[column] = index
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise _bad_file(_("The header row lacks a column: %(columns)s.") % {"columns": ", ".join(missing)},
                        line=1, missing=missing)
    lines = []
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) >= MAX_LINES:
                raise _bad_file(_("A statement may have at most %(count)s lines.") % {"count": MAX_LINES},
                                line=number)

            def cell(column, row=row):
                index = columns.get(column)
                return row[index].strip() if index is not None and index < len(row) else ""

            booked_on = parse_date(cell("date"))
            if booked_on is None:
                raise _bad_file(_("Line %(line)s: the date is not a date.") % {"line": number}, line=number,
                                column="date", value=cell("date")[:40])
            amount = parse_amount(cell("amount"))
            if amount is None:
                raise _bad_file(_("Line %(line)s: the amount is not a number.") % {"line": number}, line=number,
                                column="amount", value=cell("amount")[:40])
            currency = (cell("currency") or "CNY").upper()
            if not valid_currency(currency):
                raise _bad_file(_("Line %(line)s: %(currency)s is not a currency.") % {"line": number,
                                                                                       "currency": currency[:10]},
                                line=number, column="currency", value=currency[:10])
            bank_reference = cell("bank_reference")
            if not bank_reference:
                raise _bad_file(_("Line %(line)s: the bank's reference is missing.") % {"line": number},
                                line=number, column="bank_reference")
            if amount <= 0:
                continue  # a debit or a zero line: not money received
            lines.append(ParsedLine(booked_on=booked_on, amount=amount, currency=currency,
                                    reference=cell("reference")[:200], counterparty=cell("counterparty")[:200],
                                    bank_reference=bank_reference[:120], where=f"line {number}"))
    except csv.Error as exc:
        raise _bad_file(_("Line %(line)s cannot be read as CSV.") % {"line": reader.line_num},
                        line=reader.line_num, error=str(exc)[:200]) from None
    return lines


# --- ISO 20022 camt.053 ---------------------------------------------------------------------------------------------


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _child(element, *path):
    """Follow child elements by local name (any namespace: camt.053.001.02 to .13 differ only in it)."""
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == name), None)
    return element


def _children(element, name):
    return [child for child in element if _local(child.tag) == name] if element is not None else []


def _text_of(element, *path):
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None and found.text else ""


def _first_text(element, *paths):
    for path in paths:
        text = _text_of(element, *path)
        if text:
            return text
    return ""


def parse_camt053(data):
    """Return (account, credit lines) of a camt.053 statement, or raise ValidationFailed naming the element."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        raise _bad_file(_("The XML is not well formed: %(error)s.") % {"error": str(exc)[:200]},
                        element="/", error=str(exc)[:200]) from None
    except DefusedXmlException:
        raise _bad_file(_("The XML uses entities or a DTD, which bank statements never need."),
                        element="/") from None
    statement_root = root if _local(root.tag) == "BkToCstmrStmt" else _child(root, "BkToCstmrStmt")
    if statement_root is None or _local(root.tag) not in ("Document", "BkToCstmrStmt"):
        raise _bad_file(_("This is not an ISO 20022 camt.053 statement (no BkToCstmrStmt)."),
                        element="Document/BkToCstmrStmt")
    statements = _children(statement_root, "Stmt")
    if not statements:
        raise _bad_file(_("The statement has no Stmt element."), element="BkToCstmrStmt/Stmt")
    account = ""
    lines = []
    for s_index, statement in enumerate(statements, start=1):
        account = account or _first_text(statement, ("Acct", "Id", "IBAN"), ("Acct", "Id", "Othr", "Id"))
        for n_index, entry in enumerate(_children(statement, "Ntry"), start=1):
            where = f"Stmt[{s_index}]/Ntry[{n_index}]"
            if len(lines) >= MAX_LINES:
                raise _bad_file(_("A statement may have at most %(count)s lines.") % {"count": MAX_LINES},
                                element=where)
            indicator = _text_of(entry, "CdtDbtInd")
            if indicator not in ("CRDT", "DBIT"):
                raise _bad_file(_("%(element)s: CdtDbtInd must be CRDT or DBIT.") % {"element": where + "/CdtDbtInd"},
                                element=where + "/CdtDbtInd", value=indicator[:20])
            status = _first_text(entry, ("Sts", "Cd"), ("Sts",))
            amount_element = _child(entry, "Amt")
            amount_text = (amount_element.text or "").strip() if amount_element is not None else ""
            amount = Decimal(amount_text) if XML_AMOUNT.fullmatch(amount_text) else None
            if amount is None:
                raise _bad_file(_("%(element)s: the amount is not a number.") % {"element": where + "/Amt"},
                                element=where + "/Amt")
            currency = (amount_element.get("Ccy") or "").strip().upper()
            if not valid_currency(currency):
                raise _bad_file(_("%(element)s: Ccy is not a currency.") % {"element": where + "/Amt/@Ccy"},
                                element=where + "/Amt/@Ccy", value=currency[:10])
            booked_text = _first_text(entry, ("BookgDt", "Dt"), ("BookgDt", "DtTm"), ("ValDt", "Dt"))
            booked_on = parse_date(booked_text)
            if booked_on is None:
                raise _bad_file(_("%(element)s: the booking date is missing or not a date.")
                                % {"element": where + "/BookgDt"}, element=where + "/BookgDt")
            details = _child(entry, "NtryDtls", "TxDtls")
            bank_reference = _first_text(entry, ("AcctSvcrRef",), ("NtryRef",)) or _first_text(
                details, ("Refs", "AcctSvcrRef"), ("Refs", "EndToEndId"), ("Refs", "TxId"))
            if not bank_reference:
                raise _bad_file(_("%(element)s: the entry has no AcctSvcrRef or NtryRef.")
                                % {"element": where + "/AcctSvcrRef"}, element=where + "/AcctSvcrRef")
            if indicator != "CRDT" or amount == 0 or (status and status not in ("BOOK", "BOOKED")):
                continue  # money leaving the account, or not yet booked
            remittance = " ".join(u.text.strip() for u in details.iter() if _local(u.tag) == "Ustrd" and u.text) \
                if details is not None else ""
            if not remittance:
                remittance = _text_of(entry, "AddtlNtryInf")
            counterparty = _first_text(details, ("RltdPties", "Dbtr", "Nm"), ("RltdPties", "Dbtr", "Pty", "Nm"))
            lines.append(ParsedLine(booked_on=booked_on, amount=amount, currency=currency,
                                    reference=remittance[:200], counterparty=counterparty[:200],
                                    bank_reference=bank_reference[:120], where=where))
    return account[:60], lines


def statement_format(filename, data):
    """Tell a camt.053 file from a CSV one by its content (its name may lie)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return CAMT053
    return CSV


# --- Matching ------------------------------------------------------------------------------------------------------


def invoice_numbers_in(text):
    """Return the invoice numbers written in a remittance text, normalised (HAI-2026-000001)."""
    found = []
    for prefix, year, serial in INVOICE_NUMBER.findall((text or "").upper()):
        number = f"{prefix}-{year}-{serial}"
        if number not in found:
            found.append(number)
    return found


def _conversion(amount, currency, booked_on):
    """Return (amount in CNY, rate, rate date) at the rate of the booking day."""
    info = rate_for(currency, on=booked_on)
    with localcontext() as context:
        context.prec = 28
        amount_cny = (amount / info.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount_cny, info.rate, info.date


def line_candidate(line):
    """Return the invoice a line pays, when its text names exactly one payable invoice that it does not overpay."""
    hospital = line.statement.hospital
    numbers = invoice_numbers_in(line.reference)
    invoices = list(Invoice.objects.filter(hospital=hospital, kind=Invoice.Kind.INVOICE, number__in=numbers,
                                           status=Invoice.Status.ISSUED).select_related("patient"))
    if len(invoices) != 1:
        return None
    invoice = invoices[0]
    try:
        amount_cny, _rate, _date = _conversion(line.amount, line.currency, line.booked_on)
    except CareBridgeError:
        return None
    if amount_cny > invoice_balance(invoice):
        return None
    return invoice


def _record(line, *, patient, invoice, by, request=None):
    """Record the line as a payment (once: the bank's reference is the payment's) and mark it matched."""
    hospital = line.statement.hospital
    amount_cny, rate, rate_date = _conversion(line.amount, line.currency, line.booked_on)
    purpose = Payment.Purpose.INVOICE if invoice is not None else Payment.Purpose.DEPOSIT
    payment = services.payment_record(
        hospital=hospital, patient=patient, channel=Payment.Channel.BANK_TRANSFER, amount=line.amount,
        currency=line.currency, received_by=by, invoice=invoice, purpose=purpose, reference=line.bank_reference,
        payer_name=line.counterparty, amount_cny=amount_cny, rate=rate, rate_date=rate_date, request=request)
    holder = BankStatementLine.objects.filter(payment=payment).exclude(pk=line.pk).first()
    if holder is not None:
        raise Conflict(_("This transfer is already recorded from another statement line."),
                       code="bank_line_already_recorded")
    line.payment = payment
    line.state = BankStatementLine.State.MATCHED
    line.save(update_fields=["payment", "state"])
    return payment


def _auto_match(line, *, by):
    invoice = line_candidate(line)
    if invoice is None:
        return False
    try:
        with transaction.atomic():
            _record(line, patient=invoice.patient, invoice=invoice, by=by)
    except CareBridgeError:
        line.state = BankStatementLine.State.UNMATCHED
        line.payment = None
        return False
    return True


def bank_statement_import(*, hospital, filename, data, imported_by, request=None):
    """Import a statement file: refuse it if already imported or malformed; match its credits; return a summary."""
    services._require_hospital(hospital)
    if not data:
        raise _bad_file(_("The file is empty."), line=1)
    if len(data) > MAX_FILE_BYTES:
        raise _bad_file(_("A statement file may be at most 5 MB."), size=len(data))
    digest = hashlib.sha256(data).hexdigest()
    if BankStatement.objects.filter(hospital=hospital, sha256=digest).exists():
        raise Conflict(_("This statement file has already been imported."), code="bank_statement_duplicate",
                       details={"sha256": digest})
    kind = statement_format(filename, data)
    account = ""
    if kind == CAMT053:
        account, parsed = parse_camt053(data)
    else:
        parsed = parse_csv(data)
    with transaction.atomic():
        statement = BankStatement.objects.create(hospital=hospital, filename=(filename or "statement")[:200],
                                                 format=kind, sha256=digest, account=account,
                                                 imported_by=imported_by)
        known = set(BankStatementLine.objects.filter(statement__hospital=hospital,
                                                     bank_reference__in=[p.bank_reference for p in parsed])
                    .values_list("bank_reference", flat=True))
        lines, skipped = [], 0
        for item in parsed:
            if item.bank_reference in known:
                skipped += 1  # the same booking seen in an earlier (overlapping) statement
                continue
            known.add(item.bank_reference)
            lines.append(BankStatementLine.objects.create(
                statement=statement, booked_on=item.booked_on, amount=item.amount, currency=item.currency,
                reference=item.reference, bank_reference=item.bank_reference, counterparty=item.counterparty))
        matched = sum(1 for line in lines if _auto_match(line, by=imported_by))
        audit_record(action="bank_statement.import", actor=imported_by, request=request, organisation=hospital,
                     object_type="bank_statement", object_id=statement.public_id, purpose="billing",
                     details={"format": kind, "lines": len(lines), "matched": matched, "skipped": skipped})
    return {"statement": statement, "lines": len(lines), "matched": matched, "unmatched": len(lines) - matched,
            "skipped": skipped}


# --- The cashier's queue -------------------------------------------------------------------------------------------


def unmatched_lines(*, hospital):
    """Return the hospital's credits waiting for the cashier, oldest first."""
    return (BankStatementLine.objects.filter(statement__hospital=hospital, state=BankStatementLine.State.UNMATCHED)
            .select_related("statement").order_by("booked_on", "id"))


def statements_at(*, hospital):
    """Return the hospital's imported statements, newest first."""
    return BankStatement.objects.filter(hospital=hospital).order_by("-created_at")


def bank_line_get(*, hospital, statement_id, bank_reference):
    """Return a line by its statement's public id and the bank's reference (no integer ids leave the database)."""
    from carebridge.core.ids import is_uuid

    if not is_uuid(statement_id) or not bank_reference:
        raise NotFound()
    line = BankStatementLine.objects.select_related("statement__hospital").filter(
        statement__public_id=statement_id, statement__hospital=hospital, bank_reference=bank_reference).first()
    if line is None:
        raise NotFound()
    return line


def _open_line(line):
    line = BankStatementLine.objects.select_for_update().select_related("statement__hospital").get(pk=line.pk)
    if line.state != BankStatementLine.State.UNMATCHED:
        raise Conflict(_("This line has already been handled."), code="bank_line_handled")
    return line


def bank_line_match(*, line, matched_by, invoice=None, patient=None, request=None):
    """Record an unmatched credit as a payment of an invoice, or as a deposit of a patient, by the cashier's choice."""
    hospital = line.statement.hospital
    if (invoice is None) == (patient is None):
        raise ValidationFailed(_("Choose an invoice or a patient's deposit."), code="bank_line_target_required",
                               details={"target": "required"})
    if invoice is not None:
        if invoice.hospital_id != hospital.pk:
            raise NotFound()
        services.invoice_payable_check(invoice)
        patient = invoice.patient
    with transaction.atomic():
        line = _open_line(line)
        payment = _record(line, patient=patient, invoice=invoice, by=matched_by, request=request)
        audit_record(action="bank_line.match", actor=matched_by, request=request, organisation=hospital,
                     object_type="payment", object_id=payment.public_id, patient_public_id=patient.public_id,
                     purpose="billing", details={"invoice": invoice.number if invoice else "",
                                                 "bank_reference": line.bank_reference})
    return payment


def bank_line_ignore(*, line, reason, ignored_by, request=None):
    """Set a credit aside (a transfer between the hospital's own accounts, interest): it is never a payment."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the line is ignored."), code="reason_required",
                               details={"reason": "required"})
    with transaction.atomic():
        line = _open_line(line)
        line.state = BankStatementLine.State.IGNORED
        line.save(update_fields=["state"])
        audit_record(action="bank_line.ignore", actor=ignored_by, request=request,
                     organisation=line.statement.hospital, object_type="bank_statement",
                     object_id=line.statement.public_id,
                     purpose="billing", details={"reason": reason[:300], "bank_reference": line.bank_reference,
                                                 "amount": str(line.amount), "currency": line.currency,
                                                 "at": timezone.now().isoformat()})
    return line
