"""A request that cannot reach the database gets a clean, translated 503 with Retry-After, never a traceback,
and the next request after the database is back succeeds with no manual step.

The outage is simulated here by making every new cursor fail as a lost connection does; the real thing
(PostgreSQL restarted under load) is carebridge/core/tests/test_drill_postgres_restart.py.
"""

import contextlib
import json
import uuid

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import Client

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down(error=OperationalError):
    backend = type(connections["default"])  # SQLite's or PostgreSQL's wrapper, each with its own create_cursor
    original = backend.create_cursor

    def refuse(self, name=None):
        raise error("server closed the connection unexpectedly")

    backend.create_cursor = refuse
    try:
        yield
    finally:
        backend.create_cursor = original


def assert_clean_503(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    text = response.content.decode()
    assert "Traceback" not in text and "server closed the connection" not in text
    return text


def test_the_api_answers_503_with_its_error_body_in_the_callers_language():
    client = Client(raise_request_exception=False)

    with database_down():
        response = client.get(f"/api/v1/services/{uuid.uuid4()}", HTTP_ACCEPT_LANGUAGE="ru")

    body = json.loads(assert_clean_503(response))
    assert body["code"] == "service_unavailable" and body["details"] == {}
    assert "Попробуйте" in body["message"] or "попробуйте" in body["message"]


def test_fhir_answers_503_with_a_transient_operation_outcome():
    client = Client(raise_request_exception=False)

    with database_down(InterfaceError):
        response = client.get(f"/fhir/r4/Patient/{uuid.uuid4()}", HTTP_AUTHORIZATION="Bearer cb_looked-up-in-the-database",
                              HTTP_ACCEPT_LANGUAGE="zh-hans")

    outcome = json.loads(assert_clean_503(response))
    assert response["Content-Type"].startswith("application/fhir+json")
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "transient"
    assert outcome["issue"][0]["diagnostics"] != "The service is briefly unavailable. Please try again in a moment."


def test_a_signed_in_page_whose_session_cannot_be_read_is_a_translated_503_page(guardian, client_for):
    client = client_for(guardian)
    client.raise_request_exception = False

    with database_down():  # the session is read by a middleware, before any view
        response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="fr")

    html = assert_clean_503(response)
    assert 'lang="fr"' in html and "indisponible" in html

    response = client.get("/portal/")  # the database is back: the same session works again
    assert response.status_code == 200


def test_under_debug_the_api_still_answers_503_rather_than_a_traceback(settings):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)

    with database_down():
        response = client.get(f"/api/v1/services/{uuid.uuid4()}")

    assert json.loads(assert_clean_503(response))["code"] == "service_unavailable"


def test_other_errors_are_still_500s_not_503s(monkeypatch):
    client = Client(raise_request_exception=False)
    monkeypatch.setattr("carebridge.catalog.selectors.service_get", lambda **kw: 1 / 0)

    response = client.get(f"/api/v1/services/{uuid.uuid4()}")

    assert response.status_code == 500
