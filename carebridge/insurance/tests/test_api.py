"""The insurance API from both sides: the Haikou coordinator and Cigna's case manager; Aetna sees nothing."""

import datetime as dt

import pytest

from carebridge.accounts.models import Role
from carebridge.insurance.models import Claim, GuaranteeOfPayment
from conftest import _person, signed_in

pytestmark = pytest.mark.django_db


def post(client, url, data=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data or {}, content_type="application/json", **headers)


@pytest.fixture
def aetna_manager(aetna):
    return _person("case@aetna.test", org=aetna, role=Role.INSURER_CASE_MANAGER)


def test_the_coordinator_sees_why_direct_billing_applies(coordinator, temuulen, policy, agreement):
    response = signed_in(coordinator).get(f"/api/v1/patients/{temuulen.public_id}/eligibility?setting=inpatient")

    assert response.status_code == 200
    [answer] = response.json()
    assert answer["direct_billing"] is True and answer["gop_required"] is True
    assert answer["reasons"][0]["code"] == "gop_required"


def test_the_whole_gop_cycle_through_the_api(coordinator, case_manager, policy, agreement, admission):
    hospital = signed_in(coordinator)
    insurer = signed_in(case_manager)
    created = post(hospital, "/api/v1/gops", {
        "policy_id": str(policy.public_id), "admission_date": str(admission),
        "discharge_date": str(admission + dt.timedelta(days=3)),
        "diagnoses": [{"code": "J18.9", "display": "Pneumonia"}], "treatment_plan": "IV antibiotics, 3 nights",
        "requested_amount": "20000.00"})
    assert created.status_code == 201, created.content
    gop_id = created.json()["id"]

    assert [g["id"] for g in insurer.get("/api/v1/gops").json()] == [gop_id]
    assert post(insurer, f"/api/v1/gops/{gop_id}/questions", {"question": "Send the X-ray"}).json()["status"] \
        == "info_requested"
    assert post(hospital, f"/api/v1/gops/{gop_id}/answers", {"answer": "Attached"}).status_code == 200
    decided = post(insurer, f"/api/v1/gops/{gop_id}/decision", {"decision": "approve", "limit": "18000.00",
                                                                "conditions": "Ward only"})
    assert decided.json()["status"] == "approved" and decided.json()["approved_limit"] == "18000.00"
    post(hospital, f"/api/v1/gops/{gop_id}/extensions", {"additional_amount": "4000", "reason": "2 more nights"})
    extended = post(insurer, f"/api/v1/gops/{gop_id}/extensions/decision", {"approve": True})
    assert extended.json()["approved_limit"] == "22000.00"
    kinds = [event["kind"] for event in extended.json()["events"]]
    assert kinds == ["requested", "info_requested", "info_provided", "approved", "extension_requested",
                     "extension_approved"]


def test_the_hospital_cannot_decide_its_own_request(coordinator, gop):
    response = post(signed_in(coordinator), f"/api/v1/gops/{gop.public_id}/decision",
                    {"decision": "approve", "limit": "20000"})
    assert response.status_code == 404
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED


def test_an_aetna_case_manager_gets_404_for_a_cigna_case(aetna_manager, gop):
    client = signed_in(aetna_manager)

    assert client.get(f"/api/v1/gops/{gop.public_id}").status_code == 404
    assert post(client, f"/api/v1/gops/{gop.public_id}/decision",
                {"decision": "deny", "reason": "no"}).status_code == 404
    assert client.get("/api/v1/gops").json() == []
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED


def test_an_approval_above_the_request_without_a_reason_is_a_400(case_manager, gop):
    response = post(signed_in(case_manager), f"/api/v1/gops/{gop.public_id}/decision",
                    {"decision": "approve", "limit": "99999.00"})
    assert response.status_code == 400
    assert response.json()["code"] == "limit_above_request"


def test_a_claim_is_created_submitted_adjudicated_and_paid(coordinator, cashier, case_manager, gop, cigna,
                                                           final_invoice):
    insurer = signed_in(case_manager)
    post(insurer, f"/api/v1/gops/{gop.public_id}/decision", {"decision": "approve", "limit": "20000"})
    desk = signed_in(cashier)
    assert post(desk, f"/api/v1/invoices/{final_invoice.public_id}/direct-billing",
                {"gop_id": str(gop.public_id)}).status_code == 200
    claim = post(desk, "/api/v1/claims", {"invoice_id": str(final_invoice.public_id)})
    assert claim.status_code == 201, claim.content
    claim_id = claim.json()["id"]
    again = post(desk, "/api/v1/claims", {"invoice_id": str(final_invoice.public_id)})
    assert again.status_code == 409 and again.json()["code"] == "claim_exists"

    assert insurer.get(f"/api/v1/claims/{claim_id}").status_code == 404  # a draft is the hospital's only
    post(desk, f"/api/v1/claims/{claim_id}/submit")
    lines = insurer.get(f"/api/v1/claims/{claim_id}").json()["lines"]
    decided = post(insurer, f"/api/v1/claims/{claim_id}/adjudication", {"lines": [
        {"line_id": line["id"], "decision": "approved"} for line in lines]})
    assert decided.status_code == 200 and decided.json()["status"] == "adjudicated"

    paid = post(desk, f"/api/v1/claims/{claim_id}/payments",
                {"amount": decided.json()["approved"], "remittance_reference": "CG-2026-5531"}, key="remit-1")
    assert paid.json()["status"] == "paid"
    assert Claim.objects.get().paid == Claim.objects.get().approved


def test_the_figures_count_direct_billed_and_self_paid_invoices(coordinator, cashier, case_manager, gop, cigna,
                                                                final_invoice):
    from carebridge.insurance import services

    gop = services.gop_decide(gop=gop, decision="approve", limit="20000", by=case_manager, organisation=cigna)
    services.direct_billing_mark(invoice=final_invoice, gop=gop, by=cashier)

    figures = signed_in(coordinator).get(f"/api/v1/insurance/figures?year={final_invoice.issued_at.year}").json()

    assert figures["rows"][0]["insurer"] == "Cigna Global" and figures["rows"][0]["count"] == 1
    assert figures["direct_total"] == str(final_invoice.total)
    assert figures["self_paid_total"] == "0.00"
