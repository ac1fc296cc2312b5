"""The portal's pay flow: pay form -> the sandbox's page -> the return page, processing until the webhook arrives."""

from decimal import Decimal

import pytest

from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import Payment, PaymentIntent
from carebridge.billing.providers.sandbox_models import SandboxPayment
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_a_mother_pays_her_sons_invoice_in_her_currency_through_the_sandbox(
        guardian, temuulen, issued_invoice, django_capture_on_commit_callbacks, settings):
    client = signed_in(guardian, second_factor=False)
    form = client.get(f"/billing/pay/{temuulen.public_id}/?invoice={issued_invoice.public_id}")
    assert form.status_code == 200
    key = form.context["key"]
    assert form.context["currency"] == "MNT"

    sent = client.post(f"/billing/pay/{temuulen.public_id}/", {
        "invoice": str(issued_invoice.public_id), "amount": "900.00", "currency": "MNT", "provider": "sandbox",
        "key": key})
    again = client.post(f"/billing/pay/{temuulen.public_id}/", {
        "invoice": str(issued_invoice.public_id), "amount": "900.00", "currency": "MNT", "provider": "sandbox",
        "key": key})

    intent = PaymentIntent.objects.get()  # a double click makes one intent
    assert sent.status_code == again.status_code == 302
    assert sent["Location"] == settings.SITE_URL + f"/billing/sandbox/pay/{intent.provider_reference}/"
    assert (intent.amount, intent.currency) == (Decimal("432000.00"), "MNT")

    page = client.get(f"/billing/sandbox/pay/{intent.provider_reference}/")
    assert page.status_code == 200
    assert "Haikou International Hospital" in page.content.decode()
    assert "432000.00 MNT" in page.content.decode()

    waiting = client.get(f"/billing/pay/return/{intent.public_id}/")
    assert 'data-state="processing"' in waiting.content.decode()
    assert waiting["Refresh"] == "3"

    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(f"/billing/sandbox/pay/{intent.provider_reference}/",
                           {"action": "pay", "card": "4242 4242 4242 4242"})
    assert paid["Location"] == f"/billing/pay/return/{intent.public_id}/"

    done = client.get(paid["Location"])
    assert 'data-state="paid"' in done.content.decode()
    payment = Payment.objects.get()
    assert (payment.amount_cny, payment.channel, payment.provider) == (Decimal("900.00"), "online_card", "sandbox")
    assert SandboxPayment.objects.get().card_last4 == "4242"
    debit, credit = ledger_totals()
    assert debit == credit and unbalanced_entries() == []


def test_the_decline_test_card_is_declined_and_a_second_try_succeeds(
        guardian, temuulen, haikou, rates, django_capture_on_commit_callbacks):
    client = signed_in(guardian, second_factor=False)
    key = client.get(f"/billing/pay/{temuulen.public_id}/?hospital={haikou.slug}").context["key"]
    client.post(f"/billing/pay/{temuulen.public_id}/", {"hospital": haikou.slug, "amount": "370.00",
                                                        "currency": "SGD", "provider": "sandbox", "key": key})
    intent = PaymentIntent.objects.get()
    assert intent.purpose == "deposit" and intent.amount_cny == Decimal("2000.00")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/billing/sandbox/pay/{intent.provider_reference}/",
                    {"action": "pay", "card": "4000 0000 0000 0002"})
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.FAILED
    assert 'data-state="failed"' in client.get(f"/billing/pay/return/{intent.public_id}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/billing/sandbox/pay/{intent.provider_reference}/", {"action": "pay", "card": "4242424242424242"})
    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.SUCCEEDED
    assert Payment.objects.count() == 1


def test_a_paid_sandbox_page_cannot_be_paid_again(guardian, temuulen, haikou, rates,
                                                  django_capture_on_commit_callbacks):
    client = signed_in(guardian, second_factor=False)
    key = client.get(f"/billing/pay/{temuulen.public_id}/?hospital={haikou.slug}").context["key"]
    client.post(f"/billing/pay/{temuulen.public_id}/", {"hospital": haikou.slug, "amount": "100.00",
                                                        "currency": "SGD", "provider": "sandbox", "key": key})
    reference = PaymentIntent.objects.get().provider_reference
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/billing/sandbox/pay/{reference}/", {"action": "pay", "card": "4242424242424242"})

    assert Payment.objects.count() == 1
    from carebridge.core.models import Job

    assert Job.objects.filter(name="billing.webhook_deliver").count() == 1


def test_the_pay_form_refuses_a_negative_amount_and_keeps_nothing(guardian, temuulen, haikou, rates):
    client = signed_in(guardian, second_factor=False)
    key = client.get(f"/billing/pay/{temuulen.public_id}/?hospital={haikou.slug}").context["key"]

    answer = client.post(f"/billing/pay/{temuulen.public_id}/", {"hospital": haikou.slug, "amount": "-10",
                                                                 "currency": "SGD", "key": key})

    assert answer.status_code == 400
    assert answer.context["error"]
    assert not PaymentIntent.objects.exists()


def test_nobody_pays_into_a_stranger_s_record(other_patient, temuulen, haikou):
    client = signed_in(other_patient, second_factor=False)

    assert client.get(f"/billing/pay/{temuulen.public_id}/?hospital={haikou.slug}").status_code == 404
