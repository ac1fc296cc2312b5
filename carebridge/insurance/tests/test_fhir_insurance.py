"""Insurance over FHIR R4: eligibility, the GOP as a preauthorization Claim and its ClaimResponse, the final claim and
its adjudication, the insurer's remittance; each validated with fhir.resources (R4B, as the interop app) and audited."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from carebridge.audit.models import AuditEvent
from carebridge.insurance import services
from carebridge.insurance.models import ClaimLine
from carebridge.interop.fhir_insurance import ICD10
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(gop, case_manager, cigna):
    return services.gop_decide(gop=gop, decision="approve", limit="3500.00", deductible="300",
                               coinsurance_rate="0.10", excluded_codes=["nurse-private"], by=case_manager,
                               organisation=cigna, conditions="Ward bed only; no private room.")


@pytest.fixture
def paid_claim(final_invoice, approved, cashier, case_manager, cigna):
    """A submitted claim adjudicated in part (the CT priced above the schedule), paid 2000 of 3400."""
    services.direct_billing_mark(invoice=final_invoice, gop=approved, by=cashier)
    claim = services.claim_submit(claim=services.claim_create(invoice=final_invoice, by=cashier), by=cashier)
    decisions = {}
    for line in claim.lines.all():
        if line.code == "chest-ct":
            decisions[line.pk] = (ClaimLine.Decision.PARTIAL, line.insurer_amount - Decimal("100.00"),
                                  "CT priced above the schedule")
        elif line.covered:
            decisions[line.pk] = (ClaimLine.Decision.APPROVED, line.insurer_amount, "")
        else:
            decisions[line.pk] = (ClaimLine.Decision.DENIED, None, "Not covered by the plan")
    claim = services.claim_adjudicate(claim=claim, decisions=decisions, by=case_manager, organisation=cigna)
    return services.claim_payment_record(claim=claim, amount="2000.00", remittance_reference="CG-R-1", by=cashier)


@pytest.fixture
def cigna_system(cigna, case_manager):
    return bearer(token_for(cigna, case_manager))


@pytest.fixture
def haikou_system(haikou, coordinator):
    return bearer(token_for(haikou, coordinator))


def amounts(adjudications):
    return {a.category.coding[0].code: Decimal(str(a.amount.value)) for a in adjudications if a.amount}


def test_the_gop_request_is_a_preauthorization_claim_the_insurer_reads(client, approved, policy, cigna_system):
    response = client.get(f"/fhir/r4/Claim/gop-{approved.public_id}", **cigna_system)

    assert response.status_code == 200, response.content
    claim = as_fhir(response)
    assert claim.use == "preauthorization" and claim.status == "active"
    assert claim.id == f"gop-{approved.public_id}"
    assert claim.diagnosis[0].diagnosisCodeableConcept.coding[0].system == ICD10
    assert claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code == "J18.9"
    assert claim.insurance[0].coverage.reference == f"Coverage/{policy.public_id}"
    assert claim.total.value == 20000 and claim.total.currency == "CNY"
    assert claim.item[0].net.value == 20000
    assert claim.type.coding[0].code == "institutional"
    assert "IV antibiotics" in claim.supportingInfo[0].valueString
    assert claim.insurer.reference.startswith("Organization/")


def test_the_gop_decision_is_a_claim_response_with_the_limit_as_benefit(client, approved, cigna_system):
    response = as_fhir(client.get(f"/fhir/r4/ClaimResponse/gop-{approved.public_id}", **cigna_system))

    assert response.outcome == "complete" and response.use == "preauthorization"
    assert response.request.reference == f"Claim/gop-{approved.public_id}"
    assert response.preAuthRef == (approved.insurer_reference or approved.number)
    assert amounts(response.total)["benefit"] == Decimal("3500.00")
    assert amounts(response.total)["submitted"] == Decimal("20000.00")
    assert any("Ward bed only" in note.text for note in response.processNote)
    assert response.disposition


def test_an_unanswered_gop_has_no_claim_response_yet(client, gop, cigna_system):
    response = client.get(f"/fhir/r4/ClaimResponse/gop-{gop.public_id}", **cigna_system)

    assert response.status_code == 404
    assert as_fhir(response).issue[0].code == "not-found"


def test_the_final_claim_has_an_item_per_invoice_line_coded_by_service(client, paid_claim, approved, haikou_system):
    claim = as_fhir(client.get(f"/fhir/r4/Claim/claim-{paid_claim.public_id}", **haikou_system))

    assert claim.use == "claim"
    codes = {item.productOrService.coding[0].code: item for item in claim.item if item.productOrService.coding}
    assert set(codes) == {"chest-ct", "room-single", "nurse-private"}
    assert codes["chest-ct"].productOrService.coding[0].system == "urn:carebridge:service:haikou"
    assert codes["chest-ct"].net.value == 900 and codes["chest-ct"].net.currency == "CNY"
    assert codes["room-single"].quantity.value == 3
    assert claim.insurance[0].preAuthRef == [approved.insurer_reference or approved.number]
    assert claim.related[0].claim.reference == f"Claim/gop-{approved.public_id}"
    assert "J44.9" in {d.diagnosisCodeableConcept.coding[0].code for d in claim.diagnosis}
    assert claim.total.value == float(paid_claim.claimed)


def test_the_adjudication_gives_each_line_its_amounts_and_reason(client, paid_claim, cigna_system):
    response = as_fhir(client.get(f"/fhir/r4/ClaimResponse/claim-{paid_claim.public_id}", **cigna_system))

    assert response.outcome == "partial" and response.use == "claim"
    lines = list(paid_claim.lines.order_by("id"))
    ct_index = next(i for i, line in enumerate(lines) if line.code == "chest-ct")
    ct = response.item[ct_index]
    assert ct.itemSequence == ct_index + 1
    ct_amounts = amounts(ct.adjudication)
    assert ct_amounts["submitted"] == Decimal("900.00")
    assert ct_amounts["benefit"] == lines[ct_index].approved_amount == ct_amounts["eligible"] - 100
    assert any(a.reason and a.reason.text == "CT priced above the schedule" for a in ct.adjudication)
    assert amounts(response.total)["benefit"] == Decimal("3400.00")
    assert response.payment.amount.value == 2000 and response.payment.type.coding[0].code == "partial"


def test_the_remittance_is_a_payment_reconciliation_naming_the_claim(client, paid_claim, haikou_system):
    search = as_fhir(client.get("/fhir/r4/PaymentReconciliation",
                                {"patient": f"Patient/{paid_claim.patient.public_id}"}, **haikou_system))
    [found] = bundle_resources(search)

    read = as_fhir(client.get(f"/fhir/r4/PaymentReconciliation/{found.id}", **haikou_system))

    assert read.paymentAmount.value == 2000 and read.paymentAmount.currency == "CNY"
    assert read.paymentIdentifier.value == "CG-R-1" and read.identifier[0].value == "CG-R-1"
    assert read.detail[0].request.reference == f"Claim/claim-{paid_claim.public_id}"
    assert read.paymentDate == timezone.localdate()


def test_eligibility_is_a_request_and_a_response_with_the_reasons(client, policy, agreement, haikou, coordinator,
                                                                  haikou_system):
    check = services.eligibility_check(policy=policy, hospital=haikou, setting="inpatient", checked_by=coordinator)

    request = as_fhir(client.get(f"/fhir/r4/CoverageEligibilityRequest/{check.public_id}", **haikou_system))
    answer = as_fhir(client.get(f"/fhir/r4/CoverageEligibilityResponse/{check.public_id}", **haikou_system))

    assert request.purpose == ["validation", "benefits"]
    assert request.insurance[0].coverage.reference == f"Coverage/{policy.public_id}"
    assert answer.outcome == "complete" and answer.request.reference.endswith(str(check.public_id))
    assert answer.insurance[0].inforce is True
    assert answer.insurance[0].item[0].authorizationRequired is True
    assert "guarantee of payment" in answer.disposition
    assert not answer.error


def test_an_expired_policy_answers_not_in_force_with_the_reason_as_an_error(client, policy, agreement, haikou,
                                                                            coordinator, haikou_system):
    policy.valid_to = timezone.localdate() - dt.timedelta(days=1)
    policy.save()
    check = services.eligibility_check(policy=policy, hospital=haikou, setting="inpatient", checked_by=coordinator)

    answer = as_fhir(client.get(f"/fhir/r4/CoverageEligibilityResponse/{check.public_id}", **haikou_system,
                                HTTP_ACCEPT_LANGUAGE="en"))

    assert answer.insurance[0].inforce is False
    assert [e.code.coding[0].code for e in answer.error] == ["policy_expired"]
    assert answer.error[0].code.text == "The policy has expired on that date."


def test_claim_searches_filter_by_use_status_and_patient_and_page(client, paid_claim, approved, haikou_system):
    patient = f"Patient/{paid_claim.patient.public_id}"

    both = as_fhir(client.get("/fhir/r4/Claim", {"patient": patient}, **haikou_system))
    preauth = as_fhir(client.get("/fhir/r4/Claim", {"use": "preauthorization"}, **haikou_system))
    cancelled = as_fhir(client.get("/fhir/r4/Claim", {"status": "cancelled"}, **haikou_system))
    first_page = as_fhir(client.get("/fhir/r4/Claim", {"_count": "1"}, **haikou_system))
    other = as_fhir(client.get("/fhir/r4/Claim", {"patient": "Patient/00000000-0000-4000-8000-000000000000"},
                               **haikou_system))

    assert {c.id for c in bundle_resources(both)} == {f"gop-{approved.public_id}", f"claim-{paid_claim.public_id}"}
    assert [c.use for c in bundle_resources(preauth)] == ["preauthorization"]
    assert cancelled.total == 0 and other.total == 0
    assert first_page.total == 2 and len(bundle_resources(first_page)) == 1
    assert any(link.relation == "next" for link in first_page.link)


def test_claim_response_search_finds_both_answers_and_filters_by_outcome(client, paid_claim, approved, cigna_system):
    everything = as_fhir(client.get("/fhir/r4/ClaimResponse", **cigna_system))
    partial = as_fhir(client.get("/fhir/r4/ClaimResponse", {"outcome": "partial"}, **cigna_system))
    requested = as_fhir(client.get("/fhir/r4/ClaimResponse", {"request": f"Claim/gop-{approved.public_id}"},
                                   **cigna_system))

    assert {r.id for r in bundle_resources(everything)} == {f"gop-{approved.public_id}",
                                                            f"claim-{paid_claim.public_id}"}
    assert [r.id for r in bundle_resources(partial)] == [f"claim-{paid_claim.public_id}"]
    assert [r.id for r in bundle_resources(requested)] == [f"gop-{approved.public_id}"]


def test_every_read_and_search_result_is_audited(client, paid_claim, approved, cigna_system):
    client.get(f"/fhir/r4/Claim/claim-{paid_claim.public_id}", **cigna_system)
    client.get("/fhir/r4/Claim", {"use": "preauthorization"}, **cigna_system)

    read = AuditEvent.objects.filter(action="claim.read", object_id=str(paid_claim.public_id))
    searched = AuditEvent.objects.filter(action="gop.read", object_id=str(approved.public_id),
                                         details__via="fhir-search")
    assert read.exists() and read.first().details["as"] == "insurer"
    assert searched.exists()


def test_the_family_reads_its_own_cases_and_another_family_gets_404(client, approved, guardian, other_patient):
    own = signed_in(guardian, second_factor=False).get(f"/fhir/r4/Claim/gop-{approved.public_id}")
    stranger = signed_in(other_patient, second_factor=False).get(f"/fhir/r4/Claim/gop-{approved.public_id}")
    stranger_search = signed_in(other_patient, second_factor=False).get("/fhir/r4/Claim")

    assert own.status_code == 200 and as_fhir(own).use == "preauthorization"
    assert stranger.status_code == 404
    assert as_fhir(stranger_search).total == 0


def test_a_malformed_id_is_404_not_an_error(client, cigna_system):
    for path in ("Claim/123", "Claim/gop-nope", "ClaimResponse/claim-", "PaymentReconciliation/x",
                 "CoverageEligibilityRequest/1"):
        response = client.get(f"/fhir/r4/{path}", **cigna_system)
        assert response.status_code == 404, path


def test_estimate_lines_become_items_and_attachments_supporting_info(client, gop, haikou, temuulen, coordinator, rates,
                                                                    case_manager, cigna, cigna_system):
    from carebridge.billing.services import cost_estimate_create
    from carebridge.clinical.models import DiagnosticReport
    from carebridge.insurance.models import GopAttachment, GuaranteeOfPayment

    estimate = cost_estimate_create(hospital=haikou, patient=temuulen, title="Pneumonia stay",
                                    valid_until=timezone.localdate() + dt.timedelta(days=30), created_by=coordinator,
                                    lines=[{"description": "Ward, per night", "quantity": 3, "low": "1000.00",
                                            "high": "1280.00"}])
    GuaranteeOfPayment.objects.filter(pk=gop.pk).update(estimate=estimate)
    report = DiagnosticReport.objects.create(hospital=haikou, patient=temuulen, category="imaging",
                                             display="Chest X-ray", status="final")
    GopAttachment.objects.create(gop=gop, title="Chest X-ray report", report=report, added_by=coordinator)
    services.gop_info_request(gop=gop, question="Send the X-ray report, please.", by=case_manager,
                              organisation=cigna)

    claim = as_fhir(client.get(f"/fhir/r4/Claim/gop-{gop.public_id}", **cigna_system))
    answer = as_fhir(client.get(f"/fhir/r4/ClaimResponse/gop-{gop.public_id}", **cigna_system))

    assert [(item.quantity.value, item.unitPrice.value, item.net.value) for item in claim.item] == [(3, 1280, 3840)]
    assert claim.item[0].productOrService.text == "Ward, per night"
    attachments = [info for info in claim.supportingInfo if info.category.coding[0].code == "attachment"]
    assert attachments[0].valueReference.reference == f"DiagnosticReport/{report.public_id}"
    assert answer.outcome == "queued"
    assert any("Send the X-ray report" in note.text for note in answer.processNote)
