"""SMART on FHIR: systems get short-lived tokens by client credentials; patients' apps read one patient; revocable."""

import datetime as dt
import hashlib
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from carebridge.audit.models import AuditEvent
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.interop.smart.models import SmartToken
from carebridge.interop.smart.scopes import scopes_grant
from carebridge.interop.smart.services import smart_client_register, smart_client_revoke
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources
from carebridge.interop.tests.smart_helpers import (
    basic,
    ec_key,
    jwt_client,
    jwt_token,
    patient_token,
    rsa_key,
    secret_client,
    token_request,
)

pytestmark = pytest.mark.django_db


def _access_token(response):
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()["access_token"]


# Client credentials: a signed JWT (SMART Backend Services) or a client secret

@pytest.mark.parametrize("make_key", [rsa_key, ec_key], ids=["RS384", "ES384"])
def test_a_backend_service_gets_a_five_minute_token_with_a_signed_assertion(make_key, system_client, haikou,
                                                                            coordinator, temuulen):
    key = make_key()
    client = jwt_client(haikou, coordinator, key)

    response = jwt_token(system_client, client, key)

    body = response.json()
    assert response.status_code == 200, body
    assert body["token_type"] == "bearer" and body["expires_in"] == 300 and body["scope"] == "system/*.read"
    read = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(body["access_token"]))
    assert read.status_code == 200
    assert as_fhir(read).id == str(temuulen.public_id)


def test_a_client_assertion_is_refused_when_replayed(system_client, haikou, coordinator):
    key = rsa_key()
    client = jwt_client(haikou, coordinator, key)

    first = jwt_token(system_client, client, key, jti="once")
    again = jwt_token(system_client, client, key, jti="once")

    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_client"


@pytest.mark.parametrize("tamper", ["other_key", "wrong_audience", "expired", "too_long", "hs256", "other_subject",
                                    "unknown_kid"])
def test_a_bad_client_assertion_gets_invalid_client(tamper, system_client, haikou, coordinator):
    key = rsa_key()
    client = jwt_client(haikou, coordinator, key)
    args = {
        "other_key": {"key": rsa_key()},
        "wrong_audience": {"aud": "https://elsewhere.example/oauth/token"},
        "expired": {"lifetime": -120},
        "too_long": {"lifetime": 3600},
        "hs256": {"key": "a-shared-secret-of-thirty-two-bytes!", "algorithm": "HS384"},
        "other_subject": {"sub": "someone-else"},
        "unknown_kid": {"kid": "key-9"},
    }[tamper]
    key = args.pop("key", key)

    response = jwt_token(system_client, client, key, **args)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not SmartToken.objects.exists()


def test_a_confidential_client_authenticates_with_its_secret_in_basic_or_in_the_form(system_client, haikou,
                                                                                     coordinator):
    client, secret = secret_client(haikou, coordinator)
    form = {"grant_type": "client_credentials", "scope": "system/Patient.read"}

    by_basic = token_request(system_client, form, **basic(client.client_id, secret))
    by_post = token_request(system_client, {**form, "client_id": client.client_id, "client_secret": secret})
    wrong = token_request(system_client, form, **basic(client.client_id, secret + "x"))

    assert _access_token(by_basic) != _access_token(by_post)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong["WWW-Authenticate"].startswith("Basic")


def test_secrets_and_tokens_are_stored_only_as_hashes(system_client, haikou, coordinator):
    client, secret = secret_client(haikou, coordinator)

    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                                      **basic(client.client_id, secret)))

    client.refresh_from_db()
    assert secret not in client.secret_hash and check_password(secret, client.secret_hash)
    stored = SmartToken.objects.get()
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(SmartToken.objects.values_list())


@pytest.mark.parametrize(("requested", "allowed", "granted"), [
    ("system/*.read", ["system/Patient.rs"], ["system/Patient.rs"]),
    ("system/Patient.read system/Observation.read", ["system/*.read"],
     ["system/Patient.read", "system/Observation.read"]),
    ("system/Patient.rs", ["system/Patient.read"], ["system/Patient.rs"]),
    ("system/Patient.r", ["system/*.rs"], ["system/Patient.r"]),
    ("system/Observation.read", ["system/Patient.read"], []),
    ("patient/*.read", ["system/*.read"], []),
    ("system/*.cruds", ["system/*.read"], ["system/*.rs"]),
])
def test_scopes_granted_are_the_requested_ones_narrowed_to_what_the_client_may_have(requested, allowed, granted):
    assert scopes_grant(requested.split(), allowed) == granted


