"""A hospital's staff and systems read and find a patient's first-visit record as a FHIR Patient."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from carebridge.audit.models import AuditEvent
from carebridge.interop.tests.helpers import as_fhir, bundle_resources
from conftest import signed_in

pytestmark = pytest.mark.django_db

PASSPORT_MNG = "http://hl7.org/fhir/sid/passport-MNG"
NATIONALITY = "http://hl7.org/fhir/StructureDefinition/patient-nationality"
INTERPRETER = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"


def _extension(resource, url):
    return next(extension for extension in resource.extension if extension.url == url)


def _assert_is_temuulen(patient, temuulen):
    assert isinstance(patient, Patient)
    assert patient.id == str(temuulen.public_id)
    passport = next(i for i in patient.identifier if i.system == PASSPORT_MNG)
    assert passport.value == "E12345678"
    assert passport.type.coding[0].code == "PPN"
    official = next(name for name in patient.name if name.use == "official")
    assert (official.family, official.given) == ("Batbayar", ["Temuulen"])
    assert any(name.text == "Батбаяр Тэмүүлэн" and name.use == "usual" for name in patient.name)
    assert patient.gender == "male"
    assert patient.birthDate == temuulen.date_of_birth
    language = patient.communication[0]
    assert (language.language.coding[0].system, language.language.coding[0].code) == ("urn:ietf:bcp:47", "mn")
    assert language.preferred is True
    nationality = _extension(patient, NATIONALITY).extension[0]
    assert nationality.url == "code"
    assert nationality.valueCodeableConcept.coding[0].code == "MN"
    assert _extension(patient, INTERPRETER).valueBoolean is False


def test_the_guardian_reads_her_childs_record_as_a_valid_fhir_patient(guardian, temuulen):
    response = signed_in(guardian).get(f"/fhir/r4/Patient/{temuulen.public_id}")

    assert response.status_code == 200
    patient = as_fhir(response)
    _assert_is_temuulen(patient, temuulen)
    assert response["ETag"] == f'W/"{patient.meta.versionId}"'
    assert patient.meta.lastUpdated is not None


def test_the_haikou_coordinator_reads_the_record_with_haikous_record_number(coordinator, temuulen):
    response = signed_in(coordinator).get(f"/fhir/r4/Patient/{temuulen.public_id}")

    assert response.status_code == 200
    patient = as_fhir(response)
    _assert_is_temuulen(patient, temuulen)
    mrn = next(i for i in patient.identifier if i.system == "urn:carebridge:mrn:haikou")
    assert mrn.type.coding[0].code == "MR"
    assert mrn.value == temuulen.record_numbers.get().number


def test_the_coordinator_finds_him_by_passport_number(coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Patient", {"identifier": f"{PASSPORT_MNG}|E12345678"})

    assert response.status_code == 200
    bundle = as_fhir(response)
    assert isinstance(bundle, Bundle) and bundle.type == "searchset" and bundle.total == 1
    _assert_is_temuulen(bundle_resources(bundle)[0], temuulen)
    assert bundle.entry[0].fullUrl == f"http://testserver/fhir/r4/Patient/{temuulen.public_id}"
    assert bundle.link[0].relation == "self"


def test_the_passport_of_another_state_with_the_same_number_finds_nobody(coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Patient",
                                          {"identifier": "http://hl7.org/fhir/sid/passport-KAZ|E12345678"})

    assert as_fhir(response).total == 0


def test_the_coordinator_finds_him_by_his_name_in_cyrillic(coordinator, temuulen):
    response = signed_in(coordinator).get("/fhir/r4/Patient", {"name": "Батбаяр"})

    bundle = as_fhir(response)
    assert bundle.total == 1
    assert bundle_resources(bundle)[0].id == str(temuulen.public_id)


def test_a_name_in_another_case_still_matches(coordinator, temuulen):
    client = signed_in(coordinator)

    assert as_fhir(client.get("/fhir/r4/Patient", {"name": "БАТБАЯР тэмүүлэн"})).total == 1
    assert as_fhir(client.get("/fhir/r4/Patient", {"family": "batbayar", "given": "TEMUULEN"})).total == 1
    assert as_fhir(client.get("/fhir/r4/Patient", {"name": "Дорж"})).total == 0


def test_the_coordinator_finds_him_by_haikous_record_number(coordinator, temuulen):
    number = temuulen.record_numbers.get().number

    response = signed_in(coordinator).get("/fhir/r4/Patient", {"identifier": f"urn:carebridge:mrn:haikou|{number}"})

    assert as_fhir(response).total == 1


@pytest.mark.parametrize("who", ["other_coordinator", "case_manager", "agent", "platform_admin"])
def test_people_outside_his_care_get_404_and_empty_searches(who, request, temuulen):
    client = signed_in(request.getfixturevalue(who))

    read = client.get(f"/fhir/r4/Patient/{temuulen.public_id}")
    by_passport = client.get("/fhir/r4/Patient", {"identifier": f"{PASSPORT_MNG}|E12345678"})
    by_name = client.get("/fhir/r4/Patient", {"name": "Батбаяр"})

    assert read.status_code == 404
    assert as_fhir(read).issue[0].code == "not-found"
    assert as_fhir(by_passport).total == 0 and not as_fhir(by_passport).entry
    assert as_fhir(by_name).total == 0


def test_a_forbidden_record_answers_exactly_like_a_missing_one(other_coordinator, temuulen):
    client = signed_in(other_coordinator)

    forbidden = client.get(f"/fhir/r4/Patient/{temuulen.public_id}")
    missing = client.get("/fhir/r4/Patient/00000000-0000-4000-8000-000000000000")

    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def test_each_read_writes_an_audit_row(coordinator, temuulen):
    client = signed_in(coordinator)

    client.get(f"/fhir/r4/Patient/{temuulen.public_id}")
    client.get(f"/fhir/r4/Patient/{temuulen.public_id}")

    rows = AuditEvent.objects.filter(action="patient.read", patient_public_id=temuulen.public_id)
    assert rows.count() == 2
    assert {row.actor_public_id for row in rows} == {coordinator.public_id}
    assert {row.purpose for row in rows} == {"fhir-read"}


def test_each_search_result_writes_an_audit_row_without_the_search_values(coordinator, temuulen):
    signed_in(coordinator).get("/fhir/r4/Patient", {"identifier": f"{PASSPORT_MNG}|E12345678"})

    row = AuditEvent.objects.get(action="patient.read", purpose="fhir-search")
    assert row.patient_public_id == temuulen.public_id
    assert row.actor_public_id == coordinator.public_id
    assert row.details["parameters"] == ["identifier"]
    assert "E12345678" not in str(row.details)


def test_a_refused_read_is_audited_as_denied(other_coordinator, temuulen):
    signed_in(other_coordinator).get(f"/fhir/r4/Patient/{temuulen.public_id}")

    assert AuditEvent.objects.filter(outcome="denied", actor_public_id=other_coordinator.public_id).exists()
    assert not AuditEvent.objects.filter(action="patient.read", actor_public_id=other_coordinator.public_id).exists()


def test_a_staff_member_without_the_second_factor_is_refused(coordinator, temuulen):
    response = signed_in(coordinator, second_factor=False).get(f"/fhir/r4/Patient/{temuulen.public_id}")

    assert response.status_code == 401


def test_an_anonymous_caller_gets_401_operation_outcome(client, temuulen):
    response = client.get(f"/fhir/r4/Patient/{temuulen.public_id}")

    assert response.status_code == 401
    outcome = as_fhir(response)
    assert isinstance(outcome, OperationOutcome) and outcome.issue[0].code == "login"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_writes_are_refused_with_an_operation_outcome(coordinator, temuulen):
    response = signed_in(coordinator).delete(f"/fhir/r4/Patient/{temuulen.public_id}")

    assert response.status_code == 405
    assert as_fhir(response).issue[0].code == "not-supported"
