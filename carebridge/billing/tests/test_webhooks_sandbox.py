"""Webhooks of the sandbox (Stripe's signing scheme): verified, stored once, processed once and in order."""

import time
from decimal import Decimal

import pytest

from carebridge.billing import online, services
from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import (
    Invoice,
    JournalEntry,
    Payment,
    PaymentIntent,
    Refund,
    WebhookEvent,
)
from carebridge.billing.selectors import invoice_balance, patient_credit
from carebridge.billing.tests.online_support import deliver, failed_event, refunded_event, succeeded_event

pytestmark = pytest.mark.django_db


def assert_ledger_balanced():
    debit, credit = ledger_totals()
    assert debit == credit
    assert unbalanced_entries() == []


@pytest.fixture
def invoice_intent(issued_invoice, temuulen, haikou, guardian):
    return online.payment_intent_create(patient=temuulen, hospital=haikou, purpose="invoice", invoice=issued_invoice,
                                        currency="SGD", created_by=guardian)


@pytest.fixture
def deposit_intent(temuulen, haikou, guardian, rates):
    return online.payment_intent_create(patient=temuulen, hospital=haikou, purpose="deposit", amount="370.00",
                                        currency="SGD", created_by=guardian)


def test_a_success_delivered_ten_times_records_one_payment_and_one_set_of_ledger_lines(invoice_intent,
                                                                                       issued_invoice):
    event = succeeded_event(invoice_intent)

    answers = [deliver(event) for _ in range(10)]

    assert [answer.status_code for answer in answers] == [200] * 10
    assert answers[0].json()["state"] == "processed"
    assert all(answer.json().get("duplicate") for answer in answers[1:])
    payment = Payment.objects.get()
    assert payment.intent == invoice_intent
    assert (payment.amount, payment.currency, payment.amount_cny) == (Decimal("166.50"), "SGD", Decimal("900.00"))
    assert JournalEntry.objects.filter(kind="payment").count() == 1
    assert JournalEntry.objects.filter(kind="allocation").count() == 1
    stored = WebhookEvent.objects.get()
    assert stored.deliveries == 10
    invoice_intent.refresh_from_db()
    issued_invoice.refresh_from_db()
    assert invoice_intent.status == PaymentIntent.Status.SUCCEEDED
    assert issued_invoice.status == Invoice.Status.PAID
    assert_ledger_balanced()


def test_a_forged_signature_is_refused_and_nothing_is_recorded(invoice_intent):
    answer = deliver(succeeded_event(invoice_intent), secret="whsec_not_ours")

    assert answer.status_code == 400
    assert answer.json()["code"] == "webhook_signature_invalid"
    assert not WebhookEvent.objects.exists()
    assert not Payment.objects.exists()
    assert not JournalEntry.objects.filter(kind="payment").exists()


def test_a_missing_or_garbled_signature_header_is_refused(invoice_intent):
    for header in ("", "t=abc,v1=zzz", "v1=00", "t=1700000000"):
        answer = deliver(succeeded_event(invoice_intent), header=header)
        assert answer.status_code == 400, header
    assert not WebhookEvent.objects.exists()
    assert not Payment.objects.exists()


def test_a_stale_signature_is_refused_as_a_possible_replay(invoice_intent):
    answer = deliver(succeeded_event(invoice_intent), timestamp=int(time.time()) - 301)

    assert answer.status_code == 400
    assert answer.json()["code"] == "webhook_signature_stale"
    assert not WebhookEvent.objects.exists()
    assert not Payment.objects.exists()


def test_a_changed_body_under_a_genuine_signature_is_refused(invoice_intent):
    from django.test import Client

    from carebridge.billing.tests.online_support import signed

    body, header = signed(succeeded_event(invoice_intent))
    answer = Client().post("/billing/webhooks/sandbox/", data=body.replace(b"succeeded", b"succeedeD", 1),
                           content_type="application/json", HTTP_STRIPE_SIGNATURE=header)

    assert answer.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_an_unknown_provider_is_not_found(invoice_intent):
    assert deliver(succeeded_event(invoice_intent), provider="paypal").status_code == 404


def test_a_refund_announced_before_the_payment_waits_and_ends_with_the_money_given_back(deposit_intent, temuulen,
                                                                                        haikou):
    refund = deliver(refunded_event(deposit_intent, amount=Decimal("370.00")))
    assert refund.json()["state"] == "deferred"
    assert not Payment.objects.exists()

    deliver(succeeded_event(deposit_intent))

    payment = Payment.objects.get()
    refund = Refund.objects.get()
    assert refund.payment == payment
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount_cny == payment.amount_cny == Decimal("2000.00")
    assert patient_credit(patient=temuulen, hospital=haikou) == 0
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert_ledger_balanced()


