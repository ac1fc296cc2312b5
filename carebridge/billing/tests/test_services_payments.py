"""Payments, deposits, refunds and write-offs: every one balanced in the ledger, none recorded twice."""

from decimal import Decimal

import pytest

from carebridge.billing import services
from carebridge.billing.ledger import account_balances, ledger_totals, unbalanced_entries
from carebridge.billing.models import Invoice, JournalEntry, LedgerAccount, Payment, Refund
from carebridge.billing.selectors import invoice_balance, patient_account, patient_credit, payment_unapplied
from carebridge.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def assert_ledger_balanced():
    debit, credit = ledger_totals()
    assert debit == credit
    assert unbalanced_entries() == []


def test_cash_at_the_cashier_settles_the_invoice(issued_invoice, temuulen, haikou, cashier):
    payment = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                      amount="900.00", currency="CNY", received_by=cashier)

    issued_invoice.refresh_from_db()
    assert payment.amount_cny == Decimal("900.00")
    assert issued_invoice.status == Invoice.Status.PAID
    assert invoice_balance(issued_invoice) == 0
    balances = account_balances(hospital=haikou)
    assert balances[LedgerAccount.CASH] == Decimal("900.00")
    assert balances.get(LedgerAccount.RECEIVABLE, 0) == 0
    assert_ledger_balanced()


def test_a_deposit_in_singapore_dollars_is_converted_at_the_days_rate(temuulen, haikou, cashier, rates):
    payment = services.payment_record(hospital=haikou, patient=temuulen, purpose="deposit", channel="card",
                                      amount="1850.00", currency="SGD", received_by=cashier)

    assert payment.amount_cny == Decimal("10000.00")
    assert payment.rate == Decimal("0.1850")
    assert patient_credit(hospital=haikou, patient=temuulen) == Decimal("10000.00")
    assert account_balances(hospital=haikou)[LedgerAccount.PATIENT_CREDIT] == Decimal("-10000.00")
    assert_ledger_balanced()


def test_at_discharge_the_deposit_is_applied_and_the_difference_refunded(issued_invoice, temuulen, haikou, cashier):
    deposit = services.payment_record(hospital=haikou, patient=temuulen, purpose="deposit", channel="card",
                                      amount="2000.00", currency="CNY", received_by=cashier)

    applied = services.deposit_apply(invoice=issued_invoice, applied_by=cashier)
    refund = services.refund_request(payment=deposit, amount_cny=payment_unapplied(deposit), reason="Deposit balance",
                                     requested_by=cashier)

    issued_invoice.refresh_from_db()
    assert applied == Decimal("900.00")
    assert issued_invoice.status == Invoice.Status.PAID
    assert refund.status == Refund.Status.SUCCEEDED and refund.amount == Decimal("1100.00")
    assert patient_credit(hospital=haikou, patient=temuulen) == 0
    assert account_balances(hospital=haikou)[LedgerAccount.CARD_CLEARING] == Decimal("900.00")
    assert_ledger_balanced()


def test_a_refund_larger_than_what_is_left_of_the_payment_is_refused(issued_invoice, temuulen, haikou, cashier):
    payment = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                      amount="1000.00", currency="CNY", received_by=cashier)
    entries = JournalEntry.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        services.refund_request(payment=payment, amount_cny="100.01", reason="Change", requested_by=cashier)

    assert refused.value.code == "refund_too_large"
    assert refused.value.details == {"refundable": "100.00"}
    assert not Refund.objects.exists()
    assert JournalEntry.objects.count() == entries


