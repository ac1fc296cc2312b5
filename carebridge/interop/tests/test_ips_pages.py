"""The summary over FHIR and on its page: who exports and imports, what each answer says, and the audit."""

import copy
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle

from carebridge.audit.models import AuditEvent
from carebridge.clinical.models import Condition, Immunization
from carebridge.interop.ips.export import ips_bundle_build
from carebridge.interop.ips.models import IpsImport
from carebridge.interop.ips.rules import ips_check
from carebridge.interop.tests.helpers import bearer, token_for
from conftest import signed_in


def _summary_url(patient):
    return f"/fhir/r4/Patient/{patient.public_id}/$summary"


def _import_url(patient):
    return f"/fhir/r4/Patient/{patient.public_id}/$ips-import"


def test_his_mother_reads_temuulens_summary_over_fhir_and_it_follows_the_ips_rules(temuulen, record, guardian):
    response = signed_in(guardian).get(_summary_url(temuulen))

    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    Bundle.model_validate(body)
    issues, patient = ips_check(body)
    assert issues == [] and patient["id"] == str(temuulen.public_id)
    assert AuditEvent.objects.filter(action="ips.exported", patient_public_id=temuulen.public_id).count() == 1


def test_haikous_system_finds_the_summary_by_record_number(temuulen, record, haikou, platform_admin, system_client):
    number = temuulen.record_numbers.get(hospital=haikou).number
    secret = token_for(haikou, platform_admin)

    response = system_client.get("/fhir/r4/Patient/$summary", {"identifier": f"urn:carebridge:mrn:haikou|{number}"},
                                 **bearer(secret))

    assert response.status_code == 200
    assert response.json()["entry"][0]["resource"]["subject"]["reference"] == f"urn:uuid:{temuulen.public_id}"


def test_another_patient_and_a_coordinator_get_not_found_and_nothing_is_exported(temuulen, record, other_patient,
                                                                              coordinator):
    for user in (other_patient, coordinator):
        response = signed_in(user).get(_summary_url(temuulen))
        assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"
    assert not AuditEvent.objects.filter(action="ips.exported").exists()
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(temuulen.public_id)).count() == 2


def test_a_system_with_a_read_only_token_cannot_import(temuulen, record, haikou, platform_admin, system_client,
                                                       guardian):
    bundle = ips_bundle_build(patient=temuulen, language="mn", requested_by=guardian)
    secret = token_for(haikou, platform_admin)

    response = system_client.post(_import_url(temuulen), json.dumps(bundle), content_type="application/fhir+json",
                                  **bearer(secret))

    assert response.status_code == 403 and response.json()["resourceType"] == "OperationOutcome"


def test_a_damaged_bundle_posted_over_fhir_gets_every_problem_and_writes_nothing(temuulen, record, guardian):
    bundle = ips_bundle_build(patient=temuulen, language="mn", requested_by=guardian)
    damaged = copy.deepcopy(bundle)
    damaged["type"] = "collection"
    damaged["entry"][0]["resource"]["section"].pop(0)
    conditions = Condition.objects.count()

    response = signed_in(guardian).post(_import_url(temuulen), json.dumps(damaged),
                                        content_type="application/fhir+json")

    assert response.status_code == 422
    issues = response.json()["issue"]
    assert {issue["expression"][0] for issue in issues} >= {"Bundle.type", "Bundle.entry[0].resource.section"}
    assert Condition.objects.count() == conditions and not IpsImport.objects.exists()


def test_her_sons_summary_from_home_posted_over_fhir_is_imported_once(temuulen, record, guardian):
    bundle = ips_bundle_build(patient=temuulen, language="mn", requested_by=guardian)
    Immunization.objects.filter(patient=temuulen).delete()  # as if Haikou had not seen his vaccination card yet
    client = signed_in(guardian)

    first = client.post(_import_url(temuulen), json.dumps(bundle), content_type="application/fhir+json")
    again = client.post(_import_url(temuulen), json.dumps(bundle), content_type="application/fhir+json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert Immunization.objects.filter(patient=temuulen).count() == 2
    assert IpsImport.objects.get().via == IpsImport.Via.PORTAL


def test_his_mother_downloads_the_summary_as_json_and_as_pdf_from_the_portal(temuulen, record, guardian):
    client = signed_in(guardian)

    page = client.get(f"/summary/{temuulen.public_id}/")
    as_json = client.get(f"/summary/{temuulen.public_id}/ips.json")
    as_pdf = client.post(f"/summary/{temuulen.public_id}/ips.pdf")

    assert page.status_code == 200
    assert as_json.status_code == 200 and "attachment" in as_json["Content-Disposition"]
    assert json.loads(as_json.content)["type"] == "document"
    assert as_pdf.status_code == 200 and as_pdf["Content-Type"] == "application/pdf"
    assert b"".join(as_pdf.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="ips.exported", patient_public_id=temuulen.public_id).count() == 2


def test_the_upload_form_lists_the_problems_in_her_language(temuulen, guardian):
    upload = SimpleUploadedFile("summary.json", b"{not json", content_type="application/json")

    response = signed_in(guardian).post(f"/summary/{temuulen.public_id}/import/", {"file": upload})

    with translation.override("mn"):
        expected = translation.gettext("The file is not JSON.")
    assert expected != "The file is not JSON."
    assert response.status_code == 400 and expected in response.content.decode()
    assert not IpsImport.objects.exists()


def test_another_patient_cannot_open_the_summary_page(temuulen, other_patient):
    response = signed_in(other_patient).get(f"/summary/{temuulen.public_id}/")

    assert response.status_code == 404


def test_the_portal_and_the_desk_link_to_the_summary_page(temuulen, guardian, coordinator):
    link = f"/summary/{temuulen.public_id}/"

    portal = signed_in(guardian).get("/portal/", {"patient": str(temuulen.public_id)})
    desk = signed_in(coordinator).get(f"/desk/patients/{temuulen.public_id}/")

    assert link in portal.content.decode() and link in desk.content.decode()
