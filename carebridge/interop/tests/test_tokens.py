"""Organisations' systems read the FHIR API with bearer tokens: a hospital its own patients, nobody else anything."""

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.interop.tests.helpers import as_fhir, bearer, token_for

pytestmark = pytest.mark.django_db


def test_haikous_system_reads_temuulen_with_a_fhir_token(system_client, haikou, platform_admin, temuulen):
    secret = token_for(haikou, platform_admin)

    response = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(secret))

    assert response.status_code == 200
    patient = as_fhir(response)
    assert patient.id == str(temuulen.public_id)
    assert any(i.system == "http://hl7.org/fhir/sid/passport-MNG" and i.value == "E12345678"
               for i in patient.identifier)


def test_haikous_system_finds_temuulen_by_passport(system_client, haikou, platform_admin, temuulen):
    secret = token_for(haikou, platform_admin)

    response = system_client.get("/fhir/r4/Patient", {"identifier": "http://hl7.org/fhir/sid/passport-MNG|E12345678"},
                                  **bearer(secret))

    assert as_fhir(response).total == 1


def test_a_systems_read_is_audited_under_its_organisation(system_client, haikou, platform_admin, temuulen):
    secret = token_for(haikou, platform_admin)

    system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(secret))

    row = AuditEvent.objects.get(action="patient.read", patient_public_id=temuulen.public_id)
    assert row.organisation_public_id == haikou.public_id
    assert row.actor_public_id is None
    assert row.details["as"] == "system"


@pytest.mark.parametrize("organisation", ["chongqing", "cigna", "agency"])
def test_other_organisations_systems_get_404_and_empty_searches(organisation, request, system_client,
                                                                platform_admin, temuulen):
    secret = token_for(request.getfixturevalue(organisation), platform_admin)

    read = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(secret))
    search = system_client.get("/fhir/r4/Patient", {"name": "Batbayar"}, **bearer(secret))
    guardians = system_client.get("/fhir/r4/RelatedPerson", {"patient": str(temuulen.public_id)}, **bearer(secret))

    assert read.status_code == 404
    assert as_fhir(read).issue[0].code == "not-found"
    assert as_fhir(search).total == 0
    assert as_fhir(guardians).total == 0


def test_a_token_without_the_fhir_scope_gets_403(system_client, haikou, platform_admin, temuulen):
    secret = token_for(haikou, platform_admin, scopes=["organisations:read"])

    response = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(secret))

    assert response.status_code == 403
    assert as_fhir(response).issue[0].code == "forbidden"
    assert not AuditEvent.objects.filter(action="patient.read").exists()


@pytest.mark.parametrize("authorization", [None, "Bearer cb_forged-secret", "Basic b3l1bmFhOnNlY3JldA=="])
def test_no_token_or_a_bad_one_gets_401(authorization, system_client, temuulen):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **headers)
    search = system_client.get("/fhir/r4/Patient", **headers)

    assert response.status_code == search.status_code == 401
    assert as_fhir(response).issue[0].code == "login"


def test_metadata_stays_public(system_client):
    assert system_client.get("/fhir/r4/metadata").status_code == 200
