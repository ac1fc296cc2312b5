"""The JSON API: one error body, session and bearer-token auth, scopes, revocation, pagination."""

import hashlib

import pytest
from django.test import Client

from carebridge.accounts.models import ApiToken
from carebridge.accounts.services import api_token_create
from conftest import signed_in

pytestmark = pytest.mark.django_db


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def cigna_token(cigna, platform_admin):
    return api_token_create(organisation=cigna, name="Cigna claims system", scopes=["organisations:read"],
                            created_by=platform_admin)


def test_the_openapi_schema_describes_the_api(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["info"]["title"] == "CareBridge API"
    assert "/api/v1/organisations" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_an_anonymous_request_gets_401_with_the_error_body(client):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert set(body) == {"code", "message", "details"}


def test_malformed_json_gets_a_400_not_a_500(client):
    response = client.post("/api/v1/sign-up", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] in {"bad_request", "validation_error"}


def test_a_signed_in_user_reads_and_changes_their_preferences(guardian):
    client = signed_in(guardian)

    me = client.get("/api/v1/me").json()
    assert me["email"] == guardian.email and me["language"] == "mn"
    assert me["memberships"][0]["role"] == "guardian"
    changed = client.put("/api/v1/me/preferences", {"language": "ru", "time_zone": "Asia/Vladivostok"},
                         content_type="application/json")
    assert changed.status_code == 200
    guardian.refresh_from_db()
    assert (guardian.language, guardian.time_zone) == ("ru", "Asia/Vladivostok")


def test_an_unknown_time_zone_is_refused_and_nothing_changes(guardian):
    client = signed_in(guardian)

    response = client.put("/api/v1/me/preferences", {"language": "ru", "time_zone": "Asia/Atlantis"},
                          content_type="application/json")

    assert response.status_code == 400
    assert "time_zone" in response.json()["details"]
    guardian.refresh_from_db()
    assert guardian.language == "mn"


def test_an_organisations_system_reads_the_directory_with_its_token(cigna_token, haikou):
    _token, secret = cigna_token

    response = Client().get("/api/v1/organisations?kind=hospital", **bearer(secret))

    assert response.status_code == 200
    assert [o["slug"] for o in response.json()["items"]] == ["haikou"]


def test_only_the_digest_of_a_token_is_stored(cigna_token):
    token, secret = cigna_token

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.prefix, stored.digest, stored.name}


def test_a_token_without_the_scope_gets_403(cigna, platform_admin):
    _token, secret = api_token_create(organisation=cigna, name="fhir only", scopes=["fhir:read"],
                                      created_by=platform_admin)

    response = Client().get("/api/v1/organisations", **bearer(secret))

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


def test_a_revoked_or_forged_token_gets_401(cigna_token, platform_admin):
    token, secret = cigna_token
    client = signed_in(platform_admin)

    revoked = client.post(f"/api/v1/tokens/{token.public_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]

    assert Client().get("/api/v1/organisations", **bearer(secret)).status_code == 401
    assert Client().get("/api/v1/organisations", **bearer("cb_forged")).status_code == 401


def test_an_admin_creates_a_scoped_token_and_sees_the_secret_once(platform_admin, cigna):
    client = signed_in(platform_admin)

    created = client.post("/api/v1/tokens", {"organisation_id": str(cigna.public_id), "name": "claims",
                                             "scopes": ["organisations:read"]}, content_type="application/json")

    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("cb_")
    listed = client.get("/api/v1/tokens").json()
    assert listed["count"] == 1 and "secret" not in listed["items"][0]
    assert Client().get("/api/v1/organisations", **bearer(secret)).status_code == 200


def test_an_unknown_scope_is_refused(platform_admin, cigna):
    response = signed_in(platform_admin).post(
        "/api/v1/tokens", {"organisation_id": str(cigna.public_id), "name": "x", "scopes": ["everything"]},
        content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_scope"
    assert not ApiToken.objects.exists()


def test_nobody_but_an_admin_manages_tokens(coordinator, cigna):
    client = signed_in(coordinator)

    assert client.get("/api/v1/tokens").status_code == 404
    response = client.post("/api/v1/tokens", {"organisation_id": str(cigna.public_id), "name": "x",
                                              "scopes": ["organisations:read"]}, content_type="application/json")
    assert response.status_code == 404
    assert not ApiToken.objects.exists()


def test_a_patient_cannot_list_the_directory(guardian):
    response = signed_in(guardian).get("/api/v1/organisations")

    assert response.status_code == 404


def test_lists_are_paginated(platform_admin, db):
    from carebridge.accounts.services import organisation_create

    for n in range(60):
        organisation_create(name=f"Hospital {n:02d}", slug=f"h{n:02d}", kind="hospital", country="CN",
                            time_zone="Asia/Shanghai", default_currency="CNY")
    client = signed_in(platform_admin)

    first = client.get("/api/v1/organisations?kind=hospital").json()
    second = client.get("/api/v1/organisations?kind=hospital&page=2").json()

    assert first["count"] == 60
    assert len(first["items"]) == 50 and len(second["items"]) == 10


def test_writes_through_the_session_need_the_csrf_token(guardian):
    client = signed_in(guardian)
    client.handler.enforce_csrf_checks = True

    response = client.put("/api/v1/me/preferences", {"language": "ru", "time_zone": "Asia/Vladivostok"},
                          content_type="application/json")

    assert response.status_code in (401, 403)
    guardian.refresh_from_db()
    assert guardian.language == "mn"