def test_a_scope_outside_the_clients_allowance_gets_invalid_scope(system_client, haikou, coordinator):
    client, secret = secret_client(haikou, coordinator, scopes=["system/Patient.read"])

    response = token_request(system_client, {"grant_type": "client_credentials", "scope": "system/Observation.read"},
                             **basic(client.client_id, secret))

    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(("form", "content_type", "error"), [
    ({"grant_type": "password", "scope": "system/*.read"}, "application/x-www-form-urlencoded",
     "unsupported_grant_type"),
    ({"grant_type": "client_credentials", "scope": "system/*.read"}, "application/json", "invalid_request"),
])
def test_the_token_endpoint_answers_rfc_6749_errors(form, content_type, error, system_client, haikou, coordinator):
    client, secret = secret_client(haikou, coordinator)
    body = urlencode(form) if content_type.endswith("urlencoded") else str(form)

    response = system_client.post("/oauth/token", body, content_type=content_type, **basic(client.client_id, secret))

    assert response.status_code == 400 and response.json()["error"] == error


# Scopes enforced by the FHIR API

def test_a_token_without_the_scope_for_a_resource_type_gets_403(system_client, haikou, coordinator, temuulen,
                                                                record):
    client, secret = secret_client(haikou, coordinator, scopes=["system/Patient.rs"])
    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials",
                                                      "scope": "system/Patient.rs"}, **basic(client.client_id, secret)))

    patients = system_client.get("/fhir/r4/Patient", **bearer(raw))
    observations = system_client.get("/fhir/r4/Observation", {"patient": str(temuulen.public_id)}, **bearer(raw))

    assert patients.status_code == 200
    assert observations.status_code == 403
    assert as_fhir(observations).issue[0].code == "forbidden"
    assert not AuditEvent.objects.filter(action="observation.read").exists()


def test_a_read_only_scope_does_not_allow_search(system_client, haikou, coordinator, temuulen):
    client, secret = secret_client(haikou, coordinator, scopes=["system/Patient.r"])
    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials", "scope": "system/Patient.r"},
                                      **basic(client.client_id, secret)))

    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 200
    assert system_client.get("/fhir/r4/Patient", **bearer(raw)).status_code == 403


def test_every_interaction_is_audited_naming_the_client(system_client, haikou, coordinator, temuulen):
    key = rsa_key()
    client = jwt_client(haikou, coordinator, key)
    raw = _access_token(jwt_token(system_client, client, key))

    system_client.get("/fhir/r4/Patient", {"name": "Batbayar"}, **bearer(raw))

    row = AuditEvent.objects.get(action="fhir.interaction")
    assert row.details["client"] == {"kind": "system", "client_id": client.client_id, "name": "Haikou EHR"}
    assert row.object_id == "Patient" and row.purpose == "fhir-search"
    assert row.organisation_public_id == haikou.public_id
    assert AuditEvent.objects.filter(action="patient.read", patient_public_id=temuulen.public_id).exists()


def test_an_expired_token_gets_401(system_client, haikou, coordinator, temuulen):
    client, secret = secret_client(haikou, coordinator)
    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                                      **basic(client.client_id, secret)))
    SmartToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw))

    assert response.status_code == 401
    assert as_fhir(response).issue[0].code == "login"


def test_another_hospitals_system_sees_nothing_of_temuulen(system_client, chongqing, other_coordinator, temuulen):
    client, secret = secret_client(chongqing, other_coordinator)
    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                                      **basic(client.client_id, secret)))

    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 404
    assert as_fhir(system_client.get("/fhir/r4/Patient", **bearer(raw))).total == 0


# Revocation

def test_a_client_revokes_its_token_and_the_token_stops_working(system_client, haikou, coordinator, temuulen):
    client, secret = secret_client(haikou, coordinator)
    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                                      **basic(client.client_id, secret)))

    revoked = system_client.post("/oauth/revoke", urlencode({"token": raw}),
                                 content_type="application/x-www-form-urlencoded", **basic(client.client_id, secret))
    unknown = system_client.post("/oauth/revoke", urlencode({"token": "cbs_never-issued"}),
                                 content_type="application/x-www-form-urlencoded", **basic(client.client_id, secret))

    assert revoked.status_code == unknown.status_code == 200
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401


