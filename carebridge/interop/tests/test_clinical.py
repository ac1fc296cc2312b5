"""Temuulen's clinical record over FHIR: what each resource says, and who reads it."""

import base64
import datetime as dt
import hashlib
import zoneinfo

import pytest
from fhir.resources.R4B import get_fhir_model_class

from carebridge.audit.models import AuditEvent
from carebridge.interop.tests.clinical_data import UNKNOWN_CODE, UNKNOWN_DISPLAY
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from conftest import signed_in

pytestmark = pytest.mark.django_db

# Each clinical resource type and the row of Temuulen's record it is read from.
READS = {
    "Encounter": "encounter", "ServiceRequest": "ct_order", "DiagnosticReport": "ct", "Observation": "haemoglobin",
    "Condition": "pneumonia", "AllergyIntolerance": "allergy", "MedicationRequest": "azithromycin",
    "MedicationStatement": "vitamin_d", "Immunization": "bcg", "Procedure": "nebuliser",
}
RESOURCE_TYPES = [*READS, "DocumentReference"]


def _ids(response):
    return {resource.id for resource in bundle_resources(as_fhir(response))}


def _public_id(record, prior_record, resource_type):
    row = prior_record if resource_type == "DocumentReference" else getattr(record, READS[resource_type])
    return row.public_id


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_each_clinical_resource_validates_with_r4b_and_carries_its_version(resource_type, haikou_clinician, record,
                                                                          prior_record, temuulen):
    client = signed_in(haikou_clinician)
    public_id = _public_id(record, prior_record, resource_type)

    read = client.get(f"/fhir/r4/{resource_type}/{public_id}")
    found = client.get(f"/fhir/r4/{resource_type}", {"patient": f"Patient/{temuulen.public_id}"})

    assert read.status_code == 200
    resource = as_fhir(read)
    assert isinstance(resource, get_fhir_model_class(resource_type))
    assert read["ETag"] == f'W/"{resource.meta.versionId}"'
    bundle = as_fhir(found)
    assert str(public_id) in {r.id for r in bundle_resources(bundle)}
    assert all(r.get_resource_type() == resource_type for r in bundle_resources(bundle))


def test_the_guardian_sees_her_childs_final_chest_ct_with_its_observations_but_not_the_preliminary_report(
        guardian, record, temuulen):
    client = signed_in(guardian)

    reports = client.get("/fhir/r4/DiagnosticReport", {"subject": str(temuulen.public_id)})
    ct = as_fhir(client.get(f"/fhir/r4/DiagnosticReport/{record.ct.public_id}"))

    assert _ids(reports) == {str(record.ct.public_id)}
    assert ct.status == "final"
    assert ct.conclusion.startswith("Consolidation of the right lower lobe")
    assert {r.reference for r in ct.result} == {f"Observation/{record.ct_findings.public_id}",
                                                f"Observation/{record.ct_size.public_id}"}
    assert ct.basedOn[0].reference == f"ServiceRequest/{record.ct_order.public_id}"
    for observation in (record.ct_findings, record.ct_size):
        assert client.get(f"/fhir/r4/Observation/{observation.public_id}").status_code == 200
    assert client.get(f"/fhir/r4/DiagnosticReport/{record.cbc.public_id}").status_code == 404
    assert client.get(f"/fhir/r4/Observation/{record.haemoglobin.public_id}").status_code == 404
    assert _ids(client.get("/fhir/r4/Observation", {"patient": str(temuulen.public_id)})) == {
        str(o.public_id) for o in (record.ct_findings, record.ct_size, record.heart_rate, record.temperature)}


def test_an_amended_report_is_amended_and_still_shown_to_the_guardian(guardian, haikou_clinician, record):
    from carebridge.clinical.services import report_amend

    report_amend(report=record.ct, actor=haikou_clinician, reason="Size corrected",
                 conclusion="Consolidation of the right lower lobe, 25 mm: pneumonia.")

    report = as_fhir(signed_in(guardian).get(f"/fhir/r4/DiagnosticReport/{record.ct.public_id}"))

    assert report.status == "amended"
    assert "25 mm" in report.conclusion


