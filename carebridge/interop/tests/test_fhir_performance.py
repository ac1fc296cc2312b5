"""What a FHIR Patient read and search cost: the number of statements is pinned so it cannot creep back up.

A hospital's system (a SMART client-credentials token) reads and searches as in bench/fhir.py; a read costs
the token, the patient, their identity documents, their record numbers with hospitals and one insert of both
audit rows; a search the same with the page instead of the patient, whatever the number of results.
"""

import datetime as dt
import json

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.interop import fhir_patient
from carebridge.interop.fhir import fhir_response, validating
from carebridge.interop.smart.services import smart_token_issue
from carebridge.interop.tests.smart_helpers import secret_client
from carebridge.patients.models import MedicalRecordNumber, Patient, fold

pytestmark = pytest.mark.django_db

READ_QUERIES = 5  # token, patient, identity documents, record numbers with their hospitals, audit rows
SEARCH_QUERIES = 5  # token, page (one row more than asked), identity documents, record numbers, audit rows


def _family(hospital, desk, family, size):
    """Register `size` patients of one family at the hospital, as the bench does."""
    patients = Patient.objects.bulk_create([
        Patient(family_name=family, given_names=f"Given{i}", date_of_birth=dt.date(1990, 1, 1), nationality="MN",
                preferred_language="mn", registered_by=desk, search_text=fold(f"{family} Given{i}"))
        for i in range(size)
    ])
    MedicalRecordNumber.objects.bulk_create([MedicalRecordNumber(patient=p, hospital=hospital, number=f"{family}{i}")
                                             for i, p in enumerate(patients)])
    return patients


@pytest.fixture
def bearer(haikou, coordinator):
    """Return the headers of Haikou's system calling with a system/*.read token."""
    client, _secret = secret_client(haikou, coordinator)
    _token, secret = smart_token_issue(client=client, scope="system/*.read")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_systems_patient_read_costs_five_statements_with_both_audit_rows(
        system_client, bearer, temuulen, django_assert_max_num_queries):
    system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer)  # the token's last use is noted once
    before = AuditEvent.objects.count()

    with django_assert_max_num_queries(READ_QUERIES):
        response = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer)

    assert response.status_code == 200
    assert response.json()["identifier"][-1]["assigner"]["display"] == temuulen.record_numbers.get().hospital.name
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [(row.action, row.purpose) for row in rows] == [("patient.read", "fhir-read"),
                                                           ("fhir.interaction", "fhir-read")]
    assert rows[0].patient_public_id == temuulen.public_id


@pytest.mark.parametrize("size", [1, 10, 25])
def test_a_systems_patient_search_costs_the_same_statements_for_one_or_a_full_page_of_results(
        size, system_client, bearer, haikou, coordinator, django_assert_max_num_queries):
    _family(haikou, coordinator, "Batbayar", size)
    system_client.get("/fhir/r4/Patient", {"family": "Nobody"}, **bearer)
    before = AuditEvent.objects.count()

    # A page with more after it needs the total counted: one statement more.
    with django_assert_max_num_queries(SEARCH_QUERIES + (size > 10)):
        response = system_client.get("/fhir/r4/Patient", {"family": "Batbayar", "_count": 10}, **bearer)

    bundle = response.json()
    assert response.status_code == 200 and bundle["total"] == size
    assert len(bundle["entry"]) == min(size, 10)
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [row.action for row in rows] == ["patient.read"] * min(size, 10) + ["fhir.interaction"]
    assert {row.patient_public_id for row in rows[:-1]} == {
        Patient.objects.get(public_id=entry["resource"]["id"]).public_id for entry in bundle["entry"]}


@pytest.mark.parametrize(("count", "offset", "total", "shown", "has_next"), [
    (10, 0, 10, 10, False),  # exactly one page: the extra row is not there, no COUNT needed
    (4, 8, 10, 2, False),  # the last, short page
    (4, 4, 10, 4, True),  # a page in the middle
    (4, 12, 10, 0, False),  # past the end: the total is still counted
    (0, 0, 10, 0, False),  # _count=0 asks for the total only
])
def test_the_total_and_the_paging_links_are_right_with_or_without_a_count(
        count, offset, total, shown, has_next, system_client, bearer, haikou, coordinator):
    _family(haikou, coordinator, "Ganbold", 10)

    bundle = system_client.get("/fhir/r4/Patient", {"family": "Ganbold", "_count": count, "_offset": offset},
                               **bearer).json()

    assert bundle["total"] == total
    assert len(bundle.get("entry", [])) == shown
    assert any(link["relation"] == "next" for link in bundle["link"]) is has_next


def test_the_patient_sent_without_the_model_is_exactly_what_the_validated_model_would_send(aigerim, temuulen):
    for patient in (aigerim, temuulen):
        numbers = list(patient.record_numbers.select_related("hospital"))

        sent = json.loads(fhir_response(fhir_patient.patient_data(patient, record_numbers=numbers)).content)
        model = fhir_patient.patient_resource(patient, record_numbers=numbers)

        assert sent == json.loads(model.model_dump_json(exclude_none=True))


def test_responses_are_validated_in_the_tests_and_when_asked_but_not_in_production(settings):
    settings.DEBUG = False
    assert validating()  # under pytest
    settings.FHIR_VALIDATE_RESPONSES = False
    assert not validating()
    settings.FHIR_VALIDATE_RESPONSES = True
    assert validating()


def test_an_invalid_resource_is_caught_in_the_tests(system_client, bearer, temuulen, monkeypatch):
    def broken(patient, *, record_numbers):
        return {"resourceType": "Patient", "id": str(patient.public_id), "birthDate": "the 5th of May",
                "meta": {"versionId": "1"}}

    monkeypatch.setattr(fhir_patient, "patient_data", broken)
    system_client.raise_request_exception = True

    with pytest.raises(Exception, match="birthDate"):
        system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer)