def test_a_client_cannot_revoke_another_clients_token(system_client, haikou, coordinator, temuulen):
    client, secret = secret_client(haikou, coordinator)
    other, other_secret = secret_client(haikou, coordinator)
    raw = _access_token(token_request(system_client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                                      **basic(client.client_id, secret)))

    system_client.post("/oauth/revoke", urlencode({"token": raw}), content_type="application/x-www-form-urlencoded",
                       **basic(other.client_id, other_secret))

    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 200


def test_revoking_a_client_ends_its_tokens_and_its_right_to_new_ones(system_client, haikou, coordinator, temuulen):
    client, secret = secret_client(haikou, coordinator)
    form = {"grant_type": "client_credentials", "scope": "system/*.read"}
    raw = _access_token(token_request(system_client, form, **basic(client.client_id, secret)))

    smart_client_revoke(client=client, revoked_by=coordinator)

    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401
    assert token_request(system_client, form, **basic(client.client_id, secret)).status_code == 401


# Registration

def test_only_the_hospitals_admins_and_coordinators_register_its_clients(haikou, other_coordinator, coordinator):
    with pytest.raises(NotFound):
        secret_client(haikou, other_coordinator)
    with pytest.raises(ValidationFailed):
        secret_client(haikou, coordinator, scopes=["patient/*.read"])
    with pytest.raises(ValidationFailed):
        smart_client_register(organisation=haikou, name="Keyless", auth_method="private_key_jwt",
                              allowed_scopes=["system/*.read"], registered_by=coordinator, jwks={"keys": []})


# Patient apps: tokens limited to one patient's compartment

def test_a_mothers_app_token_reads_temuulens_record_and_nobody_elses(system_client, guardian, temuulen, aigerim,
                                                                      record):
    raw = patient_token(guardian, temuulen)

    own = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw))
    other = system_client.get(f"/fhir/r4/Patient/{aigerim.public_id}", **bearer(raw))
    everyone = as_fhir(system_client.get("/fhir/r4/Patient", **bearer(raw)))
    results = as_fhir(system_client.get("/fhir/r4/Observation", **bearer(raw)))

    assert own.status_code == 200
    assert other.status_code == 404
    assert [p.id for p in bundle_resources(everyone)] == [str(temuulen.public_id)]
    observations = bundle_resources(results)
    assert observations and {o.subject.reference for o in observations} == {f"Patient/{temuulen.public_id}"}
    # The preliminary blood count is not released to the patient's side, so its haemoglobin is not given out.
    assert str(record.haemoglobin.public_id) not in {o.id for o in observations}


def test_a_patient_token_does_not_read_as_staff_even_for_a_clinician(system_client, haikou_clinician, temuulen,
                                                                      record):
    with pytest.raises(NotFound):
        patient_token(haikou_clinician, temuulen)


def test_a_patient_scope_narrower_than_all_gets_403_elsewhere(system_client, guardian, temuulen):
    raw = patient_token(guardian, temuulen, scopes=["patient/Patient.rs"])

    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 200
    assert system_client.get("/fhir/r4/Condition", **bearer(raw)).status_code == 403


def test_the_app_loses_access_when_the_mother_revokes_it(system_client, guardian, temuulen):
    raw = patient_token(guardian, temuulen)

    response = system_client.post("/oauth/revoke", urlencode({"token": raw}),
                                  content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401


def test_the_audit_names_the_patients_app(system_client, guardian, temuulen):
    raw = patient_token(guardian, temuulen)

    system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw))

    row = AuditEvent.objects.get(action="fhir.interaction")
    assert row.details["client"]["kind"] == "patient-app"
    assert row.details["client"]["name"] == "Family health app"
    assert row.patient_public_id == temuulen.public_id and row.actor_public_id == guardian.public_id


# Discovery

@pytest.mark.parametrize("path", ["/.well-known/smart-configuration", "/fhir/r4/.well-known/smart-configuration"])
def test_the_smart_configuration_names_the_token_and_revocation_endpoints(path, system_client):
    body = system_client.get(path).json()

    assert body["token_endpoint"] == "http://testserver/oauth/token"
    assert body["revocation_endpoint"] == "http://testserver/oauth/revoke"
    assert body["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert body["authorization_endpoint"] == "http://testserver/oauth/authorize"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert {"private_key_jwt", "client_secret_basic"} <= set(body["token_endpoint_auth_methods_supported"])
    assert body["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
    assert "client-confidential-asymmetric" in body["capabilities"]
