"""The international department finds arriving patients, registers walk-ins, and merges duplicates."""

import datetime as dt

import pytest

from carebridge.audit.models import AuditEvent, Consent
from carebridge.patients.models import DuplicateCandidate, MedicalRecordNumber, Patient
from carebridge.patients.services import patient_register
from carebridge.patients.tests.factories import TEMUULEN_MRZ, details_form, registered_child, td3
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def temuulen(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.mark.parametrize("query", ["Батбаяр", "тэмүүлэн", "batbayar temuulen", "E12345678", "e 1234 5678",
                                   "+976 9911 2233"])
def test_the_coordinator_finds_the_child_by_cyrillic_name_latin_name_passport_or_phone(coordinator, temuulen, query):
    response = signed_in(coordinator).get("/desk/", {"q": query})

    assert response.status_code == 200
    assert [p.pk for p in response.context["results"]] == [temuulen.pk]


def test_the_coordinator_finds_the_child_by_record_number(coordinator, temuulen, haikou):
    number = MedicalRecordNumber.objects.get(patient=temuulen, hospital=haikou).number

    response = signed_in(coordinator).get("/desk/", {"q": number})

    assert [p.pk for p in response.context["results"]] == [temuulen.pk]


def test_the_other_hospitals_coordinator_does_not_find_the_child(other_coordinator, temuulen):
    response = signed_in(other_coordinator).get("/desk/", {"q": "E12345678"})

    assert response.context["results"] == []


def test_record_numbers_are_per_hospital_and_never_repeat(guardian, haikou, chongqing, coordinator):
    first = registered_child(guardian=guardian, hospital=haikou)
    sister = td3(surname="BATBAYAR", given="SARNAI", number="E87654321", nationality="MNG", birth="200101",
                 sex="F", expiry="300101")
    second = registered_child(guardian=guardian, hospital=haikou, mrz=sister)

    numbers = list(MedicalRecordNumber.objects.filter(hospital=haikou).values_list("number", flat=True))
    assert len(set(numbers)) == 2
    assert MedicalRecordNumber.objects.get(patient=first).number < MedicalRecordNumber.objects.get(patient=second).number


def test_the_coordinator_registers_a_walk_in_from_the_passport(coordinator, haikou):
    client = signed_in(coordinator)
    walk_in = td3(surname="SANTOS", given="MARIA CLARA", number="P1234567A", nationality="PHL", birth="880315",
                  sex="F", expiry="310101")

    step_one = client.post("/desk/register/", {"acting_as": "self", "mrz": walk_in})
    assert step_one.status_code == 200
    response = client.post("/desk/register/details/", details_form(
        walk_in, haikou, acting_as="staff", relationship="", family_name="Santos", given_names="Maria Clara",
        native_name="", nationality="PH", preferred_language="fil", home_time_zone="Asia/Manila",
        phone="+63 917 123 4567", address_country="PH", sex="female"))

    assert response.status_code == 302
    patient = Patient.objects.get(family_name="Santos")
    assert patient.phone == "+639171234567"
    assert MedicalRecordNumber.objects.get(patient=patient).hospital == haikou
    assert Consent.objects.filter(subject_public_id=patient.public_id, given_as="staff").count() == 3


def test_a_walk_in_whose_passport_is_known_is_linked_not_duplicated(coordinator, other_coordinator, temuulen,
                                                                   chongqing):
    client = signed_in(other_coordinator)

    response = client.post("/desk/register/details/", details_form(TEMUULEN_MRZ, chongqing, acting_as="staff",
                                                                   relationship=""))

    assert response.status_code == 302
    assert Patient.objects.count() == 1
    assert MedicalRecordNumber.objects.filter(patient=temuulen).count() == 2


def test_the_same_name_and_birth_date_in_another_script_is_queued_as_a_likely_duplicate(coordinator, temuulen,
                                                                                        haikou):
    walk_in = td3(surname="BATBAYAR", given="TEMUULEN", number="E99999999", nationality="MNG",
                  birth=temuulen.date_of_birth.strftime("%y%m%d"), sex="M", expiry="300101")
    signed_in(coordinator).post("/desk/register/details/", details_form(
        walk_in, haikou, acting_as="staff", relationship="", native_name=""))

    candidate = DuplicateCandidate.objects.get()
    assert {candidate.patient_id, candidate.other_id} == set(Patient.objects.values_list("pk", flat=True))
    queue = signed_in(coordinator).get("/desk/").context["queue"]
    assert queue["duplicates"] == [candidate]


def test_merging_moves_everything_to_the_kept_record_and_loses_nothing(coordinator, guardian, temuulen, haikou):
    duplicate, _ = patient_register(
        registered_by=coordinator, hospital=haikou, acting_as="staff",
        details={"family_name": "Batbayar", "given_names": "Temuulen", "date_of_birth": temuulen.date_of_birth,
                 "preferred_language": "mn", "home_time_zone": "Asia/Ulaanbaatar", "email": "family@example.mn"},
        consents=["personal_data", "sensitive_health_data", "cross_border_transfer"])
    candidate = DuplicateCandidate.objects.get()

    response = signed_in(coordinator).post(f"/desk/duplicates/{candidate.public_id}/",
                                           {"keep": str(temuulen.public_id)})

    assert response.status_code == 302
    duplicate.refresh_from_db()
    temuulen.refresh_from_db()
    assert duplicate.merged_into == temuulen
    assert temuulen.email == "family@example.mn"
    assert Consent.objects.filter(subject_public_id=temuulen.public_id, kind="cross_border_transfer").exists()
    # Both hospital numbers at Haikou still resolve; the merged one stays on the merged record.
    assert MedicalRecordNumber.objects.filter(patient__in=[temuulen, duplicate]).count() == 2
    row = AuditEvent.objects.get(action="patient.merged")
    assert row.details["merged"] == str(duplicate.public_id)
    assert DuplicateCandidate.objects.get().status == "merged"
    results = signed_in(coordinator).get("/desk/", {"q": "Batbayar"}).context["results"]
    assert [p.pk for p in results] == [temuulen.pk]


def test_a_coordinator_dismisses_a_false_duplicate(coordinator, temuulen, haikou):
    patient_register(registered_by=coordinator, hospital=haikou, acting_as="staff",
                     details={"family_name": "Batbayar", "given_names": "Temuulen",
                              "date_of_birth": temuulen.date_of_birth, "preferred_language": "mn",
                              "home_time_zone": "Asia/Ulaanbaatar"},
                     consents=["personal_data", "sensitive_health_data"])
    candidate = DuplicateCandidate.objects.get()

    signed_in(coordinator).post(f"/desk/duplicates/{candidate.public_id}/", {"decision": "dismiss"})

    candidate.refresh_from_db()
    assert candidate.status == "dismissed" and candidate.resolved_by == coordinator
    assert Patient.objects.filter(merged_into__isnull=True).count() == 2


def test_the_queue_shows_passports_expiring_within_six_months(coordinator, guardian, haikou):
    soon = td3(surname="DORJ", given="BAT", number="E55555555", nationality="MNG", birth="900101", sex="M",
               expiry=(dt.date.today() + dt.timedelta(days=60)).strftime("%y%m%d"))
    registered_child(guardian=guardian, hospital=haikou, mrz=soon)

    queue = signed_in(coordinator).get("/desk/").context["queue"]

    assert [d.patient.family_name for d in queue["expiring"]] == ["Batbayar"]


def test_searches_and_record_views_at_the_desk_are_audited(coordinator, temuulen):
    client = signed_in(coordinator)
    client.get("/desk/", {"q": "Батбаяр"})
    client.get(f"/desk/patients/{temuulen.public_id}/")

    assert AuditEvent.objects.filter(action="patient.searched", actor_public_id=coordinator.public_id).count() == 1
    # One row for the search result that showed him, one for opening his record.
    assert AuditEvent.objects.filter(action="patient.read", patient_public_id=temuulen.public_id,
                                     purpose="registration").count() == 2
