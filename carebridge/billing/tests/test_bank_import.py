"""Bank statements: CSV and camt.053 imported once, credits matched to invoices, the rest queued for the cashier."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from carebridge.audit.models import AuditEvent
from carebridge.billing import bank, services
from carebridge.billing.ledger import account_balances, ledger_totals
from carebridge.billing.models import BankStatement, BankStatementLine, Invoice, LedgerAccount, Payment
from carebridge.billing.selectors import patient_credit
from carebridge.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def csv_file(*rows, header="date,amount,currency,reference,counterparty,bank_reference"):
    return ("\n".join([header, *rows]) + "\n").encode()


CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-11-21T08:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-1-1</Id>
   <Acct><Id><Othr><Id>4600 1234 5678</Id></Othr></Id></Acct>
   {entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>"""

ENTRY = """<Ntry>
    <NtryRef>{ref}</NtryRef><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>
    <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
    <NtryDtls><TxDtls>
      <RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>"""


def camt(*entries):
    return CAMT.format(entries="".join(ENTRY.format(**{"ccy": "CNY", "ind": "CRDT", "payer": "TSEND BATBAYAR",
                                                        "day": yesterday().isoformat(), **e})
                                       for e in entries)).encode()


def test_a_csv_credit_naming_the_invoice_pays_it_through_the_bank(issued_invoice, haikou, cashier):
    data = csv_file(f"{yesterday():%Y-%m-%d},900.00,CNY,Payment for invoice {issued_invoice.number},"
                    "TSEND BATBAYAR,B-0001")

    summary = bank.bank_statement_import(hospital=haikou, filename="nov.csv", data=data, imported_by=cashier)

    issued_invoice.refresh_from_db()
    payment = Payment.objects.get()
    assert summary["matched"] == 1 and summary["unmatched"] == 0
    assert payment.channel == Payment.Channel.BANK_TRANSFER and payment.reference == "B-0001"
    assert payment.payer_name == "TSEND BATBAYAR"
    assert issued_invoice.status == Invoice.Status.PAID
    assert account_balances(hospital=haikou)[LedgerAccount.BANK] == Decimal("900.00")
    debit, credit = ledger_totals()
    assert debit == credit
    assert BankStatementLine.objects.get().state == BankStatementLine.State.MATCHED


def test_a_chinese_bank_export_with_bom_semicolons_and_decimal_comma_is_read(issued_invoice, haikou, cashier):
    number = issued_invoice.number.replace("-", " ")
    data = ("\ufeff交易日期;金额;币种;附言;对方户名;流水号\n"
            f"{yesterday():%d.%m.%Y};\"400,00\";CNY;{number.lower()};Batbayar;CN-77\n"
            f"{yesterday():%d.%m.%Y};-1.250,00;CNY;rent;Landlord;CN-78\n").encode()

    summary = bank.bank_statement_import(hospital=haikou, filename="icbc.csv", data=data, imported_by=cashier)

    assert summary["lines"] == 1  # the debit is not imported
    assert Payment.objects.get().amount == Decimal("400.00")


def test_a_camt053_credit_in_dollars_is_converted_at_the_booking_days_rate(issued_invoice, haikou, cashier):
    data = camt({"ref": "ACC-1", "amount": "55.20", "ccy": "USD", "text": f"INV {issued_invoice.number}"},
                {"ref": "ACC-2", "amount": "10.00", "ind": "DBIT", "text": "fee"})

    summary = bank.bank_statement_import(hospital=haikou, filename="camt.xml", data=data, imported_by=cashier)

    payment = Payment.objects.get()
    statement = BankStatement.objects.get()
    assert summary["matched"] == 1 and statement.format == "camt.053" and statement.account == "4600 1234 5678"
    assert payment.currency == "USD" and payment.amount_cny == Decimal("400.00")
    assert payment.rate == Decimal("0.1380") and payment.rate_date == yesterday()
    assert payment.payer_name == "TSEND BATBAYAR"


def test_the_same_file_twice_is_refused_and_records_nothing_more(issued_invoice, haikou, cashier):
    data = csv_file(f"{yesterday()},900.00,CNY,{issued_invoice.number},X,B-0001")
    bank.bank_statement_import(hospital=haikou, filename="a.csv", data=data, imported_by=cashier)

    with pytest.raises(Conflict) as refused:
        bank.bank_statement_import(hospital=haikou, filename="b.csv", data=data, imported_by=cashier)

    assert refused.value.code == "bank_statement_duplicate"
    assert BankStatement.objects.count() == 1 and Payment.objects.count() == 1


def test_a_transfer_in_two_overlapping_statements_is_one_payment(issued_invoice, haikou, cashier):
    line = f"{yesterday()},900.00,CNY,{issued_invoice.number},X,B-0001"
    bank.bank_statement_import(hospital=haikou, filename="day.csv", data=csv_file(line), imported_by=cashier)

    summary = bank.bank_statement_import(hospital=haikou, filename="month.csv",
                                         data=csv_file(line, f"{yesterday()},5.00,CNY,interest,Bank,B-0002"),
                                         imported_by=cashier)

    assert summary["skipped"] == 1 and summary["lines"] == 1
    assert Payment.objects.count() == 1


def test_a_transfer_already_recorded_by_hand_is_not_recorded_again(issued_invoice, temuulen, haikou, cashier):
    first = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice,
                                    channel="bank_transfer", amount="300.00", currency="CNY", reference="B-0009",
                                    received_by=cashier)

    bank.bank_statement_import(hospital=haikou, filename="a.csv", imported_by=cashier,
                               data=csv_file(f"{yesterday()},300.00,CNY,{issued_invoice.number},X,B-0009"))

    assert Payment.objects.get() == first
    assert BankStatementLine.objects.get().payment == first


