"""Invoices: drafted from what was delivered, issued once with a gapless number, corrected only by credit notes."""

from decimal import Decimal

import pytest

from carebridge.billing import services
from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import BillingPolicy, Invoice, InvoiceLine, JournalEntry
from carebridge.billing.selectors import billable_items, invoice_balance
from carebridge.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def assert_ledger_balanced(hospital=None):
    debit, credit = ledger_totals(hospital=hospital)
    assert debit == credit
    assert unbalanced_entries(hospital=hospital) == []


def test_a_draft_invoice_lists_the_completed_chest_ct_with_its_service_code(delivered, temuulen, haikou, cashier):
    invoice = services.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)

    lines = list(invoice.lines.all())
    assert [(line.code, line.kind, line.amount) for line in lines] == [("chest-ct", "examination", Decimal("900.00"))]
    assert lines[0].source.startswith("order:")


def test_an_item_on_a_live_invoice_is_not_billed_twice(issued_invoice, temuulen, haikou):
    assert billable_items(hospital=haikou, patient=temuulen) == []


def test_issuing_freezes_the_number_diagnoses_and_the_patients_currency(issued_invoice, rates):
    invoice = issued_invoice

    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.number.endswith("-000001")
    assert invoice.total == Decimal("900.00")
    assert invoice.diagnoses == [{"code": "J44.9", "display": "Chronic obstructive pulmonary disease, unspecified"}]
    assert invoice.display_currency == "MNT"
    assert invoice.display_rate == Decimal("480.00")
    assert invoice.display_rate_date == rates
    assert_ledger_balanced()


def test_numbers_follow_each_other_without_gaps_even_after_a_refused_issue(delivered, temuulen, haikou, cashier,
                                                                           rates):
    first = services.invoice_issue(invoice=services.invoice_draft_create(hospital=haikou, patient=temuulen,
                                                                         created_by=cashier), issued_by=cashier)
    empty = services.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)
    with pytest.raises(ValidationFailed):
        services.invoice_issue(invoice=empty, issued_by=cashier)
    services.invoice_line_add(invoice=empty, description="Medical report translation", unit_price="200.00",
                              created_by=cashier)
    second = services.invoice_issue(invoice=empty, issued_by=cashier)

    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_the_hospitals_tax_rate_is_charged_on_the_subtotal(delivered, temuulen, haikou, cashier, rates):
    BillingPolicy.objects.create(hospital=haikou, tax_rate=Decimal("0.06"))
    invoice = services.invoice_issue(invoice=services.invoice_draft_create(hospital=haikou, patient=temuulen,
                                                                           created_by=cashier), issued_by=cashier)

    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("900.00"), Decimal("54.00"), Decimal("954.00"))
    assert_ledger_balanced()


def test_an_issued_invoice_is_never_edited(issued_invoice, cashier):
    with pytest.raises(Conflict) as refused:
        services.invoice_line_add(invoice=issued_invoice, description="Late fee", unit_price="50.00",
                                  created_by=cashier)
    assert refused.value.code == "invoice_not_draft"
    assert issued_invoice.lines.count() == 1


def test_a_full_credit_note_cancels_the_invoice_and_frees_its_items(issued_invoice, temuulen, haikou, cashier):
    note = services.credit_note_issue(invoice=issued_invoice, reason="Billed to the wrong patient", issued_by=cashier)

    issued_invoice.refresh_from_db()
    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.total == Decimal("900.00")
    assert "-C" in note.number
    assert issued_invoice.status == Invoice.Status.CANCELLED
    assert invoice_balance(issued_invoice) == 0
    assert len(billable_items(hospital=haikou, patient=temuulen)) == 1
    assert_ledger_balanced()


def test_a_credit_note_larger_than_the_invoice_is_refused(issued_invoice, cashier):
    with pytest.raises(ValidationFailed) as refused:
        services.credit_note_issue(invoice=issued_invoice, reason="Discount", amount="901.00", issued_by=cashier)
    assert refused.value.code == "credit_too_large"
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_a_payment_on_a_cancelled_invoice_is_refused_and_records_nothing(issued_invoice, temuulen, haikou, cashier):
    services.credit_note_issue(invoice=issued_invoice, reason="Cancelled visit", issued_by=cashier)
    issued_invoice.refresh_from_db()
    entries = JournalEntry.objects.count()

    with pytest.raises(Conflict) as refused:
        services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                amount="900.00", currency="CNY", received_by=cashier)

    assert refused.value.code == "invoice_cancelled"
    assert JournalEntry.objects.count() == entries


def test_free_lines_need_a_description_and_a_sane_quantity(delivered, temuulen, haikou, cashier):
    invoice = services.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)
    with pytest.raises(ValidationFailed):
        services.invoice_line_add(invoice=invoice, description=" ", unit_price="10.00", created_by=cashier)
    with pytest.raises(ValidationFailed):
        services.invoice_line_add(invoice=invoice, description="Drug", unit_price="10.00", quantity=0,
                                  created_by=cashier)
    with pytest.raises(ValidationFailed):
        services.invoice_line_add(invoice=invoice, description="Drug", unit_price="-1", created_by=cashier)
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1
