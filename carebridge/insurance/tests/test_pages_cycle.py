"""The GOP cycle through the pages: the coordinator requests, the case manager asks, the coordinator answers, the
case manager approves; an extension; discharge, claim, adjudication per line and the insurer's payment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from carebridge.audit.models import AuditEvent
from carebridge.insurance import services
from carebridge.insurance.models import Claim, ClaimLine, DirectBilling, GopEvent, GuaranteeOfPayment
from conftest import signed_in

pytestmark = pytest.mark.django_db


def _request_data(policy, admission, **overrides):
    return {"policy": str(policy.public_id), "setting": "inpatient", "diagnoses": "J18.9 Pneumonia\nj96.0",
            "treatment_plan": "IV antibiotics and oxygen, 3 nights on the ward.",
            "admission_date": admission.isoformat(), "discharge_date": (admission + dt.timedelta(days=3)).isoformat(),
            "requested_amount": "20000.00", **overrides}


def test_the_coordinator_sees_why_direct_billing_applies_on_the_patients_insurance_panel(
        coordinator, policy, agreement, temuulen):
    client = signed_in(coordinator)

    response = client.get(reverse("insurance:patient_panel", args=[temuulen.public_id]), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-eligibility="inpatient" data-direct="yes"' in html
    assert 'data-eligibility="outpatient" data-direct="yes"' in html
    answers = response.context["policies"][0].answers
    assert answers[0]["check"].reasons == ["gop_required"]
    assert "guarantee of payment" in html or "担保" in html
    # Seen again the same day, the answer is reused rather than recorded twice.
    client.get(reverse("insurance:patient_panel", args=[temuulen.public_id]))
    assert policy.patient.eligibility_checks.count() == 2


def test_the_coordinator_requests_a_gop_with_icd10_diagnoses_and_a_report_attached(
        coordinator, policy, agreement, temuulen, admission, case_manager):
    client = signed_in(coordinator)

    response = client.post(reverse("insurance:gop_new", args=[temuulen.public_id]), _request_data(policy, admission))

    gop = GuaranteeOfPayment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("insurance:gop", args=[gop.public_id])
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED
    assert [d["code"] for d in gop.diagnoses] == ["J18.9", "J96.0"]
    assert gop.diagnoses[1]["display"]  # the name is filled from ICD-10 when the coordinator gives only the code
    assert gop.requested_amount == Decimal("20000.00")
    assert AuditEvent.objects.filter(action="gop.request", object_id=str(gop.public_id)).exists()


def test_the_case_manager_asks_the_coordinator_answers_and_the_case_manager_approves_with_a_limit(
        gop, coordinator, case_manager):
    insurer, hospital = signed_in(case_manager), signed_in(coordinator)

    queue = insurer.get(reverse("insurance:insurer_home"))
    assert gop in queue.context["waiting"]

    asked = insurer.post(reverse("insurance:gop_ask", args=[gop.public_id]),
                         {"question": "Please send the chest X-ray report."})
    assert asked.status_code == 302
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.INFO_REQUESTED

    page = hospital.get(reverse("insurance:gop", args=[gop.public_id]))
    assert page.status_code == 200 and "Please send the chest X-ray report." in page.content.decode()
    assert 'id="answer"' in page.content.decode()
    answered = hospital.post(reverse("insurance:gop_answer", args=[gop.public_id]),
                             {"answer": "The X-ray shows a right lower lobe consolidation."})
    assert answered.status_code == 302
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED

    approved = insurer.post(reverse("insurance:gop_decide", args=[gop.public_id]), {
        "decision": "approve", "limit": "18000.00", "deductible": "500", "coinsurance_percent": "10",
        "excluded_codes": "nurse-private, tv", "conditions": "Ward room only",
        "insurer_reference": "CG-GOP-5521"})
    assert approved.status_code == 302
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.APPROVED
    assert gop.approved_limit == Decimal("18000.00") and gop.coinsurance_rate == Decimal("0.1000")
    assert gop.excluded_codes == ["nurse-private", "tv"]
    assert [e.kind for e in gop.events.all()] == ["requested", "info_requested", "info_provided", "approved"]
    assert gop.messages.count() == 2


def test_an_extension_asked_by_the_coordinator_is_approved_by_the_case_manager(gop, coordinator, case_manager, cigna):
    services.gop_decide(gop=gop, decision="approve", limit="20000", by=case_manager, organisation=cigna)

    asked = signed_in(coordinator).post(reverse("insurance:gop_extension", args=[gop.public_id]),
                                        {"additional_amount": "6000", "reason": "Two more nights"})
    assert asked.status_code == 302
    page = signed_in(case_manager).get(reverse("insurance:gop", args=[gop.public_id]))
    assert page.context["extension"].amount == Decimal("6000.00")
    decided = signed_in(case_manager).post(reverse("insurance:gop_extension_decide", args=[gop.public_id]),
                                           {"ext-approve": "yes"})

    assert decided.status_code == 302
    gop.refresh_from_db()
    assert gop.approved_limit == Decimal("26000.00")
    assert gop.events.filter(kind=GopEvent.Kind.EXTENSION_APPROVED).count() == 1


def test_discharge_claim_adjudication_and_the_insurers_partial_payment_through_the_pages(
        gop, final_invoice, coordinator, cashier, case_manager, cigna):
    from carebridge.billing.selectors import invoice_balance

    services.gop_decide(gop=gop, decision="approve", limit="20000", by=case_manager, organisation=cigna)
    desk = signed_in(cashier)

    marked = desk.post(reverse("insurance:gop_direct_billing", args=[gop.public_id]),
                       {"mark-invoice": str(final_invoice.public_id)})
    assert marked.status_code == 302 and DirectBilling.objects.filter(invoice=final_invoice, gop=gop).exists()
    created = desk.post(reverse("insurance:gop_claim", args=[gop.public_id]),
                        {"claim-invoice": str(final_invoice.public_id)})
    claim = Claim.objects.get()
    assert created["Location"] == reverse("insurance:claim", args=[claim.public_id])
    # A draft is the hospital's alone: the insurer does not see it yet.
    assert signed_in(case_manager).get(reverse("insurance:claim", args=[claim.public_id])).status_code == 404
    assert desk.post(reverse("insurance:claim_submit", args=[claim.public_id])).status_code == 302

    lines = list(claim.lines.all())
    data = {}
    for index, line in enumerate(lines):
        if line.code == "chest-ct":
            data |= {f"decision_{index}": "partial", f"amount_{index}": str(line.insurer_amount - 100),
                     f"reason_{index}": "CT priced above the schedule"}
        else:
            data |= {f"decision_{index}": "approved", f"amount_{index}": str(line.insurer_amount),
                     f"reason_{index}": ""}
    insurer = signed_in(case_manager)
    assert insurer.get(reverse("insurance:claim", args=[claim.public_id])).status_code == 200
    adjudicated = insurer.post(reverse("insurance:claim_adjudicate", args=[claim.public_id]), data)
    assert adjudicated.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ADJUDICATED
    assert claim.lines.get(code="chest-ct").decision == ClaimLine.Decision.PARTIAL
    assert claim.approved == claim.insurer_share - 100

    paid = desk.post(reverse("insurance:claim_remittance", args=[claim.public_id]),
                     {"amount": "2000.00", "remittance_reference": "CG-R-1"})
    assert paid.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PARTIALLY_PAID and claim.paid == Decimal("2000.00")
    assert invoice_balance(final_invoice) == final_invoice.total - Decimal("2000.00")


def test_a_cashier_may_bill_the_insurer_but_not_request_or_answer_for_the_case(gop, cashier, temuulen, policy):
    desk = signed_in(cashier)

    assert desk.get(reverse("insurance:gop", args=[gop.public_id])).status_code == 200
    assert desk.get(reverse("insurance:gop_new", args=[temuulen.public_id])).status_code == 404
    assert desk.post(reverse("insurance:gop_cancel", args=[gop.public_id]), {}).status_code == 404
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.REQUESTED


def test_the_insurer_queue_puts_the_overdue_request_first_and_highlights_it(gop, case_manager):
    GuaranteeOfPayment.objects.filter(pk=gop.pk).update(respond_by=timezone.now() - dt.timedelta(hours=2))

    response = signed_in(case_manager).get(reverse("insurance:insurer_home"))

    html = response.content.decode()
    assert response.context["waiting"][0] == gop and response.context["waiting"][0].overdue
    assert f'data-gop="{gop.public_id}" class="overdue"' in html


def test_the_insurer_opens_an_attached_document_and_the_opening_is_audited(
        policy, agreement, haikou, coordinator, case_manager, admission, temuulen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carebridge.patients.services import patient_document_upload

    pdf = SimpleUploadedFile("xray.pdf", b"%PDF-1.4\n% chest X-ray\n", content_type="application/pdf")
    document = patient_document_upload(patient=temuulen, actor=coordinator, upload=pdf, kind="imaging",
                                       title="Chest X-ray, Ulaanbaatar")
    gop = services.gop_request(hospital=haikou, policy=policy, admission_date=admission, diagnoses=[
        {"code": "J18.9"}], treatment_plan="Ward", requested_amount="9000", created_by=coordinator,
        documents=[document])

    url = reverse("insurance:gop_attachment", args=[gop.public_id, "document", document.public_id])
    response = signed_in(case_manager).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="gop_attachment.read", object_id=str(document.public_id)).exists()
