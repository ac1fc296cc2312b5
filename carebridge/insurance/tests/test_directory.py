"""The payer directory: who the insurers are, how claims reach them, and what the hospital agreed with each."""

import pytest

from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_coordinator_reads_cignas_contacts_and_the_agreement_on_the_page(coordinator, policy, agreement):
    response = signed_in(coordinator).get("/insurance/payers/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cigna Global" in page and "claims@cigna.test" in page
    assert "48" in page


def test_the_api_lists_payers_with_the_hospitals_agreements(coordinator, policy, agreement, aetna):
    payers = {p["name"]: p for p in signed_in(coordinator).get("/api/v1/payers").json()}

    assert payers["Cigna Global"]["claims_email"] == "claims@cigna.test"
    assert payers["Cigna Global"]["agreements"][0]["gop_rule"] == "inpatient"
    assert payers["Aetna International"]["agreements"] == []


def test_a_patient_cannot_open_the_directory(guardian):
    client = signed_in(guardian, second_factor=False)

    assert client.get("/insurance/payers/").status_code == 404
    assert client.get("/api/v1/payers").status_code == 404
