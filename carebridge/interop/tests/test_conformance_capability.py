"""The CapabilityStatement states exactly what the code serves: every search route, parameter, include and sort.

What is supported is found by asking the server itself under `Prefer: handling=strict`, where anything it does
not support is refused with 400 not-supported: each parameter the statement lists must be accepted, and the
parameters, includes and sort keys it does not list must be refused.
"""

import uuid

import pytest
from django.urls import get_resolver
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carebridge.interop.search_specs import SORTS
from carebridge.interop.tests.helpers import as_fhir, bearer
from carebridge.interop.tests.smart_helpers import basic, secret_client, token_request

pytestmark = pytest.mark.django_db

STRICT = {"HTTP_PREFER": "handling=strict"}
# A value of each parameter type that parses; what it matches does not matter here.
SAMPLE = {"token": "x", "reference": f"Patient/{uuid.uuid4()}", "date": "2026", "string": "a"}
# Parameter values that must be of a particular shape to parse at all.
SHAPED = {"active": "true", "_id": str(uuid.uuid4())}
# Types in the statement served by other parts (Group: bulk export), with searches that need more than a token.
NOT_SEARCHED_HERE = {"Group"}


@pytest.fixture
def capability(client):
    return CapabilityStatement.model_validate(client.get("/fhir/r4/metadata").json()).rest[0]


@pytest.fixture
def system(client, haikou, coordinator):
    """Return a Haikou system's token reading everything (system/*.read)."""
    registered, secret = secret_client(haikou, coordinator)
    response = token_request(client, {"grant_type": "client_credentials", "scope": "system/*.read"},
                             **basic(registered.client_id, secret))
    return bearer(response.json()["access_token"])


def _search_routes():
    """Return the resource types with a search route in the FHIR URLs: the code's own list."""
    fhir = next(p for p in get_resolver().url_patterns if str(p.pattern) == "fhir/r4/")
    routes = [str(pattern.pattern) for pattern in fhir.url_patterns]
    return {route for route in routes if route[:1].isupper() and "/" not in route and "$" not in route}


def _refused_as_unsupported(response):
    return response.status_code == 400 and as_fhir(response).issue[0].code == "not-supported"


def test_every_search_route_is_in_the_statement_and_nothing_else(capability):
    stated = {r.type for r in capability.resource if "search-type" in [i.code for i in r.interaction]}

    assert stated == _search_routes()


def test_every_listed_search_parameter_is_accepted_under_strict_handling(client, capability, system):
    refused = []
    for resource in capability.resource:
        if resource.type in NOT_SEARCHED_HERE:
            continue
        for param in resource.searchParam or []:
            value = SHAPED.get(param.name, SAMPLE[param.type])
            response = client.get(f"/fhir/r4/{resource.type}", {param.name: value}, **STRICT, **system)
            if response.status_code != 200:
                refused.append((resource.type, param.name, response.status_code))

    assert refused == []


def test_a_parameter_the_statement_does_not_list_is_refused(client, capability, system):
    for resource in capability.resource:
        listed = {param.name for param in resource.searchParam or []}
        for name in ("_text", "_has", "identifier", "date", "status", "code", "patient", "name"):
            if name in listed or resource.type in NOT_SEARCHED_HERE:
                continue
            response = client.get(f"/fhir/r4/{resource.type}", {name: "x"}, **STRICT, **system)
            assert _refused_as_unsupported(response), (resource.type, name)


def test_every_listed_include_is_served_and_others_refused(client, capability, system):
    for resource in capability.resource:
        if resource.type in NOT_SEARCHED_HERE:
            continue
        for include in resource.searchInclude or []:
            response = client.get(f"/fhir/r4/{resource.type}", {"_include": include}, **STRICT, **system)
            assert response.status_code == 200, (resource.type, include)
        response = client.get(f"/fhir/r4/{resource.type}", {"_include": f"{resource.type}:organization"},
                              **STRICT, **system)
        assert _refused_as_unsupported(response), resource.type


def test_every_sort_key_is_stated_and_served(client, capability, system):
    for resource in capability.resource:
        if resource.type in NOT_SEARCHED_HERE:
            continue
        keys = SORTS.get(resource.type, {})
        for key in keys:
            assert key in (resource.documentation or ""), (resource.type, key)
            for value in (key, f"-{key}"):
                response = client.get(f"/fhir/r4/{resource.type}", {"_sort": value}, **STRICT, **system)
                assert response.status_code == 200, (resource.type, value)
        response = client.get(f"/fhir/r4/{resource.type}", {"_sort": "_carebridge-none"}, **STRICT, **system)
        assert _refused_as_unsupported(response), resource.type


def test_the_statement_names_smart_and_its_token_and_revocation_endpoints(capability):
    security = capability.security
    uris = next(e for e in security.extension
                if e.url == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")

    assert security.service[0].coding[0].code == "SMART-on-FHIR"
    assert {e.url: e.valueUri for e in uris.extension} == {"authorize": "http://testserver/oauth/authorize",
                                                          "token": "http://testserver/oauth/token",
                                                          "revoke": "http://testserver/oauth/revoke"}
    capabilities = {e.valueCode for e in security.extension
                    if e.url == "http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities"}
    assert {"launch-standalone", "client-public", "context-standalone-patient", "permission-patient"} <= capabilities
