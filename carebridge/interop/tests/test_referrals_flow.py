"""Referrals: Dr Li at Haikou refers Temuulen to Chongqing with his summary and a PDF.

Only Chongqing's coordinators decide; Haikou's staff and a third hospital get 404; the records stay closed to
Chongqing until it accepts and while his mother's consent stands; every opening is audited; his mother is told
in Mongolian, with no health data in the e-mail; the referral reads as a FHIR ServiceRequest beside the orders.
"""

import json

import pytest
from django.urls import reverse

from carebridge.accounts.models import OrganisationKind, Role
from carebridge.audit.models import AuditEvent
from carebridge.clinical.models import Order
from carebridge.core.models import Job
from carebridge.interop.referrals import services
from carebridge.interop.referrals.models import Referral
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from carebridge.interop.tests.test_sharing_links import PDF, issued_pdf
from carebridge.notifications.models import InAppMessage
from carebridge.patients.models import MedicalRecordNumber
from conftest import _org, _person, signed_in


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def summary(temuulen, haikou, media):
    return issued_pdf(temuulen, haikou)


@pytest.fixture
def sanya(db):
    return _org("sanya", OrganisationKind.HOSPITAL, "Sanya Central Hospital")


@pytest.fixture
def sanya_coordinator(sanya):
    return _person("coordinator@sanya.test", org=sanya, role=Role.COORDINATOR, language="zh-hans")


@pytest.fixture
def referral(temuulen, haikou, chongqing, haikou_clinician, summary, other_coordinator):
    return services.referral_create(patient=temuulen, from_hospital=haikou, to_hospital=chongqing,
                                    requested_by=haikou_clinician, reason="Cardiology opinion: heart murmur",
                                    reason_code="R01.1", priority=Referral.Priority.URGENT,
                                    document_ids=[summary.public_id])


def _consent(referral, guardian):
    return signed_in(guardian).post(reverse("referrals:consent", args=[referral.public_id]))


# --- Referring ----------------------------------------------------------------------------------------------------


def test_dr_li_refers_temuulen_and_his_mother_and_chongqings_desk_are_told(temuulen, haikou, chongqing, summary,
                                                                           haikou_clinician, guardian,
                                                                           other_coordinator):
    response = signed_in(haikou_clinician).post(
        f"{reverse('referrals:new')}?patient={temuulen.public_id}",
        {"patient": temuulen.public_id, "to_hospital": chongqing.public_id, "reason": "Cardiology opinion",
         "reason_code": "R01.1", "priority": "urgent", "document_ids": [str(summary.public_id)]})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("referrals:detail",
                                                                           args=[referral.public_id])
    assert (referral.from_hospital, referral.to_hospital, referral.priority) == (haikou, chongqing, "urgent")
    assert referral.status == "requested" and not referral.has_records_consent
    assert AuditEvent.objects.filter(action="referral.created", object_id=str(referral.public_id)).exists()
    message = InAppMessage.objects.get(recipient=guardian)
    assert "Chongqing" in message.title and "refer" not in message.title.lower()  # in Mongolian
    assert "Cardiology" not in message.title + message.body
    email = Job.objects.get(name="notifications.email_address", kwargs__address=guardian.email)
    assert email.kwargs["language"] == "mn" and email.kwargs["template"].endswith("news")
    assert set(email.kwargs["context"]) == {"patient_name", "link"}  # no hospital, reason or diagnosis
    assert InAppMessage.objects.filter(recipient=other_coordinator, link__contains=str(referral.public_id)).exists()


def test_a_patient_cannot_be_referred_to_the_same_hospital(temuulen, haikou, haikou_clinician):
    with pytest.raises(services.ValidationFailed) as refused:
        services.referral_create(patient=temuulen, from_hospital=haikou, to_hospital=haikou,
                                 requested_by=haikou_clinician, reason="x")
    assert "to_hospital" in refused.value.details
    assert not Referral.objects.exists()


