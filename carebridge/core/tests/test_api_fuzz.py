"""Fuzz every /api/v1 operation from its OpenAPI schema: no 5xx, and every answer matches the schema.

Schemathesis draws a bounded, derandomized set of requests per operation and sends them in-process through
Django's WSGI handler (the whole middleware stack, CSRF included). The caller is a Haikou coordinator who gave
the second factor; the read operations are also run as a patient's guardian. Seeded records (the guardian's
child, a visit, an order and its report, an issued invoice) stand behind the ids that path parameters draw
about half the time, so the fuzzer reaches real objects and not only "not found".
"""

import uuid

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from config.api import api
from conftest import signed_in

pytestmark = pytest.mark.django_db

CONFIG = SchemathesisConfig.from_dict({
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "generation": {"mode": "positive", "with-security-parameters": False},
})
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
SCHEMA.app = WSGIHandler()
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
SETTINGS = hypothesis.settings(
    max_examples=6, derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=list(HealthCheck),
)

# Seeded ids by path parameter name, filled by the `seeded` fixture before the fuzzer draws.
SEEDED: dict[str, str] = {}


@SCHEMA.hook
def flatmap_path_parameters(context, path_parameters):
    """Point a path parameter at a seeded record about half the time."""
    if not path_parameters:
        return st.just(path_parameters)
    choices = {name: st.sampled_from([value, SEEDED[name]]) if name in SEEDED else st.just(value)
               for name, value in path_parameters.items()}
    return st.fixed_dictionaries(choices)


def idempotency_key(case):
    """Return the Idempotency-Key payment writes need, derived from the case so a rerun sends the same one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{case.method} {case.formatted_path} {case.body!r}"))


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection open across requests, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(haikou, guardian, coordinator, cashier, settings, tmp_path):
    from carebridge.billing import services as billing
    from carebridge.catalog.models import Service
    from carebridge.clinical import services as clinical
    from carebridge.patients.tests.factories import registered_child

    settings.MEDIA_ROOT = str(tmp_path / "media")
    child = registered_child(guardian=guardian, hospital=haikou)
    ct = Service.objects.create(hospital=haikou, kind=Service.Kind.IMAGING, code="chest-ct", name="Chest CT",
                                duration_minutes=30, price="900.00", report_target_hours=4)
    encounter = clinical.encounter_open(patient=child, hospital=haikou, kind="outpatient", opened_by=coordinator,
                                        reason="Cough for three weeks")
    order = clinical.order_place(encounter=encounter, service=ct, ordered_by=coordinator)
    invoice = billing.invoice_draft_create(hospital=haikou, patient=child, created_by=cashier)
    SEEDED.clear()
    SEEDED.update({
        "patient_id": str(child.public_id), "hospital_id": str(haikou.public_id), "service_id": str(ct.public_id),
        "encounter_id": str(encounter.public_id), "report_id": str(order.report.public_id),
        "invoice_id": str(invoice.public_id),
    })
    yield SEEDED
    SEEDED.clear()
    _SESSIONS.clear()


_SESSIONS: dict[int, tuple[dict, dict]] = {}


def caller(user):
    """Return the cookies and headers of a browser signed in as the user (second factor given), once per test."""
    if user.pk not in _SESSIONS:
        client = signed_in(user)
        token = _get_new_csrf_string()
        _SESSIONS[user.pk] = ({"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
                              # schemathesis's in-process WSGI client does not decompress: ask for plain bodies.
                              {"X-CSRFToken": token, "Accept-Language": "en", "Accept-Encoding": "identity"})
    return _SESSIONS[user.pk]


@SCHEMA.parametrize()
@SETTINGS
def test_every_operation_answers_a_coordinator_without_a_server_error_and_as_its_schema_says(
        case, seeded, coordinator, in_process_requests):
    cookies, headers = caller(coordinator)

    case.call_and_validate(cookies=cookies, headers={**headers, "Idempotency-Key": idempotency_key(case)},
                           checks=CHECKS)


@SCHEMA.include(method="GET").parametrize()
@SETTINGS
def test_every_read_answers_a_patient_without_a_server_error_and_as_its_schema_says(
        case, seeded, guardian, in_process_requests):
    cookies, headers = caller(guardian)

    case.call_and_validate(cookies=cookies, headers=headers, checks=CHECKS)


def test_no_two_api_schemas_share_a_name_so_none_overwrites_another_in_the_openapi_document():
    from ninja import Schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    by_name: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("carebridge.") and ".tests." not in cls.__module__:
            by_name.setdefault(cls.__name__, set()).add(cls.__module__)

    assert {name: modules for name, modules in by_name.items() if len(modules) > 1} == {}
