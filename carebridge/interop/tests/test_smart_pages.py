"""SMART pages: Haikou's coordinator registers and revokes clients; the mother gives an app access and takes it away;
a hospital's system imports a summary only with system/Bundle.write."""

import json
import re

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.interop.ips.export import ips_bundle_build
from carebridge.interop.smart.models import SmartClient, SmartToken
from carebridge.interop.tests.helpers import bearer
from carebridge.interop.tests.smart_helpers import basic, ec_key, jwks_of, secret_client, token_request
from carebridge.patients.tests.factories import birth_yymmdd, registered_child, td3
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_coordinator_registers_a_client_on_the_page_and_sees_its_secret_only_then(coordinator, haikou,
                                                                                      system_client):
    http = signed_in(coordinator)

    created = http.post("/interop/smart/clients/", {"hospital": str(haikou.public_id), "name": "Lab system",
                                                    "auth_method": "client_secret",
                                                    "allowed_scopes": ["system/Patient.rs"]})
    page = created.content.decode()
    secret = re.search(r"data-client-secret>([^<]+)<", page)[1]
    client = SmartClient.objects.get(name="Lab system")
    token = token_request(system_client, {"grant_type": "client_credentials", "scope": "system/Patient.rs"},
                          **basic(client.client_id, secret))
    listed = http.get("/interop/smart/clients/").content.decode()

    assert created.status_code == 200 and client.organisation == haikou
    assert token.status_code == 200
    assert client.client_id in listed and secret not in listed
    assert AuditEvent.objects.filter(action="smart_client.registered", object_id=str(client.public_id)).exists()


def test_a_jwt_client_is_registered_from_a_pasted_jwks(coordinator, haikou):
    response = signed_in(coordinator).post("/interop/smart/clients/", {
        "hospital": str(haikou.public_id), "name": "Haikou EHR", "auth_method": "private_key_jwt",
        "allowed_scopes": ["system/*.read"], "jwks": json.dumps(jwks_of(ec_key()))})

    client = SmartClient.objects.get(name="Haikou EHR")
    assert response.status_code == 200 and "data-client-secret" not in response.content.decode()
    assert client.auth_method == "private_key_jwt" and client.jwks["keys"][0]["kty"] == "EC"


@pytest.mark.parametrize(("data", "field_error"), [
    ({"auth_method": "private_key_jwt", "allowed_scopes": ["system/*.read"], "jwks": '{"keys": []}'},
     "请以 JWKS 格式提供客户端公钥"),
    ({"auth_method": "private_key_jwt", "allowed_scopes": ["system/*.read"], "jwks": "{not json"},
     "不是有效的 JSON"),
    ({"auth_method": "client_secret", "allowed_scopes": ["patient/*.read"]}, "请选择系统权限范围"),
    ({"auth_method": "none", "allowed_scopes": ["patient/*.read"], "redirect_uris": "http://app.example/cb"},
     "不是有效的重定向 URI"),
])
def test_a_wrong_registration_shows_the_reason_in_the_coordinators_language_and_registers_nothing(
        data, field_error, coordinator, haikou):
    response = signed_in(coordinator).post("/interop/smart/clients/", {
        "hospital": str(haikou.public_id), "name": "Broken", **data})

    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not SmartClient.objects.filter(name="Broken").exists()


def test_revoking_a_client_on_the_page_ends_its_tokens(coordinator, haikou, system_client, temuulen):
    client, secret = secret_client(haikou, coordinator)
    raw = token_request(system_client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                        **basic(client.client_id, secret)).json()["access_token"]

    response = signed_in(coordinator).post(f"/interop/smart/clients/{client.public_id}/revoke/")

    assert response.status_code == 302
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401


def test_another_hospitals_coordinator_and_a_patient_get_not_found(other_coordinator, guardian, coordinator, haikou):
    client, _secret = secret_client(haikou, coordinator)

    revoke = signed_in(other_coordinator).post(f"/interop/smart/clients/{client.public_id}/revoke/")
    page = signed_in(guardian).get("/interop/smart/clients/")

    assert revoke.status_code == 404 and page.status_code == 404
    client.refresh_from_db()
    assert client.revoked_at is None


def test_the_mother_gives_an_app_access_to_her_sons_record_then_takes_it_away(guardian, temuulen, system_client,
                                                                            other_patient):
    http = signed_in(guardian)

    issued = http.post("/portal/apps/", {"patient": str(temuulen.public_id), "name": "Family app",
                                         "lifetime": "1d", "scopes": ["patient/*.read"]})
    raw = re.search(r"data-access-token>([^<]+)<", issued.content.decode())[1]
    reads = system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw))
    token = SmartToken.objects.get(name="Family app")
    listed = http.get("/portal/apps/").content.decode()
    strangers = signed_in(other_patient).post(f"/portal/apps/{token.public_id}/revoke/")
    revoked = http.post(f"/portal/apps/{token.public_id}/revoke/")

    assert issued.status_code == 200 and reads.status_code == 200
    assert raw not in listed and "Family app" in listed
    assert strangers.status_code == 404
    assert revoked.status_code == 302
    assert system_client.get(f"/fhir/r4/Patient/{temuulen.public_id}", **bearer(raw)).status_code == 401
    assert AuditEvent.objects.filter(action="smart_token.revoked", object_id=str(token.public_id)).exists()


def test_the_mother_cannot_give_access_to_a_record_she_does_not_hold(guardian, temuulen, aigerim):
    response = signed_in(guardian).post("/portal/apps/", {"patient": str(aigerim.public_id), "name": "Family app",
                                                          "lifetime": "1d", "scopes": ["patient/*.read"]})

    assert response.status_code == 200 and "data-access-token" not in response.content.decode()
    assert not SmartToken.objects.exists()


# The one write scope: system/Bundle.write, for Patient/$ips-import

@pytest.fixture
def temuulen_at_chongqing(guardian, chongqing):
    mrz = td3(surname="BATBAYAR", given="TEMUULEN", number="E87654321", nationality="MNG", birth=birth_yymmdd(1),
              sex="M", expiry="300101")
    return registered_child(guardian=guardian, hospital=chongqing, mrz=mrz)


@pytest.mark.parametrize(("scopes", "status"), [(["system/*.read", "system/Bundle.write"], 200),
                                                (["system/*.read"], 403)])
def test_only_a_system_allowed_system_bundle_write_imports_a_summary(scopes, status, temuulen, record, guardian,
                                                                     temuulen_at_chongqing, chongqing,
                                                                     other_coordinator, system_client):
    bundle = ips_bundle_build(patient=temuulen, language="mn", requested_by=guardian)
    client, secret = secret_client(chongqing, other_coordinator, scopes=scopes)
    issued = token_request(system_client, {"grant_type": "client_credentials", "scope": " ".join(scopes)},
                           **basic(client.client_id, secret)).json()

    response = system_client.post(f"/fhir/r4/Patient/{temuulen_at_chongqing.public_id}/$ips-import",
                                  json.dumps(bundle), content_type="application/fhir+json",
                                  **bearer(issued["access_token"]))

    assert set(issued["scope"].split()) == set(scopes)
    assert response.status_code in ((200, 201) if status == 200 else (403,)), response.content
