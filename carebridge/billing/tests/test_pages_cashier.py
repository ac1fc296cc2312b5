"""The cashier's desk: deposits, invoices from what was delivered, deposits applied, refunds, and nothing twice."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import Invoice, Payment, Refund, WriteOff
from carebridge.billing.selectors import invoice_balance, patient_credit
from conftest import signed_in

pytestmark = pytest.mark.django_db


def key_of(response, form="payment_form"):
    return response.context[form].initial["idempotency_key"]


def deposit_form(key, amount="2000.00", **extra):
    return {"idempotency_key": key, "purpose": "deposit", "channel": "cash", "amount": amount, "currency": "CNY",
            "reference": "", "payer_name": "", "invoice": "", **extra}


def assert_ledger_balanced():
    debit, credit = ledger_totals()
    assert debit == credit and unbalanced_entries() == []


def message_in(language, text):
    with translation.override(language):
        return str(translation.gettext(text))


def test_a_cashier_takes_a_deposit_applies_it_at_discharge_and_refunds_the_difference(
        cashier, haikou, temuulen, delivered, rates):
    client = signed_in(cashier)
    account = reverse("billing:cashier_patient", args=[temuulen.public_id])

    # Given Temuulen's mother leaves 2000 CNY in cash as a deposit on admission
    page = client.get(account)
    assert page.status_code == 200
    response = client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]),
                           deposit_form(key_of(page)))
    assert response.status_code == 302
    deposit = Payment.objects.get(patient=temuulen)
    assert deposit.purpose == "deposit" and deposit.amount_cny == Decimal("2000.00")

    # When at discharge the cashier drafts the invoice from the chest CT, issues it and applies the deposit
    response = client.post(reverse("billing:cashier_invoice_draft", args=[temuulen.public_id]))
    invoice = Invoice.objects.get(patient=temuulen)
    assert response.url == reverse("billing:cashier_invoice", args=[invoice.public_id])
    assert "Chest CT" in client.get(response.url).content.decode()
    assert client.post(reverse("billing:cashier_invoice_issue", args=[invoice.public_id])).status_code == 302
    assert client.post(reverse("billing:cashier_deposit_apply", args=[invoice.public_id])).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.number and invoice.total == Decimal("900.00")

    # and refunds what is left of the deposit
    page = client.get(account)
    assert "1,100.00" in page.content.decode() or "1 100,00" in page.content.decode() or "1100" in re.sub(
        r"\D", "", page.content.decode())
    prefix = f"refund-{deposit.public_id}"
    refund_key = next(p.refund_form for p in page.context["account"]["payments"]).initial["idempotency_key"]
    response = client.post(reverse("billing:cashier_refund", args=[deposit.public_id]), {
        f"{prefix}-idempotency_key": refund_key, f"{prefix}-amount": "1100.00",
        f"{prefix}-reason": "Deposit balance at discharge"})

    # Then the invoice is settled, the difference is back in the family's hands, and the books balance
    assert response.status_code == 302
    refund = Refund.objects.get(payment=deposit)
    assert refund.status == Refund.Status.SUCCEEDED and refund.amount == Decimal("1100.00")
    assert patient_credit(hospital=haikou, patient=temuulen) == 0
    assert invoice_balance(invoice) == 0
    assert_ledger_balanced()


def test_a_double_submitted_payment_form_records_one_payment(cashier, temuulen, rates):
    client = signed_in(cashier)
    page = client.get(reverse("billing:cashier_patient", args=[temuulen.public_id]))
    form = deposit_form(key_of(page), amount="500.00")
    url = reverse("billing:cashier_payment", args=[temuulen.public_id])

    first = client.post(url, form)
    second = client.post(url, form)

    assert first.status_code == second.status_code == 302
    assert Payment.objects.filter(patient=temuulen).count() == 1
    followed = client.get(second.url)
    assert message_in("zh-hans", "This payment was already recorded; it was not recorded twice.") in \
        followed.content.decode()
    assert_ledger_balanced()


def test_each_drawing_of_the_payment_form_carries_a_new_key(cashier, temuulen, rates):
    client = signed_in(cashier)
    url = reverse("billing:cashier_patient", args=[temuulen.public_id])

    assert key_of(client.get(url)) != key_of(client.get(url))


def test_a_negative_amount_is_refused_on_the_form_in_the_cashiers_language_and_nothing_is_recorded(
        cashier, temuulen, rates):
    client = signed_in(cashier)
    page = client.get(reverse("billing:cashier_patient", args=[temuulen.public_id]))

    response = client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]),
                           deposit_form(key_of(page), amount="-50"))

    assert response.status_code == 400
    assert response.context["payment_form"].errors["amount"] == [
        message_in("zh-hans", "The amount must be greater than zero.")]
    assert not Payment.objects.exists()


def test_a_payment_for_an_invoice_needs_the_invoice(cashier, temuulen, issued_invoice):
    client = signed_in(cashier)
    page = client.get(reverse("billing:cashier_patient", args=[temuulen.public_id]))

    response = client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]),
                           deposit_form(key_of(page), purpose="invoice"))

    assert response.status_code == 400 and response.context["payment_form"].errors["invoice"]
    assert not Payment.objects.exists()


def test_a_card_payment_in_singapore_dollars_settles_the_invoice_in_yuan(cashier, temuulen, issued_invoice):
    client = signed_in(cashier)
    page = client.get(reverse("billing:cashier_patient", args=[temuulen.public_id]))

    response = client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]), deposit_form(
        key_of(page), purpose="invoice", invoice=str(issued_invoice.public_id), channel="card", amount="166.50",
        currency="SGD", reference="SLIP-0042"))

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.amount_cny == Decimal("900.00") and payment.currency == "SGD"
    issued_invoice.refresh_from_db()
    assert issued_invoice.status == Invoice.Status.PAID


def test_a_refund_larger_than_what_is_left_is_refused_and_nothing_is_refunded(cashier, temuulen, rates):
    client = signed_in(cashier)
    url = reverse("billing:cashier_patient", args=[temuulen.public_id])
    client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]),
                deposit_form(key_of(client.get(url)), amount="300.00"))
    deposit = Payment.objects.get()
    prefix = f"refund-{deposit.public_id}"

    response = client.post(reverse("billing:cashier_refund", args=[deposit.public_id]), {
        f"{prefix}-idempotency_key": "refund-1", f"{prefix}-amount": "300.01", f"{prefix}-reason": "Too much"})

    assert response.status_code == 400
    assert "300" in response.context["account"]["payments"][0].refund_form.non_field_errors()[0]
    assert not Refund.objects.exists()


def test_an_issued_invoice_takes_no_new_line(cashier, issued_invoice):
    client = signed_in(cashier)

    response = client.post(reverse("billing:cashier_invoice_line", args=[issued_invoice.public_id]), {
        "kind": "other", "description": "Late fee", "quantity": "1", "unit_price": "50.00"})

    assert response.status_code == 400
    assert response.context["line_form"].non_field_errors() == [
        message_in("zh-hans", "An issued invoice is never edited; issue a credit note instead.")]
    assert issued_invoice.lines.count() == 1


def test_a_draft_takes_a_line_and_is_issued_with_the_patients_currency_beside(cashier, temuulen, haikou, rates):
    client = signed_in(cashier)
    client.post(reverse("billing:cashier_invoice_draft", args=[temuulen.public_id]))
    invoice = Invoice.objects.get(patient=temuulen)

    client.post(reverse("billing:cashier_invoice_line", args=[invoice.public_id]), {
        "kind": "extra", "code": "med-01", "description": "Salbutamol inhaler", "quantity": "2",
        "unit_price": "60.00"})
    client.post(reverse("billing:cashier_invoice_issue", args=[invoice.public_id]))

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED and invoice.total == Decimal("120.00")
    assert invoice.display_currency == "MNT" and invoice.display_rate == Decimal("480")
    html = client.get(reverse("billing:cashier_invoice", args=[invoice.public_id])).content.decode()
    assert "57,600" in html or "57 600" in html or "57\u00a0600" in html or "57\u202f600" in html


def test_a_write_off_and_a_credit_note_close_an_invoice_and_the_books_balance(cashier, issued_invoice):
    client = signed_in(cashier)

    client.post(reverse("billing:cashier_write_off", args=[issued_invoice.public_id]),
                {"amount": "100.00", "reason": "Goodwill"})
    client.post(reverse("billing:cashier_credit_note", args=[issued_invoice.public_id]),
                {"amount": "", "reason": "Exam billed in error"})

    issued_invoice.refresh_from_db()
    assert WriteOff.objects.get().amount_cny == Decimal("100.00")
    assert issued_invoice.status == Invoice.Status.CANCELLED
    assert issued_invoice.credit_notes.count() == 1
    assert_ledger_balanced()


def test_the_desk_lists_todays_payments_open_invoices_and_shows_the_ledger_balanced(cashier, temuulen,
                                                                                    issued_invoice):
    client = signed_in(cashier)
    page = client.get(reverse("billing:cashier_patient", args=[temuulen.public_id]))
    client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]),
                deposit_form(key_of(page), amount="200.00"))

    response = client.get(reverse("billing:cashier_home"))

    assert response.status_code == 200
    assert [p.amount_cny for p in response.context["payments"]] == [Decimal("200.00")]
    assert [i.number for i in response.context["open_invoices"]] == [issued_invoice.number]
    assert response.context["ledger"]["balanced"]
    assert 'data-ledger="balanced"' in response.content.decode()


def test_the_desk_finds_a_patient_by_name(cashier, temuulen):
    response = signed_in(cashier).get(reverse("billing:cashier_home"), {"q": "Temuulen"})

    assert [p.pk for p in response.context["found"]] == [temuulen.pk]


def test_another_hospitals_cashier_gets_not_found_and_records_nothing(other_cashier, temuulen, issued_invoice):
    client = signed_in(other_cashier)

    assert client.get(reverse("billing:cashier_patient", args=[temuulen.public_id])).status_code == 404
    assert client.get(reverse("billing:cashier_invoice", args=[issued_invoice.public_id])).status_code == 404
    assert client.post(reverse("billing:cashier_payment", args=[temuulen.public_id]),
                       deposit_form("k-1")).status_code == 404
    assert client.post(reverse("billing:cashier_credit_note", args=[issued_invoice.public_id]),
                       {"reason": "x"}).status_code == 404
    assert not Payment.objects.exists()
    assert issued_invoice.credit_notes.count() == 0


def test_people_who_are_not_cashiers_do_not_reach_the_desk(coordinator, guardian, haikou):
    assert signed_in(coordinator).get(reverse("billing:cashier_home")).status_code == 404
    assert signed_in(guardian, second_factor=False).get(reverse("billing:cashier_home")).status_code == 404
