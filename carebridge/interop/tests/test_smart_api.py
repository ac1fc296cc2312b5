"""The JSON API registers system clients (hospital admins and coordinators) and issues patient app tokens."""

import pytest

from carebridge.interop.tests.helpers import bearer
from carebridge.interop.tests.smart_helpers import basic, token_request
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_a_coordinator_registers_a_client_whose_secret_works_once_shown(coordinator, haikou, system_client, temuulen):
    http = signed_in(coordinator)

    created = http.post("/api/v1/smart/clients", {"organisation_id": str(haikou.public_id), "name": "Lab system",
                                                  "auth_method": "client_secret",
                                                  "allowed_scopes": ["system/Patient.rs"]},
                        content_type="application/json")
    body = created.json()
    token = token_request(system_client, {"grant_type": "client_credentials", "scope": "system/Patient.rs"},
                          **basic(body["client_id"], body["client_secret"]))
    listed = http.get("/api/v1/smart/clients").json()

    assert created.status_code == 201
    assert token.status_code == 200
    assert [c["client_id"] for c in listed] == [body["client_id"]] and "client_secret" not in listed[0]
    revoked = http.post(f"/api/v1/smart/clients/{body['id']}/revoke")
    assert revoked.status_code == 200
    raw = token.json()["access_token"]
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401


def test_another_hospitals_coordinator_cannot_register_or_revoke_haikous_clients(other_coordinator, haikou):
    response = signed_in(other_coordinator).post(
        "/api/v1/smart/clients", {"organisation_id": str(haikou.public_id), "name": "Intruder",
                                  "auth_method": "client_secret", "allowed_scopes": ["system/*.read"]},
        content_type="application/json")

    assert response.status_code == 404


def test_a_mother_issues_and_revokes_an_app_token_for_her_son(guardian, temuulen, aigerim, system_client):
    http = signed_in(guardian)

    issued = http.post("/api/v1/smart/tokens", {"patient_id": str(temuulen.public_id), "name": "Family app",
                                                "scopes": ["patient/*.read"], "lifetime": "1d"},
                       content_type="application/json")
    raw = issued.json()["access_token"]
    reads = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw))
    someone_else = http.post("/api/v1/smart/tokens", {"patient_id": str(aigerim.public_id), "name": "Family app",
                                                      "scopes": ["patient/*.read"]}, content_type="application/json")
    revoked = http.post(f"/api/v1/smart/tokens/{issued.json()['id']}/revoke")

    assert issued.status_code == 201 and reads.status_code == 200
    assert someone_else.status_code == 404
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401