def test_staff_of_another_hospital_cannot_refer_haikous_patient(temuulen, clinician_elsewhere, sanya):
    response = signed_in(clinician_elsewhere).get(f"{reverse('referrals:new')}?patient={temuulen.public_id}")
    assert response.status_code == 404
    api = signed_in(clinician_elsewhere).post("/api/v1/referrals", data=json.dumps(
        {"patient_id": str(temuulen.public_id), "to_hospital_id": str(sanya.public_id), "reason": "x"}),
        content_type="application/json")
    assert api.status_code == 404 and not Referral.objects.exists()


# --- Deciding -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "haikou_clinician", "clinician_elsewhere", "sanya_coordinator",
                                 "guardian"])
def test_only_a_coordinator_of_the_receiving_hospital_may_accept_or_decline(who, request, referral):
    client = signed_in(request.getfixturevalue(who))
    assert client.post(reverse("referrals:accept", args=[referral.public_id])).status_code == 404
    assert client.post(reverse("referrals:decline", args=[referral.public_id]),
                       {"reason": "full"}).status_code == 404
    assert client.post(f"/api/v1/referrals/{referral.public_id}/accept", data="{}",
                       content_type="application/json").status_code == 404
    referral.refresh_from_db()
    assert referral.status == "requested"
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(referral.public_id)).exists()


def test_a_third_hospital_cannot_even_see_the_referral(referral, sanya_coordinator):
    client = signed_in(sanya_coordinator)
    assert client.get(reverse("referrals:detail", args=[referral.public_id])).status_code == 404
    assert client.get(f"/api/v1/referrals/{referral.public_id}").status_code == 404
    assert client.get("/api/v1/referrals").json() == []


