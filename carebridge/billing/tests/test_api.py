"""The billing API as a cashier, a coordinator and a family use it."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from carebridge.billing.models import Invoice, Payment, Refund
from conftest import signed_in

pytestmark = pytest.mark.django_db


def post(client, url, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data, content_type="application/json", **headers)


@pytest.fixture
def desk(cashier):
    return signed_in(cashier)


def test_a_cashier_drafts_issues_and_takes_cash_for_an_invoice(desk, delivered, temuulen, rates):
    draft = post(desk, "/api/v1/invoices", {"patient_id": str(temuulen.public_id)})
    assert draft.status_code == 201, draft.content
    assert [line["code"] for line in draft.json()["lines"]] == ["chest-ct"]

    issued = post(desk, f"/api/v1/invoices/{draft.json()['id']}/issue", {})
    assert issued.status_code == 200
    body = issued.json()
    assert body["status"] == "issued" and body["total"] == "900.00" and body["currency"] == "CNY"
    assert body["display_currency"] == "MNT" and body["display_total"] == "432000.00"
    assert body["diagnoses"][0]["code"] == "J44.9"

    paid = post(desk, "/api/v1/payments", {"patient_id": str(temuulen.public_id), "purpose": "invoice",
                                           "invoice_id": body["id"], "channel": "cash", "amount": "900.00",
                                           "currency": "CNY"}, key="till-1-0001")
    assert paid.status_code == 201
    assert desk.get(f"/api/v1/invoices/{body['id']}").json()["status"] == "paid"
    ledger = desk.get("/api/v1/ledger/balance").json()
    assert ledger["balanced"] is True and ledger["total_debit"] == ledger["total_credit"] != "0"


def test_a_payment_sent_twice_with_the_same_key_is_recorded_once(desk, issued_invoice, temuulen):
    data = {"patient_id": str(temuulen.public_id), "purpose": "invoice", "invoice_id": str(issued_invoice.public_id),
            "channel": "card", "amount": "500.00", "currency": "CNY", "reference": ""}
    first = post(desk, "/api/v1/payments", data, key="retry-me")
    second = post(desk, "/api/v1/payments", data, key="retry-me")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Payment.objects.count() == 1


def test_the_same_key_for_another_amount_is_refused(desk, issued_invoice, temuulen):
    data = {"patient_id": str(temuulen.public_id), "purpose": "invoice", "invoice_id": str(issued_invoice.public_id),
            "channel": "card", "amount": "500.00", "currency": "CNY"}
    post(desk, "/api/v1/payments", data, key="k-1")
    reused = post(desk, "/api/v1/payments", {**data, "amount": "400.00"}, key="k-1")

    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_a_payment_without_an_idempotency_key_is_refused(desk, issued_invoice, temuulen):
    response = post(desk, "/api/v1/payments", {"patient_id": str(temuulen.public_id), "purpose": "invoice",
                                               "invoice_id": str(issued_invoice.public_id), "channel": "cash",
                                               "amount": "1.00", "currency": "CNY"})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert not Payment.objects.exists()


@pytest.mark.parametrize(("amount", "currency", "code"), [
    ("-10.00", "CNY", "amount_not_positive"),
    ("10.00", "XXQ", "currency_invalid"),
    ("ten", "CNY", "amount_invalid"),
])
def test_bad_amounts_get_a_stable_code_and_record_nothing(desk, issued_invoice, temuulen, amount, currency, code):
    response = post(desk, "/api/v1/payments", {"patient_id": str(temuulen.public_id), "purpose": "invoice",
                                               "invoice_id": str(issued_invoice.public_id), "channel": "cash",
                                               "amount": amount, "currency": currency}, key=str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Payment.objects.exists()


def test_an_over_refund_is_rejected_through_the_api(desk, issued_invoice, temuulen):
    paid = post(desk, "/api/v1/payments", {"patient_id": str(temuulen.public_id), "purpose": "deposit",
                                           "channel": "cash", "amount": "300.00", "currency": "CNY"}, key="dep-1")
    refund = post(desk, f"/api/v1/payments/{paid.json()['id']}/refunds", {"amount_cny": "300.01", "reason": "x"},
                  key="ref-1")

    assert refund.status_code == 400
    assert refund.json()["code"] == "refund_too_large"
    assert not Refund.objects.exists()


def test_another_hospitals_cashier_gets_404_for_the_invoice(issued_invoice, other_cashier):
    client = signed_in(other_cashier)

    assert client.get(f"/api/v1/invoices/{issued_invoice.public_id}").status_code == 404
    assert post(client, f"/api/v1/invoices/{issued_invoice.public_id}/credit-notes",
                {"reason": "not mine"}).status_code == 404
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_the_mother_sees_her_sons_account_and_another_patient_does_not(issued_invoice, temuulen, guardian,
                                                                        other_patient):
    mother = signed_in(guardian, second_factor=False)
    account = mother.get(f"/api/v1/patients/{temuulen.public_id}/account")
    assert account.status_code == 200
    assert account.json()["due_cny"] == "900.00"

    stranger = signed_in(other_patient, second_factor=False)
    assert stranger.get(f"/api/v1/patients/{temuulen.public_id}/account").status_code == 404
    assert stranger.get(f"/api/v1/invoices/{issued_invoice.public_id}").status_code == 404


def test_the_family_cannot_record_payments_at_the_cashier(issued_invoice, temuulen, guardian):
    mother = signed_in(guardian, second_factor=False)
    response = post(mother, "/api/v1/payments", {"patient_id": str(temuulen.public_id), "purpose": "invoice",
                                                 "invoice_id": str(issued_invoice.public_id), "channel": "cash",
                                                 "amount": "900.00", "currency": "CNY"}, key="mine")
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_coordinator_sends_an_estimate_and_the_mother_accepts_it_in_togrog(coordinator, guardian, temuulen, rates,
                                                                          chest_ct):
    staff = signed_in(coordinator)
    created = post(staff, "/api/v1/estimates", {
        "patient_id": str(temuulen.public_id), "title": "Chest CT and consultation",
        "valid_until": str(timezone.localdate() + dt.timedelta(days=30)),
        "lines": [{"service_id": str(chest_ct.public_id)},
                  {"description": "Inpatient stay if needed", "quantity": 3, "low": "0.00", "high": "680.00"}]})
    assert created.status_code == 201, created.content
    estimate = created.json()
    assert (estimate["total_low_cny"], estimate["total_high_cny"]) == ("900.00", "2940.00")
    assert estimate["currency"] == "MNT"

    mother = signed_in(guardian, second_factor=False)
    assert mother.get(f"/api/v1/estimates/{estimate['id']}").status_code == 404  # a draft is not shown
    sent = post(staff, f"/api/v1/estimates/{estimate['id']}/send", {})
    assert sent.json()["status"] == "sent" and sent.json()["rate"] == "480.00000000"
    shown = mother.get(f"/api/v1/estimates/{estimate['id']}").json()
    assert (shown["total_low"], shown["total_high"]) == ("432000.00", "1411200.00")

    accepted = post(mother, f"/api/v1/estimates/{estimate['id']}/accept", {})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def test_an_estimate_valid_until_yesterday_is_refused(coordinator, temuulen, rates, chest_ct):
    response = post(signed_in(coordinator), "/api/v1/estimates", {
        "patient_id": str(temuulen.public_id), "title": "CT",
        "valid_until": str(timezone.localdate() - dt.timedelta(days=1)),
        "lines": [{"service_id": str(chest_ct.public_id)}]})
    assert response.status_code == 400
    assert response.json()["code"] == "valid_until_past"
