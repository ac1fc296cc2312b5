"""An independent Python client (SMART on FHIR's fhirclient, R4 models) reads and searches this server."""

import pytest
from fhirclient import server as fhir_server
from fhirclient.models.condition import Condition
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient

from carebridge.clinical.models import Condition as ConditionRow
from carebridge.clinical.models import Observation as ObservationRow

pytestmark = pytest.mark.django_db(transaction=True)


def _server(base, token):
    connection = fhir_server.FHIRServer(None, base_uri=base)
    connection.session.headers["Authorization"] = f"Bearer {token}"
    return connection


def test_fhirclient_reads_the_capability_statement_and_finds_the_smart_token_endpoint(live_record):
    base, token, _temuulen = live_record
    connection = _server(base, token)

    connection.get_capability()

    assert connection.capabilityStatement.fhirVersion == "4.0.1"
    uris = connection.capabilityStatement.rest[0].security.extension[0].extension
    assert {e.url: e.valueUri for e in uris}["token"] == base.removesuffix("/fhir/r4") + "/oauth/token"


def test_fhirclient_reads_temuulen_and_his_record(live_record):
    base, token, temuulen = live_record
    connection = _server(base, token)

    patient = Patient.read(str(temuulen.public_id), connection)
    conditions = list(Condition.where({"patient": str(temuulen.public_id)}).perform_resources_iter(connection))

    assert patient.name[0].family == "Batbayar"
    assert any(i.value == "E12345678" for i in patient.identifier)
    assert {c.id for c in conditions} == {str(c.public_id) for c in ConditionRow.objects.filter(patient=temuulen)}
    assert all(c.subject.reference == f"Patient/{temuulen.public_id}" for c in conditions)


def test_fhirclient_follows_the_next_links_through_every_page_in_date_order(live_record):
    base, token, temuulen = live_record
    connection = _server(base, token)
    search = Observation.where({"patient": str(temuulen.public_id), "_count": "2", "_sort": "-date"})

    pages = list(search.perform_iter(connection))
    observations = [entry.resource for page in pages for entry in page.entry or []]

    expected = ObservationRow.objects.filter(patient=temuulen).order_by("-effective_at", "pk")
    assert len(pages) == -(-expected.count() // 2) > 1
    assert [o.id for o in observations] == [str(o.public_id) for o in expected]
    assert all(page.total == expected.count() for page in pages)
    times = [o.effectiveDateTime.datetime for o in observations]
    assert times == sorted(times, reverse=True)


def test_fhirclient_searches_patients_by_identifier_and_gets_a_404_for_someone_else(live_record, chongqing):
    base, token, temuulen = live_record
    connection = _server(base, token)

    found = list(Patient.where({"identifier": "http://hl7.org/fhir/sid/passport-MNG|E12345678"})
                 .perform_resources_iter(connection))
    with pytest.raises(Exception) as refused:
        Patient.read("00000000-0000-4000-8000-000000000000", connection)

    assert [p.id for p in found] == [str(temuulen.public_id)]
    assert refused.value.response.status_code == 404
