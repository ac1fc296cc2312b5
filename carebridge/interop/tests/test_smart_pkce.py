"""SMART App Launch, standalone: a patient app gets a code with PKCE after the mother's consent, and a token for it."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.interop.smart.services import smart_client_register
from carebridge.interop.tests.helpers import bearer
from carebridge.interop.tests.smart_helpers import token_request
from conftest import signed_in

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.example.mn/callback"
FHIR_BASE = "http://testserver/fhir/r4"


@pytest.fixture
def app(haikou, coordinator):
    client, _secret = smart_client_register(
        organisation=haikou, name="Eruul Family Health", auth_method="none", registered_by=coordinator,
        allowed_scopes=["patient/*.read"], redirect_uris=[REDIRECT])
    return client


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(app, challenge, **changes):
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT,
              "scope": "launch/patient patient/*.read openid fhirUser", "state": "st-42", "aud": FHIR_BASE,
              "code_challenge": challenge, "code_challenge_method": "S256"}
    return {**params, **changes}


def returned(response):
    """Return the query the app receives at its redirect URI."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def consent(http, app, challenge, patient, decision="allow", **changes):
    return http.post("/oauth/authorize", {**authorize_params(app, challenge, **changes), "patient": str(patient.public_id),
                                          "scopes": ["patient/*.read"], "decision": decision})


def exchange(app, code, verifier, redirect_uri=REDIRECT, http=None):
    from django.test import Client

    return token_request(http or Client(), {"grant_type": "authorization_code", "code": code, "client_id": app.client_id,
                                            "redirect_uri": redirect_uri, "code_verifier": verifier})


def test_the_mother_lets_an_app_read_her_sons_record_and_the_app_reads_it_with_its_token(app, guardian, temuulen,
                                                                                          system_client):
    verifier, challenge = pkce()
    http = signed_in(guardian)

    page = http.get("/oauth/authorize", authorize_params(app, challenge))
    back = returned(consent(http, app, challenge, temuulen))
    response = exchange(app, back["code"], verifier)
    body = response.json()
    reads = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(body["access_token"]))

    assert page.status_code == 200 and temuulen.display_name in page.content.decode()
    assert back["state"] == "st-42" and "error" not in back
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert body["patient"] == str(temuulen.public_id)
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"patient/*.read", "launch/patient"}
    assert reads.status_code == 200
    assert AuditEvent.objects.filter(action="smart_authorization.approved",
                                     patient_public_id=temuulen.public_id).exists()
    # Her page of apps lists the app, and taking its access away ends the token.
    apps_page = http.get("/portal/apps/").content.decode()
    assert "Eruul Family Health" in apps_page


def test_the_consent_page_is_in_the_mothers_language_and_a_stranger_is_sent_to_sign_in(app, guardian, temuulen):
    _verifier, challenge = pkce()
    from django.test import Client

    anonymous = Client().get("/oauth/authorize", authorize_params(app, challenge))
    page = signed_in(guardian).get("/oauth/authorize", authorize_params(app, challenge)).content.decode()

    assert anonymous.status_code == 302 and "/oauth/authorize" in anonymous["Location"]
    assert 'lang="mn"' in page and "Зөвшөөрөх" in page


def test_a_wrong_verifier_gets_invalid_grant_and_spends_the_code(app, guardian, temuulen):
    verifier, challenge = pkce()
    back = returned(consent(signed_in(guardian), app, challenge, temuulen))

    wrong = exchange(app, back["code"], pkce()[0])
    right_too_late = exchange(app, back["code"], verifier)

    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert right_too_late.status_code == 400 and right_too_late.json()["error"] == "invalid_grant"


def test_a_code_works_once_and_presenting_it_again_revokes_its_token(app, guardian, temuulen, system_client):
    verifier, challenge = pkce()
    back = returned(consent(signed_in(guardian), app, challenge, temuulen))

    first = exchange(app, back["code"], verifier)
    again = exchange(app, back["code"], verifier)

    assert first.status_code == 200
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    raw = first.json()["access_token"]
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401


def test_a_code_is_bound_to_its_redirect_uri(app, guardian, temuulen):
    verifier, challenge = pkce()
    back = returned(consent(signed_in(guardian), app, challenge, temuulen))

    response = exchange(app, back["code"], verifier, redirect_uri="https://app.example.mn/other")

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_another_patients_record_cannot_be_chosen(app, guardian, temuulen, aigerim):
    _verifier, challenge = pkce()
    http = signed_in(guardian)

    page = http.get("/oauth/authorize", authorize_params(app, challenge)).content.decode()
    response = consent(http, app, challenge, aigerim)

    assert str(aigerim.public_id) not in page and str(temuulen.public_id) in page
    assert response.status_code == 200 and "Location" not in response
    assert not AuditEvent.objects.filter(action="smart_authorization.approved").exists()


def test_a_denied_consent_sends_the_app_access_denied(app, guardian, temuulen):
    _verifier, challenge = pkce()

    back = returned(consent(signed_in(guardian), app, challenge, temuulen, decision="deny"))

    assert back["error"] == "access_denied" and back["state"] == "st-42" and "code" not in back
    assert AuditEvent.objects.filter(action="smart_authorization.denied").exists()


@pytest.mark.parametrize(("changes", "error"), [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": ""}, "invalid_request"),
    ({"aud": "https://elsewhere.example/fhir"}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "launch/patient system/*.read"}, "invalid_scope"),
])
def test_a_bad_request_is_refused_to_the_apps_redirect_uri(changes, error, app, guardian, temuulen):
    _verifier, challenge = pkce()

    back = returned(signed_in(guardian).get("/oauth/authorize", authorize_params(app, challenge, **changes)))

    assert back["error"] == error and back["state"] == "st-42"


@pytest.mark.parametrize("changes", [{"redirect_uri": "https://evil.example/steal"}, {"client_id": "cbc_unknown"}])
def test_an_unknown_app_or_redirect_uri_is_answered_on_a_page_not_redirected(changes, app, guardian, temuulen):
    _verifier, challenge = pkce()

    response = signed_in(guardian).get("/oauth/authorize", authorize_params(app, challenge, **changes))

    assert response.status_code == 400 and "Location" not in response


def test_a_public_app_cannot_use_client_credentials(app, system_client):
    response = token_request(system_client, {"grant_type": "client_credentials", "client_id": app.client_id,
                                             "scope": "patient/*.read"})

    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


def test_the_coordinator_registers_a_patient_app_through_the_api_with_https_redirect_uris_only(coordinator, haikou):
    http = signed_in(coordinator)
    app = {"organisation_id": str(haikou.public_id), "name": "Eruul", "auth_method": "none",
           "allowed_scopes": ["patient/*.read"]}

    created = http.post("/api/v1/smart/clients", {**app, "redirect_uris": [REDIRECT]}, content_type="application/json")
    insecure = http.post("/api/v1/smart/clients", {**app, "redirect_uris": ["http://app.example.mn/cb"]},
                         content_type="application/json")
    system_scope = http.post("/api/v1/smart/clients", {**app, "redirect_uris": [REDIRECT],
                                                       "allowed_scopes": ["system/*.read"]},
                             content_type="application/json")

    assert created.status_code == 201 and created.json()["redirect_uris"] == [REDIRECT]
    assert created.json()["client_secret"] is None
    assert insecure.status_code == 400 and insecure.json()["code"] == "invalid_redirect_uri"
    assert system_scope.status_code == 400 and system_scope.json()["code"] == "invalid_scope"