@pytest.mark.parametrize(("text", "amount"), [
    ("no invoice named here", "900.00"),
    ("{number}", "900.01"),  # more than is due
    ("HAI-2026-999999", "900.00"),  # no such invoice
])
def test_a_credit_that_cannot_be_matched_waits_for_the_cashier(issued_invoice, haikou, cashier, text, amount):
    data = csv_file(f"{yesterday()},{amount},CNY,{text.format(number=issued_invoice.number)},X,B-1")

    summary = bank.bank_statement_import(hospital=haikou, filename="a.csv", data=data, imported_by=cashier)

    assert summary["unmatched"] == 1
    assert not Payment.objects.exists()
    assert list(bank.unmatched_lines(hospital=haikou)) == list(BankStatementLine.objects.all())


@pytest.mark.parametrize(("data", "where"), [
    (csv_file("2026-11-20,abc,CNY,x,y,B-1"), {"line": 2, "column": "amount"}),
    (csv_file("2026-11-20,1.00,CNY,x,y,B-1", "20/31/2026,1.00,CNY,x,y,B-2"), {"line": 3, "column": "date"}),
    (csv_file("2026-11-20,1.00,XYZ,x,y,B-1"), {"line": 2, "column": "currency"}),
    (csv_file("2026-11-20,1.00,CNY,x,y,"), {"line": 2, "column": "bank_reference"}),
    (csv_file("2026-11-20,1.00", header="when,amount"), {"line": 1}),
    (camt({"ref": "A", "amount": "1.0x", "text": "x"}), {"element": "Stmt[1]/Ntry[1]/Amt"}),
    (camt({"ref": "A", "amount": "1.00", "ind": "CREDIT", "text": "x"}), {"element": "Stmt[1]/Ntry[1]/CdtDbtInd"}),
    (camt({"ref": "A", "amount": "1.00", "ccy": "", "text": "x"}), {"element": "Stmt[1]/Ntry[1]/Amt/@Ccy"}),
    (b"<Document><BkToCstmrStmt><Stmt><Ntry>", {"element": "/"}),
    (b"<Document><Other/></Document>", {"element": "Document/BkToCstmrStmt"}),
])
def test_a_bad_file_names_the_wrong_line_or_element_and_writes_nothing(haikou, cashier, data, where):
    with pytest.raises(ValidationFailed) as refused:
        bank.bank_statement_import(hospital=haikou, filename="bad", data=data, imported_by=cashier)

    assert refused.value.code == "bank_statement_invalid"
    assert where.items() <= refused.value.details.items()
    assert not BankStatement.objects.exists() and not BankStatementLine.objects.exists()


def test_xml_with_an_entity_expansion_is_refused(haikou, cashier):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<Document><BkToCstmrStmt>&b;</BkToCstmrStmt></Document>")

    with pytest.raises(ValidationFailed):
        bank.bank_statement_import(hospital=haikou, filename="bomb.xml", data=bomb, imported_by=cashier)

    assert not BankStatement.objects.exists()


def test_the_cashier_matches_a_waiting_credit_to_the_invoice_once(issued_invoice, haikou, cashier):
    bank.bank_statement_import(hospital=haikou, filename="a.csv", imported_by=cashier,
                               data=csv_file(f"{yesterday()},900.00,CNY,hospital bill,X,B-1"))
    line = BankStatementLine.objects.get()

    payment = bank.bank_line_match(line=line, invoice=issued_invoice, matched_by=cashier)
    with pytest.raises(Conflict):
        bank.bank_line_match(line=line, invoice=issued_invoice, matched_by=cashier)

    issued_invoice.refresh_from_db()
    assert issued_invoice.status == Invoice.Status.PAID
    assert Payment.objects.get() == payment and payment.reference == "B-1"
    assert AuditEvent.objects.filter(action="bank_line.match").count() == 1


def test_the_cashier_puts_a_waiting_credit_on_a_patients_deposit(temuulen, haikou, cashier, rates):
    bank.bank_statement_import(hospital=haikou, filename="a.csv", imported_by=cashier,
                               data=csv_file(f"{yesterday()},4800,MNT,deposit Temuulen,X,B-1"))

    payment = bank.bank_line_match(line=BankStatementLine.objects.get(), patient=temuulen, matched_by=cashier)

    assert payment.purpose == Payment.Purpose.DEPOSIT and payment.amount_cny == Decimal("10.00")
    assert patient_credit(hospital=haikou, patient=temuulen) == Decimal("10.00")


def test_the_cashier_ignores_a_credit_only_with_a_reason(haikou, cashier):
    bank.bank_statement_import(hospital=haikou, filename="a.csv", imported_by=cashier,
                               data=csv_file(f"{yesterday()},12.00,CNY,interest,Bank,B-1"))
    line = BankStatementLine.objects.get()

    with pytest.raises(ValidationFailed):
        bank.bank_line_ignore(line=line, reason=" ", ignored_by=cashier)
    bank.bank_line_ignore(line=line, reason="Interest of the account", ignored_by=cashier)

    line.refresh_from_db()
    assert line.state == BankStatementLine.State.IGNORED
    assert not bank.unmatched_lines(hospital=haikou).exists()
    assert AuditEvent.objects.get(action="bank_line.ignore").details["reason"] == "Interest of the account"