def test_chongqing_accepts_and_both_hospitals_and_the_mother_see_it(referral, other_coordinator, haikou_clinician,
                                                                    guardian, chongqing, temuulen):
    _consent(referral, guardian)
    response = signed_in(other_coordinator).post(reverse("referrals:accept", args=[referral.public_id]),
                                                 {"register_patient": "on"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.decided_by == other_coordinator
    # Registered at Chongqing through the patients app, the one identity kept.
    assert MedicalRecordNumber.objects.filter(patient=temuulen, hospital=chongqing).exists()
    sender_view = signed_in(haikou_clinician).get(reverse("referrals:detail", args=[referral.public_id]))
    assert sender_view.status_code == 200 and "status-accepted" in sender_view.content.decode()
    assert signed_in(haikou_clinician).get(f"/api/v1/referrals/{referral.public_id}").json()["status"] == "accepted"
    portal = signed_in(guardian).get(reverse("referrals:portal_list")).content.decode()
    assert "status-accepted" in portal
    decided = InAppMessage.objects.filter(recipient=guardian).order_by("-created_at").first()
    assert "Chongqing" in decided.title
    assert InAppMessage.objects.filter(recipient=haikou_clinician, link__contains=str(referral.public_id)).exists()
    assert AuditEvent.objects.filter(action="referral.accepted", object_id=str(referral.public_id)).exists()


def test_accepting_without_the_records_consent_does_not_register_the_patient(referral, other_coordinator,
                                                                             chongqing, temuulen):
    services.referral_accept(referral=referral, decided_by=other_coordinator, register_patient=True)
    assert referral.status == "accepted"
    assert not MedicalRecordNumber.objects.filter(patient=temuulen, hospital=chongqing).exists()


def test_chongqing_declines_with_a_reason_the_mother_reads(referral, other_coordinator, guardian, haikou_clinician):
    response = signed_in(other_coordinator).post(f"/api/v1/referrals/{referral.public_id}/decline",
                                                 data=json.dumps({"reason": "No paediatric cardiologist this month"}),
                                                 content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert "No paediatric cardiologist" in signed_in(guardian).get(reverse("referrals:portal_list")).content.decode()
    assert "No paediatric cardiologist" in signed_in(haikou_clinician).get(
        reverse("referrals:detail", args=[referral.public_id])).content.decode()
    again = signed_in(other_coordinator).post(f"/api/v1/referrals/{referral.public_id}/accept", data="{}",
                                              content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "referral_not_open"


def test_a_decline_needs_a_reason(referral, other_coordinator):
    response = signed_in(other_coordinator).post(f"/api/v1/referrals/{referral.public_id}/decline",
                                                 data=json.dumps({"reason": ""}), content_type="application/json")
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "requested"


def test_the_referring_hospital_withdraws_a_waiting_referral_and_only_it_can(referral, haikou_clinician,
                                                                             other_coordinator):
    assert signed_in(other_coordinator).post(reverse("referrals:cancel", args=[referral.public_id])).status_code \
        == 404
    signed_in(haikou_clinician).post(reverse("referrals:cancel", args=[referral.public_id]))
    referral.refresh_from_db()
    assert referral.status == "cancelled"


# --- The records --------------------------------------------------------------------------------------------------


def test_the_records_stay_closed_to_chongqing_before_acceptance(referral, other_coordinator, clinician_elsewhere,
                                                                guardian, summary):
    _consent(referral, guardian)
    for user in (other_coordinator, clinician_elsewhere):
        client = signed_in(user)
        assert client.get(reverse("referrals:records", args=[referral.public_id])).status_code == 404
        assert client.get(reverse("referrals:document", args=[referral.public_id, summary.public_id])).status_code \
            == 404
        assert client.get(f"/api/v1/referrals/{referral.public_id}/summary").status_code == 404
    denied = AuditEvent.objects.filter(action="access.denied", object_id=str(referral.public_id))
    assert denied.count() == 6
    assert not AuditEvent.objects.filter(action="referral.records_read").exists()


def test_without_the_mothers_consent_chongqing_never_sees_the_records(referral, other_coordinator):
    services.referral_accept(referral=referral, decided_by=other_coordinator)
    client = signed_in(other_coordinator)
    assert client.get(reverse("referrals:records", args=[referral.public_id])).status_code == 404
    detail = client.get(reverse("referrals:detail", args=[referral.public_id])).content.decode()
    assert "未同意" in detail  # "Not given: the records are not sent.", in the coordinator's Chinese
    assert reverse("referrals:records", args=[referral.public_id]) not in detail


def test_after_acceptance_with_consent_chongqing_reads_the_records_and_each_look_is_audited(
        referral, other_coordinator, clinician_elsewhere, guardian, summary, chongqing, record):
    _consent(referral, guardian)
    services.referral_accept(referral=referral, decided_by=other_coordinator)
    page = signed_in(clinician_elsewhere).get(reverse("referrals:records", args=[referral.public_id]))
    assert page.status_code == 200 and "Batbayar" in page.content.decode()
    pdf = signed_in(clinician_elsewhere).get(reverse("referrals:document", args=[referral.public_id,
                                                                               summary.public_id]))
    assert b"".join(pdf.streaming_content) == PDF
    bundle = signed_in(other_coordinator).get(f"/api/v1/referrals/{referral.public_id}/summary").json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "document"
    reads = AuditEvent.objects.filter(action="referral.records_read", object_id=str(referral.public_id))
    assert reads.count() == 3
    assert {row.organisation_public_id for row in reads} == {chongqing.public_id}
    assert {row.details["as"] for row in reads} == {"receiver"}


def test_withdrawing_the_consent_closes_the_records_again(referral, other_coordinator, guardian):
    _consent(referral, guardian)
    services.referral_accept(referral=referral, decided_by=other_coordinator, register_patient=False)
    client = signed_in(other_coordinator)
    assert client.get(reverse("referrals:records", args=[referral.public_id])).status_code == 200
    signed_in(guardian).post(reverse("referrals:consent", args=[referral.public_id]), {"withdraw": "1"})
    assert client.get(reverse("referrals:records", args=[referral.public_id])).status_code == 404
    assert AuditEvent.objects.filter(action="referral.consent_withdrawn").exists()


def test_the_mothers_consent_is_kept_in_her_language_with_the_hospitals_named(referral, guardian):
    _consent(referral, guardian)
    referral.refresh_from_db()
    assert referral.consent_given_by == guardian and referral.consent_given_as == "guardian"
    assert referral.consent_language == "mn"
    assert "Chongqing" in referral.consent_text and "Haikou" in referral.consent_text
    assert "I agree" not in referral.consent_text


def test_another_family_cannot_consent_for_temuulen(referral, other_patient):
    assert _consent(referral, other_patient).status_code == 404
    referral.refresh_from_db()
    assert not referral.has_records_consent


# --- FHIR ---------------------------------------------------------------------------------------------------------


def test_both_hospitals_systems_read_the_referral_as_a_service_request(referral, haikou, chongqing, platform_admin,
                                                                       system_client):
    for hospital in (haikou, chongqing):
        response = system_client.get(f"/fhir/r4/ServiceRequest/{referral.public_id}",
                                     **bearer(token_for(hospital, platform_admin)))
        assert response.status_code == 200
        resource = as_fhir(response)
        assert resource.intent == "order" and resource.priority == "urgent" and resource.status == "active"
        assert resource.category[0].coding[0].code == "3457005"
        assert resource.requester.reference == f"Organization/{haikou.public_id}"
        assert resource.performer[0].reference == f"Organization/{chongqing.public_id}"
        assert resource.reasonCode[0].coding[0].code == "R01.1"
        assert [info.display for info in resource.supportingInfo][0] == "International Patient Summary"
    assert AuditEvent.objects.filter(action="referral.read", purpose="fhir-read").count() == 2


def test_a_third_hospitals_system_gets_404_and_an_empty_bundle(referral, sanya, platform_admin, system_client):
    headers = bearer(token_for(sanya, platform_admin))
    assert system_client.get(f"/fhir/r4/ServiceRequest/{referral.public_id}", **headers).status_code == 404
    assert as_fhir(system_client.get("/fhir/r4/ServiceRequest", {"category": "3457005"}, **headers)).total == 0


def test_referrals_and_orders_keep_distinct_ids_and_searches(referral, record, haikou, platform_admin,
                                                             system_client, temuulen):
    headers = bearer(token_for(haikou, platform_admin))
    order_ids = {str(order.public_id) for order in Order.objects.filter(patient=temuulen)}
    assert order_ids and str(referral.public_id) not in order_ids
    referrals = as_fhir(system_client.get("/fhir/r4/ServiceRequest",
                                          {"category": "http://snomed.info/sct|3457005",
                                           "patient": str(temuulen.public_id)}, **headers))
    assert [r.id for r in bundle_resources(referrals)] == [str(referral.public_id)]
    orders = as_fhir(system_client.get("/fhir/r4/ServiceRequest", {"patient": str(temuulen.public_id)}, **headers))
    assert {r.id for r in bundle_resources(orders)} == order_ids
    one_order = system_client.get(f"/fhir/r4/ServiceRequest/{next(iter(order_ids))}", **headers)
    assert one_order.status_code == 200 and as_fhir(one_order).intent != "proposal"
    declined = as_fhir(system_client.get("/fhir/r4/ServiceRequest", {"category": "3457005", "status": "revoked"},
                                         **headers))
    assert declined.total == 0


def test_referral_searches_take_the_common_parameters_sorts_and_patient_includes(referral, haikou, chongqing,
                                                                                 platform_admin, system_client,
                                                                                 temuulen, haikou_clinician):
    second = services.referral_create(patient=temuulen, from_hospital=haikou, to_hospital=chongqing,
                                      requested_by=haikou_clinician, reason="Second opinion")
    headers = bearer(token_for(haikou, platform_admin))
    newest_first = as_fhir(system_client.get("/fhir/r4/ServiceRequest", {"category": "3457005",
                                                                          "_sort": "-authored"}, **headers))
    assert [r.id for r in bundle_resources(newest_first)] == [str(second.public_id), str(referral.public_id)]
    by_id = as_fhir(system_client.get("/fhir/r4/ServiceRequest", {"category": "3457005",
                                                                   "_id": str(referral.public_id)}, **headers))
    assert [r.id for r in bundle_resources(by_id)] == [str(referral.public_id)]
    with_patient = as_fhir(system_client.get("/fhir/r4/ServiceRequest", {
        "category": "3457005", "_id": str(referral.public_id), "_include": "ServiceRequest:patient"}, **headers))
    assert [entry.search.mode for entry in with_patient.entry] == ["match", "include"]
    assert with_patient.entry[1].resource.id == str(temuulen.public_id)
    strict = system_client.get("/fhir/r4/ServiceRequest", {"category": "3457005", "colour": "blue"},
                               HTTP_PREFER="handling=strict", **headers)
    assert strict.status_code == 400