def test_overpaying_leaves_a_credit_that_can_be_refunded_exactly(issued_invoice, temuulen, haikou, cashier):
    payment = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                      amount="1000.00", currency="CNY", received_by=cashier)
    services.refund_request(payment=payment, amount_cny="100.00", reason="Change", requested_by=cashier)

    assert payment_unapplied(payment) == 0
    with pytest.raises(ValidationFailed):
        services.refund_request(payment=payment, amount_cny="0.01", reason="Again", requested_by=cashier)
    assert_ledger_balanced()


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "1.001", "1e9", "NaN"])
def test_a_bad_amount_is_refused_and_records_nothing(issued_invoice, temuulen, haikou, cashier, amount):
    with pytest.raises(ValidationFailed):
        services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                amount=amount, currency="CNY", received_by=cashier)
    assert not Payment.objects.exists()


def test_a_made_up_currency_is_refused(issued_invoice, temuulen, haikou, cashier):
    with pytest.raises(ValidationFailed) as refused:
        services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                amount="10", currency="XYZ", received_by=cashier)
    assert refused.value.code == "currency_invalid"
    assert not Payment.objects.exists()


def test_a_float_amount_is_a_programming_error(issued_invoice, temuulen, haikou, cashier):
    with pytest.raises(TypeError):
        services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                                amount=900.0, currency="CNY", received_by=cashier)


def test_the_same_bank_reference_records_one_payment(issued_invoice, temuulen, haikou, cashier):
    first = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice,
                                    channel="bank_transfer", amount="900.00", currency="CNY", reference="BOC-7781",
                                    received_by=cashier)
    again = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice,
                                    channel="bank_transfer", amount="900.00", currency="CNY", reference="BOC-7781",
                                    received_by=cashier)

    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert_ledger_balanced()


def test_a_write_off_closes_what_cannot_be_collected(issued_invoice, temuulen, haikou, cashier):
    services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                            amount="850.00", currency="CNY", received_by=cashier)
    with pytest.raises(ValidationFailed):
        services.invoice_write_off(invoice=issued_invoice, amount="50.01", reason="Rounding", written_off_by=cashier)
    services.invoice_write_off(invoice=issued_invoice, amount="50.00", reason="Charity", written_off_by=cashier)

    issued_invoice.refresh_from_db()
    assert issued_invoice.status == Invoice.Status.PAID
    assert account_balances(hospital=haikou)[LedgerAccount.WRITE_OFF] == Decimal("50.00")
    assert_ledger_balanced()


def test_crediting_a_paid_invoice_turns_the_payment_into_refundable_credit(issued_invoice, temuulen, haikou, cashier):
    payment = services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="card",
                                      amount="900.00", currency="CNY", received_by=cashier)
    services.credit_note_issue(invoice=issued_invoice, amount="300.00", reason="Discount agreed", issued_by=cashier)

    assert payment_unapplied(payment) == Decimal("300.00")
    assert invoice_balance(Invoice.objects.get(pk=issued_invoice.pk)) == 0
    services.refund_request(payment=payment, amount_cny="300.00", reason="Discount", requested_by=cashier)
    assert_ledger_balanced()


def test_deposit_apply_without_any_credit_says_so(issued_invoice, cashier):
    with pytest.raises(Conflict) as refused:
        services.deposit_apply(invoice=issued_invoice, applied_by=cashier)
    assert refused.value.code == "no_credit"


def test_the_patients_account_sums_what_is_due_and_what_is_held(issued_invoice, temuulen, haikou, cashier):
    services.payment_record(hospital=haikou, patient=temuulen, purpose="deposit", channel="cash", amount="100.00",
                            currency="CNY", received_by=cashier)

    account = patient_account(patient=temuulen)

    assert (account["due"], account["credit"], account["balance"]) == (Decimal("900.00"), Decimal("100.00"),
                                                                      Decimal("800.00"))


def test_the_family_is_told_of_the_payment_in_mongolian(issued_invoice, temuulen, haikou, cashier, guardian):
    from carebridge.notifications.models import InAppMessage

    guardian.language = "mn"
    guardian.save()
    services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                            amount="900.00", currency="CNY", received_by=cashier)

    message = InAppMessage.objects.filter(recipient=guardian).order_by("-id").first()
    assert "900.00" in message.title
    assert message.title != "Payment received: 900.00 CNY"
