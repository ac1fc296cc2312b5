"""The FHIR R4 endpoint states what it supports and answers errors with OperationOutcome."""

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

pytestmark = pytest.mark.django_db


def test_metadata_serves_a_capability_statement_that_validates(client):
    response = client.get("/fhir/r4/metadata")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1"
    assert statement.rest[0].mode == "server"


def test_an_unsupported_interaction_gets_an_operation_outcome(client):
    response = client.get("/fhir/r4/Patient/does-not-exist", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 404
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].code == "not-supported"


def test_metadata_answers_only_reads(client):
    assert client.post("/fhir/r4/metadata").status_code == 405