def test_a_failure_after_the_success_does_not_undo_the_payment(invoice_intent):
    deliver(succeeded_event(invoice_intent))
    late = deliver(failed_event(invoice_intent))

    assert late.json()["state"] == "ignored"
    invoice_intent.refresh_from_db()
    assert invoice_intent.status == PaymentIntent.Status.SUCCEEDED
    assert Payment.objects.count() == 1


def test_a_declined_attempt_may_be_followed_by_a_successful_one(invoice_intent, issued_invoice):
    deliver(failed_event(invoice_intent))
    invoice_intent.refresh_from_db()
    assert invoice_intent.status == PaymentIntent.Status.FAILED

    deliver(succeeded_event(invoice_intent))

    invoice_intent.refresh_from_db()
    assert invoice_intent.status == PaymentIntent.Status.SUCCEEDED
    assert invoice_balance(issued_invoice) == 0


def test_two_success_events_with_different_ids_record_one_payment(invoice_intent):
    first = deliver(succeeded_event(invoice_intent, event_id="evt_a"))
    second = deliver(succeeded_event(invoice_intent, event_id="evt_b"))

    assert (first.json()["state"], second.json()["state"]) == ("processed", "ignored")
    assert Payment.objects.count() == 1
    assert WebhookEvent.objects.count() == 2
    assert_ledger_balanced()


def test_money_arriving_for_an_invoice_cancelled_meanwhile_becomes_refundable_credit(invoice_intent, issued_invoice,
                                                                                      cashier, temuulen, haikou):
    services.credit_note_issue(invoice=issued_invoice, reason="Charged by mistake", issued_by=cashier)

    deliver(succeeded_event(invoice_intent))

    payment = Payment.objects.get()
    assert payment.purpose == Payment.Purpose.DEPOSIT and payment.invoice is None
    assert patient_credit(patient=temuulen, hospital=haikou) == Decimal("900.00")
    assert_ledger_balanced()


def test_an_online_refund_is_sent_to_the_sandbox_and_completed_by_its_notification(
        deposit_intent, cashier, django_capture_on_commit_callbacks, temuulen, haikou):
    deliver(succeeded_event(deposit_intent))
    payment = Payment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_request(payment=payment, amount_cny="500.00", reason="Discharged early",
                                         requested_by=cashier)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.reference.startswith("sbx_re_")
    assert (refund.amount, refund.currency) == (Decimal("92.50"), "SGD")
    assert patient_credit(patient=temuulen, hospital=haikou) == Decimal("1500.00")
    assert WebhookEvent.objects.filter(kind="charge.refunded", state="processed").count() == 1
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_concurrently_is_stored_and_processed_once(temuulen, haikou, guardian, rates):
    import threading

    from django.db import connection

    intent = online.payment_intent_create(patient=temuulen, hospital=haikou, purpose="deposit", amount="370.00",
                                          currency="SGD", created_by=guardian)
    event = succeeded_event(intent)
    start, statuses = threading.Barrier(4), []

    def deliver_at_once():
        try:
            start.wait()
            statuses.append(deliver(event).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_at_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert statuses == [200] * 4
    assert WebhookEvent.objects.get().deliveries == 4
    assert Payment.objects.count() == 1
    assert JournalEntry.objects.filter(kind="payment").count() == 1
    assert_ledger_balanced()


def test_the_reconciler_records_a_payment_whose_notification_never_came(deposit_intent, temuulen, haikou):
    from datetime import timedelta

    from carebridge.billing.providers.sandbox_models import SandboxPayment

    SandboxPayment.objects.filter(reference=deposit_intent.provider_reference).update(status="succeeded")

    first = online.payments_reconcile(older_than=timedelta(0))
    again = online.payments_reconcile(older_than=timedelta(0))

    assert first["succeeded"] == 1 and again["succeeded"] == 0
    deposit_intent.refresh_from_db()
    assert deposit_intent.status == PaymentIntent.Status.SUCCEEDED
    assert Payment.objects.get().reference == deposit_intent.provider_reference
    assert patient_credit(patient=temuulen, hospital=haikou) == Decimal("2000.00")
    assert_ledger_balanced()
