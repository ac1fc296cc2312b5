"""POST /api/v1/payment-intents: an Idempotency-Key makes a retry harmless; bad input is refused with nothing kept."""

import json
from decimal import Decimal

import pytest

from carebridge.billing.models import PaymentIntent
from carebridge.billing.providers.sandbox_models import SandboxPayment
from conftest import signed_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/payment-intents"


def post(client, body, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def body(issued_invoice, temuulen):
    return {"patient_id": str(temuulen.public_id), "purpose": "invoice", "invoice_id": str(issued_invoice.public_id),
            "currency": "SGD", "provider": "sandbox"}


def test_the_same_request_with_the_same_key_twice_makes_one_intent_and_the_same_answer(guardian, body):
    client = signed_in(guardian, second_factor=False)

    first = post(client, body)
    second = post(client, body)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert PaymentIntent.objects.count() == 1 == SandboxPayment.objects.count()
    answer = first.json()
    assert (answer["status"], answer["amount"], answer["currency"], answer["amount_cny"]) == (
        "pending", "166.50", "SGD", "900.00")
    assert answer["checkout_url"].endswith(f"/billing/sandbox/pay/{PaymentIntent.objects.get().provider_reference}/")


def test_the_same_key_with_another_body_is_refused(guardian, body):
    client = signed_in(guardian, second_factor=False)
    post(client, body)

    again = post(client, {**body, "amount_cny": "100.00"})

    assert again.status_code == 422
    assert again.json()["code"] == "idempotency_key_reused"
    assert PaymentIntent.objects.count() == 1


def test_a_request_without_a_key_is_refused(guardian, body):
    answer = post(signed_in(guardian, second_factor=False), body, key="")

    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_required"
    assert not PaymentIntent.objects.exists()


@pytest.mark.parametrize(("change", "code"), [
    ({"amount_cny": "-5"}, "amount_not_positive"),
    ({"amount_cny": "900.01"}, "amount_above_balance"),
    ({"currency": "XYZ"}, "currency_invalid"),
    ({"provider": "paypal"}, "provider_unavailable"),
    ({"purpose": "deposit", "invoice_id": None}, "hospital_required"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_recorded(guardian, body, change, code):
    answer = post(signed_in(guardian, second_factor=False), {**body, **change}, key=f"k-{code}")

    assert answer.status_code in (400, 422), answer.content
    assert answer.json()["code"] == code
    assert not PaymentIntent.objects.exists()


def test_a_cancelled_invoice_takes_no_payment(guardian, body, issued_invoice, cashier):
    from carebridge.billing import services

    services.credit_note_issue(invoice=issued_invoice, reason="Billed twice", issued_by=cashier)

    answer = post(signed_in(guardian, second_factor=False), body)

    assert answer.status_code == 409
    assert answer.json()["code"] == "invoice_cancelled"
    assert not PaymentIntent.objects.exists()


def test_a_deposit_in_singapore_dollars_is_converted_at_the_frozen_rate(guardian, temuulen, haikou, rates):
    answer = post(signed_in(guardian, second_factor=False), {
        "patient_id": str(temuulen.public_id), "purpose": "deposit", "hospital_id": str(haikou.public_id),
        "amount": "370.00", "currency": "SGD"})

    assert answer.status_code == 201
    assert (answer.json()["amount_cny"], answer.json()["rate"]) == ("2000.00", "0.18500000")
    intent = PaymentIntent.objects.get()
    assert intent.rate_date == rates and intent.amount_cny == Decimal("2000.00")


def test_someone_elses_patient_is_not_found(other_patient, body):
    answer = post(signed_in(other_patient, second_factor=False), body)

    assert answer.status_code == 404
    assert not PaymentIntent.objects.exists()


def test_the_payer_reads_the_intent_and_a_stranger_cannot(guardian, other_patient, body):
    created = post(signed_in(guardian, second_factor=False), body).json()

    mine = signed_in(guardian, second_factor=False).get(f"{URL}/{created['id']}")
    theirs = signed_in(other_patient, second_factor=False).get(f"{URL}/{created['id']}")

    assert mine.status_code == 200 and mine.json()["id"] == created["id"]
    assert theirs.status_code == 404
