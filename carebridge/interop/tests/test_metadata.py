"""The FHIR R4 endpoint states what it supports and answers errors with OperationOutcome."""

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from carebridge.interop.search_specs import COMMON

pytestmark = pytest.mark.django_db


def test_metadata_serves_a_capability_statement_that_validates(client):
    response = client.get("/fhir/r4/metadata")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1"
    assert statement.rest[0].mode == "server"


def test_the_capability_statement_lists_exactly_what_is_served(client):
    rest = CapabilityStatement.model_validate(client.get("/fhir/r4/metadata").json()).rest[0]

    resources = {resource.type: resource for resource in rest.resource}
    assert set(resources) == {"Patient", "RelatedPerson", "Consent", "Coverage", "Organization", "Location",
                              "HealthcareService", "Practitioner", "PractitionerRole", "Schedule", "Slot",
                              "Appointment", "Encounter", "ServiceRequest", "DiagnosticReport", "Observation",
                              "Condition", "AllergyIntolerance", "MedicationRequest", "MedicationStatement",
                              "Immunization", "Procedure", "DocumentReference", "Group",
                              # insurance (carebridge/interop/views_insurance.py)
                              "CoverageEligibilityRequest", "CoverageEligibilityResponse", "Claim",
                              "ClaimResponse", "PaymentReconciliation"}
    for resource in resources.values():
        assert [interaction.code for interaction in resource.interaction] == ["read", "search-type"]
        names = [p.name for p in resource.searchParam]
        # Resources served from one kind of row take _id and _lastUpdated (search_specs.COMMON); the rest is their own.
        assert ({"_id", "_lastUpdated"} <= set(names)) == (resource.type in COMMON)
        resource.searchParam = [p for p in resource.searchParam if p.name not in ("_id", "_lastUpdated")]
    assert {p.name for p in resources["Patient"].searchParam} == {
        "identifier", "name", "family", "given", "birthdate", "nationality"}
    assert {p.name for p in resources["Coverage"].searchParam} == {"patient", "beneficiary"}
    assert {p.name for p in resources["Consent"].searchParam} == {"patient"}
    assert {p.name for p in resources["HealthcareService"].searchParam} == {"organization", "active", "name"}
    assert {p.name for p in resources["Practitioner"].searchParam} == {"name", "communication"}
    assert {p.name for p in resources["PractitionerRole"].searchParam} == {"practitioner", "organization", "service"}
    assert {p.name for p in resources["Organization"].searchParam} == {"name", "type"}
    assert {p.name for p in resources["Location"].searchParam} == {"name", "organization"}
    assert {p.name for p in resources["Schedule"].searchParam} == {"actor"}
    assert {p.name for p in resources["Slot"].searchParam} == {"schedule", "start", "status"}
    assert {p.name for p in resources["Appointment"].searchParam} == {"patient", "date", "status", "practitioner"}
    patient_params = {"patient", "subject"}
    for resource_type in ("Encounter", "ServiceRequest", "AllergyIntolerance", "MedicationStatement", "Procedure"):
        assert {p.name for p in resources[resource_type].searchParam} == patient_params
    assert {p.name for p in resources["Observation"].searchParam} == patient_params | {"category", "code", "date"}
    assert {p.name for p in resources["DiagnosticReport"].searchParam} == patient_params | {"status", "category"}
    assert {p.name for p in resources["Condition"].searchParam} == patient_params | {"clinical-status", "code"}
    assert {p.name for p in resources["MedicationRequest"].searchParam} == patient_params | {"status"}
    assert {p.name for p in resources["Immunization"].searchParam} == patient_params | {"date"}
    assert {p.name for p in resources["DocumentReference"].searchParam} == patient_params | {"type", "status"}
    assert "attachment-sha256" in resources["DocumentReference"].documentation
    assert "fhir:read" in rest.security.description
    assert rest.security.service[0].text


def test_an_unsupported_interaction_gets_an_operation_outcome(client):
    response = client.get("/fhir/r4/Binary/does-not-exist", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 404
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].code == "not-supported"


def test_metadata_answers_only_reads(client):
    assert client.post("/fhir/r4/metadata").status_code == 405