def test_the_clinician_reads_the_preliminary_report_too(haikou_clinician, record):
    client = signed_in(haikou_clinician)

    report = as_fhir(client.get(f"/fhir/r4/DiagnosticReport/{record.cbc.public_id}"))

    assert report.status == "preliminary"
    assert report.category[0].coding[0].code == "LAB"
    assert as_fhir(client.get(f"/fhir/r4/Observation/{record.haemoglobin.public_id}")).status == "preliminary"


OUTSIDERS = ["other_coordinator", "clinician_elsewhere", "case_manager", "agent", "coordinator", "interpreter"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_people_outside_his_clinical_care_get_404_and_empty_bundles(who, request, record, prior_record, temuulen):
    client = signed_in(request.getfixturevalue(who))

    for resource_type in RESOURCE_TYPES:
        read = client.get(f"/fhir/r4/{resource_type}/{_public_id(record, prior_record, resource_type)}")
        assert read.status_code == 404, resource_type
        assert as_fhir(read).issue[0].code == "not-found"
        assert as_fhir(client.get(f"/fhir/r4/{resource_type}", {"patient": str(temuulen.public_id)})).total == 0
        assert as_fhir(client.get(f"/fhir/r4/{resource_type}")).total == 0


@pytest.mark.parametrize("organisation", ["chongqing", "cigna", "agency"])
def test_other_organisations_systems_get_404_and_empty_bundles(organisation, request, platform_admin, record,
                                                               prior_record, temuulen, system_client):
    headers = bearer(token_for(request.getfixturevalue(organisation), platform_admin))

    for resource_type in RESOURCE_TYPES:
        public_id = _public_id(record, prior_record, resource_type)
        assert system_client.get(f"/fhir/r4/{resource_type}/{public_id}", **headers).status_code == 404
        assert as_fhir(system_client.get(f"/fhir/r4/{resource_type}", **headers)).total == 0


def test_the_hospitals_system_reads_its_patients_whole_record(haikou, platform_admin, record, prior_record,
                                                              temuulen, system_client):
    headers = bearer(token_for(haikou, platform_admin))

    for resource_type in RESOURCE_TYPES:
        public_id = _public_id(record, prior_record, resource_type)
        assert system_client.get(f"/fhir/r4/{resource_type}/{public_id}", **headers).status_code == 200
    reports = system_client.get("/fhir/r4/DiagnosticReport", {"patient": str(temuulen.public_id)}, **headers)
    assert _ids(reports) == {str(record.ct.public_id), str(record.cbc.public_id)}
    audited = AuditEvent.objects.filter(action="diagnostic_report.read", purpose="fhir-search")
    assert audited.count() == 2
    assert {event.details["as"] for event in audited} == {"system"}


def test_a_record_made_at_another_hospital_stays_with_that_hospital(clinician_elsewhere, chongqing, record,
                                                                   temuulen, haikou_clinician):
    from carebridge.patients.services import record_number_assign

    record_number_assign(patient=temuulen, hospital=chongqing)
    client = signed_in(clinician_elsewhere)

    # Registered there too: Chongqing's clinicians read what belongs to the patient, not Haikou's visit.
    assert _ids(client.get("/fhir/r4/AllergyIntolerance")) == {str(record.allergy.public_id)}
    assert _ids(client.get("/fhir/r4/Condition")) == {str(record.from_home.public_id)}
    assert as_fhir(client.get("/fhir/r4/Encounter")).total == 0
    assert as_fhir(client.get("/fhir/r4/DiagnosticReport")).total == 0
    assert client.get(f"/fhir/r4/Observation/{record.heart_rate.public_id}").status_code == 404


def test_an_unknown_outside_icd10_code_keeps_its_original_display(haikou_clinician, record):
    condition = as_fhir(signed_in(haikou_clinician).get(f"/fhir/r4/Condition/{record.from_home.public_id}"))

    coding = condition.code.coding[0]
    assert (coding.system, coding.code) == ("http://hl7.org/fhir/sid/icd-10", UNKNOWN_CODE)
    assert coding.display == UNKNOWN_DISPLAY
    assert condition.code.text == UNKNOWN_DISPLAY
    assert condition.clinicalStatus.coding[0].code == "resolved"
    assert condition.category[0].coding[0].code == "problem-list-item"


def test_a_known_diagnosis_keeps_the_recorded_display_as_its_text(haikou_clinician, record):
    condition = as_fhir(signed_in(haikou_clinician).get(f"/fhir/r4/Condition/{record.pneumonia.public_id}"))

    assert condition.code.text == "Pneumonia, unspecified"
    assert condition.code.coding[0].code == "J18.9"
    assert condition.clinicalStatus.coding[0].system == "http://terminology.hl7.org/CodeSystem/condition-clinical"
    assert condition.encounter.reference == f"Encounter/{record.encounter.public_id}"


def test_an_observation_value_quantity_carries_the_ucum_unit(haikou_clinician, record):
    observation = as_fhir(signed_in(haikou_clinician).get(f"/fhir/r4/Observation/{record.haemoglobin.public_id}"))

    quantity = observation.valueQuantity
    assert (float(quantity.value), quantity.unit, quantity.system, quantity.code) == (
        10.2, "g/dL", "http://unitsofmeasure.org", "g/dL")
    assert float(observation.referenceRange[0].low.value) == 10.5
    assert observation.referenceRange[0].high.code == "g/dL"
    interpretation = observation.interpretation[0].coding[0]
    assert (interpretation.system, interpretation.code) == (
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "L")
    category = observation.category[0].coding[0]
    assert (category.system, category.code) == ("http://terminology.hl7.org/CodeSystem/observation-category",
                                                "laboratory")
    assert (observation.code.coding[0].system, observation.code.coding[0].code) == ("http://loinc.org", "718-7")


def test_a_text_result_is_a_value_string(haikou_clinician, record):
    observation = as_fhir(signed_in(haikou_clinician).get(f"/fhir/r4/Observation/{record.ct_findings.public_id}"))

    assert observation.valueString == "Right lower lobe consolidation"
    assert observation.valueQuantity is None


def test_observations_are_found_by_code_category_and_date(haikou_clinician, record, temuulen):
    client = signed_in(haikou_clinician)
    # Dates in a search are the hospital's days (Asia/Shanghai), whatever UTC's date is at the time of the run.
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    yesterday = record.haemoglobin.effective_at.astimezone(shanghai).date()
    three_days_ago = record.heart_rate.effective_at.astimezone(shanghai).date()

    assert _ids(client.get("/fhir/r4/Observation", {"code": "http://loinc.org|8867-4"})) == {
        str(record.heart_rate.public_id)}
    assert _ids(client.get("/fhir/r4/Observation", {"code": "718-7,8310-5"})) == {
        str(record.haemoglobin.public_id), str(record.temperature.public_id)}
    assert as_fhir(client.get("/fhir/r4/Observation", {"code": "http://example.org|718-7"})).total == 0
    assert _ids(client.get("/fhir/r4/Observation", {"category": "vital-signs"})) == {
        str(record.heart_rate.public_id), str(record.temperature.public_id)}
    after = client.get("/fhir/r4/Observation", {"date": f"ge{(three_days_ago + dt.timedelta(days=1)).isoformat()}"})
    assert _ids(after) == {str(o.public_id) for o in (record.haemoglobin, record.ct_findings, record.ct_size)}
    before = client.get("/fhir/r4/Observation", {"date": f"le{(yesterday - dt.timedelta(days=1)).isoformat()}"})
    assert _ids(before) == {str(record.heart_rate.public_id), str(record.temperature.public_id)}
    both = client.get(f"/fhir/r4/Observation?code=http://loinc.org|8310-5&date=ge{three_days_ago - dt.timedelta(days=1)}"
                      f"&date=le{three_days_ago + dt.timedelta(days=1)}")
    assert _ids(both) == {str(record.temperature.public_id)}


def test_reports_are_found_by_status_and_category(haikou_clinician, record):
    client = signed_in(haikou_clinician)

    assert _ids(client.get("/fhir/r4/DiagnosticReport", {"status": "final"})) == {str(record.ct.public_id)}
    assert _ids(client.get("/fhir/r4/DiagnosticReport", {"status": "preliminary,amended"})) == {
        str(record.cbc.public_id)}
    assert _ids(client.get("/fhir/r4/DiagnosticReport", {
        "category": "http://terminology.hl7.org/CodeSystem/v2-0074|RAD"})) == {str(record.ct.public_id)}


def test_conditions_prescriptions_and_vaccines_are_found_by_their_parameters(haikou_clinician, record, temuulen):
    client = signed_in(haikou_clinician)
    pentavalent_day = record.pentavalent.occurred_on

    assert _ids(client.get("/fhir/r4/Condition", {"clinical-status": "active"})) == {str(record.pneumonia.public_id)}
    assert _ids(client.get("/fhir/r4/Condition", {"code": "http://hl7.org/fhir/sid/icd-10|J18.9"})) == {
        str(record.pneumonia.public_id)}
    assert _ids(client.get("/fhir/r4/MedicationRequest", {"status": "completed"})) == {
        str(record.paracetamol.public_id)}
    assert _ids(client.get("/fhir/r4/Immunization", {"date": f"ge{pentavalent_day.isoformat()}"})) == {
        str(record.pentavalent.public_id)}


def test_medicines_are_in_atc_and_vaccines_in_cvx_when_known(haikou_clinician, record):
    client = signed_in(haikou_clinician)

    prescription = as_fhir(client.get(f"/fhir/r4/MedicationRequest/{record.azithromycin.public_id}"))
    bcg = as_fhir(client.get(f"/fhir/r4/Immunization/{record.bcg.public_id}"))
    pentavalent = as_fhir(client.get(f"/fhir/r4/Immunization/{record.pentavalent.public_id}"))

    assert (prescription.medicationCodeableConcept.coding[0].system,
            prescription.medicationCodeableConcept.coding[0].code) == ("http://www.whocc.no/atc", "J01FA10")
    assert prescription.dosageInstruction[0].text.startswith("10 mg/kg")
    assert (bcg.vaccineCode.coding[0].system, bcg.vaccineCode.coding[0].code) == ("http://hl7.org/fhir/sid/cvx", "19")
    assert str(bcg.occurrenceDateTime) == record.bcg.occurred_on.isoformat()
    assert bcg.protocolApplied[0].doseNumberPositiveInt == 1
    assert pentavalent.vaccineCode.coding is None
    assert pentavalent.vaccineCode.text == "Pentavalent vaccine (Mongolian schedule)"


def test_an_uploaded_prior_record_is_a_document_reference_to_its_checked_download(guardian, prior_record, temuulen):
    client = signed_in(guardian)

    response = client.get(f"/fhir/r4/DocumentReference/{prior_record.public_id}")

    document = as_fhir(response)
    attachment = document.content[0].attachment
    assert attachment.url == f"http://testserver/documents/{prior_record.public_id}/"
    assert attachment.contentType == "application/pdf"
    assert attachment.hash is None
    extension = response.json()["content"][0]["attachment"]["extension"]
    assert extension[0]["url"] == "urn:carebridge:fhir:extension:attachment-sha256"
    data = b"%PDF-1.4\n% discharge summary\n%%EOF\n"
    assert base64.b64decode(extension[0]["valueBase64Binary"]) == hashlib.sha256(data).digest()
    assert client.get(attachment.url.removeprefix("http://testserver")).status_code == 200
    assert {(c.system, c.code) for c in document.type.coding} >= {("http://loinc.org", "18842-5")}
    assert _ids(client.get("/fhir/r4/DocumentReference", {"type": "http://loinc.org|18842-5",
                                                          "status": "current"})) == {str(prior_record.public_id)}
    assert as_fhir(client.get("/fhir/r4/DocumentReference", {"type": "lab"})).total == 0
    assert as_fhir(client.get("/fhir/r4/DocumentReference", {"status": "superseded"})).total == 0


def test_every_resource_a_search_returns_is_audited_once(haikou_clinician, record, temuulen):
    client = signed_in(haikou_clinician)

    bundle = as_fhir(client.get("/fhir/r4/Observation", {"patient": str(temuulen.public_id), "_count": "3"}))

    rows = AuditEvent.objects.filter(action="observation.read", actor_public_id=haikou_clinician.public_id)
    assert bundle.total == 5 and len(bundle.entry) == 3
    assert sorted(rows.values_list("object_id", flat=True)) == sorted(r.id for r in bundle_resources(bundle))
    assert {row.purpose for row in rows} == {"fhir-search"}
    assert rows.first().details["resource"] == "Observation"
    assert rows.first().patient_public_id == temuulen.public_id


def test_reads_are_audited_and_the_guardians_report_read_goes_through_the_clinical_check(
        guardian, haikou_clinician, record):
    signed_in(haikou_clinician).get(f"/fhir/r4/Condition/{record.pneumonia.public_id}")
    signed_in(guardian).get(f"/fhir/r4/DiagnosticReport/{record.ct.public_id}")

    condition_read = AuditEvent.objects.get(action="condition.read")
    assert (condition_read.purpose, condition_read.object_id) == ("fhir-read", str(record.pneumonia.public_id))
    report_read = AuditEvent.objects.get(action="report.read", actor_public_id=guardian.public_id)
    assert report_read.details["as"] == "patient"


def test_a_refused_read_is_audited_as_a_denial_and_nothing_else(other_coordinator, record):
    response = signed_in(other_coordinator).get(f"/fhir/r4/Procedure/{record.nebuliser.public_id}")

    assert response.status_code == 404
    about = AuditEvent.objects.filter(actor_public_id=other_coordinator.public_id,
                                      object_id=str(record.nebuliser.public_id))
    assert list(about.values_list("action", "outcome")) == [("access.denied", AuditEvent.Outcome.DENIED)]


@pytest.mark.parametrize(("resource_type", "query"), [
    ("Observation", {"value-quantity": "10"}), ("Observation", {"code:text": "blood"}),
    ("DiagnosticReport", {"code": "ct-chest"}), ("Condition", {"onset-date": "2026"}),
    ("Immunization", {"vaccine-code": "19"}), ("Encounter", {"status": "finished"}),
    ("DocumentReference", {"date": "2026"}),
])
def test_clinical_searches_refuse_what_they_do_not_support_when_asked_to_be_strict(resource_type, query,
                                                                                  haikou_clinician):
    response = signed_in(haikou_clinician).get(f"/fhir/r4/{resource_type}", query, HTTP_PREFER="handling=strict")

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "not-supported"


@pytest.mark.parametrize(("resource_type", "query"), [
    ("Observation", {"value-quantity": "10"}), ("Condition", {"onset-date": "2026"}),
    ("Encounter", {"status": "finished"}),
])
def test_clinical_searches_ignore_unknown_parameters_by_default_and_say_so_in_the_self_link(
        resource_type, query, haikou_clinician):
    response = signed_in(haikou_clinician).get(f"/fhir/r4/{resource_type}", query)

    assert response.status_code == 200
    [name] = query
    assert name not in next(link.url for link in as_fhir(response).link if link.relation == "self")


def test_a_malformed_clinical_date_gets_400_invalid(haikou_clinician):
    response = signed_in(haikou_clinician).get("/fhir/r4/Observation", {"date": "17/05/2026"})

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "invalid"


def test_the_visit_and_its_orders_read_as_encounter_and_service_requests(guardian, record, haikou, temuulen):
    client = signed_in(guardian)

    encounter = as_fhir(client.get(f"/fhir/r4/Encounter/{record.encounter.public_id}"))
    orders = bundle_resources(as_fhir(client.get("/fhir/r4/ServiceRequest", {"patient": str(temuulen.public_id)})))

    assert (encounter.status, encounter.class_fhir.code) == ("in-progress", "AMB")
    assert encounter.serviceProvider.reference == f"Organization/{haikou.public_id}"
    assert encounter.reasonCode[0].text == "Cough and fever for five days"
    assert {order.id: order.status for order in orders} == {str(record.ct_order.public_id): "completed",
                                                            str(record.cbc_order.public_id): "active"}
    assert {order.category[0].coding[0].code for order in orders} == {"363679005", "108252007"}
    assert all(order.intent == "order" and order.encounter.reference == f"Encounter/{record.encounter.public_id}"
               for order in orders)
