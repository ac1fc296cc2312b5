"""A hospital's system exports its own data with FHIR Bulk Data $export: kick-off, polling, NDJSON files."""

import datetime as dt
import json
from collections import Counter

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.group import Group

from carebridge.audit.models import AuditEvent
from carebridge.clinical.models import Observation
from carebridge.core.jobs import jobs_run_due
from carebridge.core.models import Job
from carebridge.interop.bulk import services
from carebridge.interop.bulk.access import granted_types
from carebridge.interop.bulk.models import BulkExport, BulkExportFile
from carebridge.interop.bulk.services import bulk_exports_expire_due, file_path, patient_group_create
from carebridge.interop.tests.helpers import as_fhir, bearer, token_for
from carebridge.patients.models import Patient
from carebridge.patients.services import record_number_assign
from conftest import signed_in

pytestmark = pytest.mark.django_db

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def maria(chongqing, other_coordinator):
    """Maria, a Filipino patient registered at Chongqing only."""
    patient = Patient.objects.create(family_name="Santos", given_names="Maria", date_of_birth=dt.date(1985, 3, 2),
                                     registered_by=other_coordinator, preferred_language="en")
    record_number_assign(patient=patient, hospital=chongqing)
    return patient


@pytest.fixture
def haikou_token(haikou, platform_admin):
    return token_for(haikou, platform_admin)


@pytest.fixture
def chongqing_token(chongqing, platform_admin):
    return token_for(chongqing, platform_admin)


def kick_off(client, secret, path="/fhir/r4/$export", **query):
    response = client.get(path, query, **bearer(secret), **ASYNC)
    assert response.status_code == 202, response.content
    return response["Content-Location"]


def status_path(url):
    return url.split("testserver", 1)[1]


def finished_manifest(client, secret, status_url):
    jobs_run_due()
    response = client.get(status_path(status_url), **bearer(secret))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def download(client, secret, output):
    response = client.get(status_path(output["url"]), **bearer(secret), HTTP_ACCEPT="application/fhir+ndjson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    return [get_fhir_model_class(output["type"]).model_validate_json(line) for line in lines]


def everything(client, secret, manifest):
    """Return {resource type: [resources]} of a manifest's files, checking each file's count."""
    found = {}
    for output in manifest["output"]:
        resources = download(client, secret, output)
        assert len(resources) == output["count"]
        assert {resource.get_resource_type() for resource in resources} == {output["type"]}
        found.setdefault(output["type"], []).extend(resources)
    return found


def test_a_hospitals_system_exports_its_patients_and_their_records_as_valid_ndjson(
        system_client, haikou_token, temuulen, aigerim, record, haikou, maria):
    status_url = kick_off(system_client, haikou_token)

    polling = system_client.get(status_path(status_url), **bearer(haikou_token))
    assert polling.status_code == 202
    assert polling["X-Progress"].startswith("0%")
    assert int(polling["Retry-After"]) > 0

    manifest = finished_manifest(system_client, haikou_token, status_url)
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/r4/$export")
    assert manifest["error"] == []
    assert dt.datetime.fromisoformat(manifest["transactionTime"]) <= timezone.now()
    found = everything(system_client, haikou_token, manifest)
    assert {p.id for p in found["Patient"]} == {str(temuulen.public_id), str(aigerim.public_id)}
    assert len(found["Observation"]) == Observation.objects.filter(patient=temuulen).count() == 5
    assert len(found["Condition"]) == 2 and len(found["Immunization"]) == 2
    assert {r.subject.reference for r in found["Encounter"]} == {f"Patient/{temuulen.public_id}"}
    assert "RelatedPerson" in found  # his mother, as his guardian

    done = AuditEvent.objects.get(action="bulk_export.completed")
    assert done.organisation_public_id == haikou.public_id
    assert done.details["counts"]["Observation"] == 5
    assert done.details["total"] == sum(output["count"] for output in manifest["output"])
    assert AuditEvent.objects.filter(action="bulk_export.file_downloaded").count() == len(manifest["output"])


def test_a_type_and_since_narrow_the_export(system_client, haikou_token, temuulen, aigerim, record):
    Patient.objects.filter(pk=temuulen.pk).update(updated_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    status_url = kick_off(system_client, haikou_token, _type="Patient,Condition", _since="2026-06-01T00:00:00Z")

    found = everything(system_client, haikou_token, finished_manifest(system_client, haikou_token, status_url))

    assert set(found) == {"Patient", "Condition"}
    assert [p.id for p in found["Patient"]] == [str(aigerim.public_id)]
    assert len(found["Condition"]) == 2


def test_a_group_export_holds_only_the_groups_patients(system_client, haikou_token, haikou, coordinator, temuulen,
                                                       aigerim, record):
    group = patient_group_create(hospital=haikou, name="Kazakh tour group, November", created_by=coordinator,
                                 members=[aigerim])

    read = system_client.get(f"/fhir/r4/Group/{group.public_id}", **bearer(haikou_token))
    assert read.status_code == 200
    resource = as_fhir(read)
    assert isinstance(resource, Group)
    assert [m.entity.reference for m in resource.member] == [f"Patient/{aigerim.public_id}"]

    status_url = kick_off(system_client, haikou_token, f"/fhir/r4/Group/{group.public_id}/$export")
    found = everything(system_client, haikou_token, finished_manifest(system_client, haikou_token, status_url))

    assert [p.id for p in found["Patient"]] == [str(aigerim.public_id)]
    assert "Observation" not in found and "Encounter" not in found  # Temuulen's record stays out


def test_a_group_of_the_hospitals_whole_list_follows_its_registrations(system_client, haikou_token, haikou,
                                                                       coordinator, temuulen, maria):
    everyone = patient_group_create(hospital=haikou, name="All patients", created_by=coordinator, everyone=True)
    record_number_assign(patient=maria, hospital=haikou)

    status_url = kick_off(system_client, haikou_token, f"/fhir/r4/Group/{everyone.public_id}/$export",
                          _type="Patient")
    found = everything(system_client, haikou_token, finished_manifest(system_client, haikou_token, status_url))

    assert {p.id for p in found["Patient"]} == {str(temuulen.public_id), str(maria.public_id)}


def test_another_hospitals_system_cannot_see_the_status_the_files_or_the_group(
        system_client, haikou_token, chongqing_token, haikou, coordinator, temuulen):
    group = patient_group_create(hospital=haikou, name="Haikou cohort", created_by=coordinator, members=[temuulen])
    status_url = kick_off(system_client, haikou_token)
    manifest = finished_manifest(system_client, haikou_token, status_url)

    for path in (status_path(status_url), status_path(manifest["output"][0]["url"]),
                 f"/fhir/r4/Group/{group.public_id}", f"/fhir/r4/Group/{group.public_id}/$export"):
        response = system_client.get(path, **bearer(chongqing_token), **ASYNC)
        assert response.status_code == 404, path
        assert as_fhir(response).issue[0].code == "not-found"
    assert system_client.delete(status_path(status_url), **bearer(chongqing_token)).status_code == 404
    assert system_client.get(status_path(manifest["output"][0]["url"])).status_code == 401


def test_a_kick_off_without_prefer_respond_async_is_refused_with_an_operation_outcome(system_client, haikou_token):
    response = system_client.get("/fhir/r4/$export", **bearer(haikou_token))

    assert response.status_code == 400
    outcome = as_fhir(response)
    assert "respond-async" in outcome.issue[0].diagnostics
    assert not BulkExport.objects.exists()


@pytest.mark.parametrize("query", [{"_outputFormat": "text/csv"}, {"_type": "Basic"}, {"_since": "yesterday"},
                                   {"_typeFilter": "Patient?name=x"}])
def test_a_kick_off_the_server_cannot_honour_is_refused(system_client, haikou_token, query):
    response = system_client.get("/fhir/r4/$export", query, **bearer(haikou_token), **ASYNC)

    assert response.status_code == 400
    assert as_fhir(response).get_resource_type() == "OperationOutcome"
    assert not BulkExport.objects.exists()


def test_a_kick_off_by_post_takes_a_parameters_resource(system_client, haikou_token, temuulen):
    body = {"resourceType": "Parameters", "parameter": [{"name": "_type", "valueString": "Patient"},
                                                        {"name": "_outputFormat",
                                                         "valueString": "application/fhir+ndjson"}]}
    response = system_client.post("/fhir/r4/Patient/$export", json.dumps(body), content_type="application/fhir+json",
                                  **bearer(haikou_token), **ASYNC)

    assert response.status_code == 202
    manifest = finished_manifest(system_client, haikou_token, response["Content-Location"])
    assert [output["type"] for output in manifest["output"]] == ["Patient"]


def test_no_token_a_person_or_an_insurer_cannot_start_an_export(system_client, coordinator, cigna, platform_admin):
    assert system_client.get("/fhir/r4/$export", **ASYNC).status_code == 401
    person = signed_in(coordinator).get("/fhir/r4/$export", **ASYNC)
    assert person.status_code == 403
    assert as_fhir(person).issue[0].code == "forbidden"
    insurer = system_client.get("/fhir/r4/$export", **bearer(token_for(cigna, platform_admin)), **ASYNC)
    assert insurer.status_code == 403
    assert not BulkExport.objects.exists()


def test_only_system_read_scopes_allow_an_export_and_per_type_scopes_narrow_it():
    assert granted_types(["system/*.read"])[0] == "Patient"
    assert granted_types(["system/Patient.rs", "system/Condition.read", "patient/*.read"]) == ["Patient", "Condition"]
    assert granted_types(["system/Patient.c", "user/*.read", "fhir:read"]) == []


def test_a_cancelled_export_is_gone_and_writes_nothing(system_client, haikou_token, temuulen, media):
    status_url = kick_off(system_client, haikou_token)

    cancelled = system_client.delete(status_path(status_url), **bearer(haikou_token))
    jobs_run_due()

    assert cancelled.status_code == 202
    assert system_client.get(status_path(status_url), **bearer(haikou_token)).status_code == 404
    assert not BulkExportFile.objects.exists()
    assert not (media / "bulk-exports").exists() or not any((media / "bulk-exports").iterdir())
    assert AuditEvent.objects.filter(action="bulk_export.cancelled").count() == 1


def test_files_expire_after_the_retention_time(system_client, haikou_token, temuulen):
    status_url = kick_off(system_client, haikou_token, _type="Patient")
    manifest = finished_manifest(system_client, haikou_token, status_url)
    export_file = BulkExportFile.objects.get()
    assert file_path(export_file).exists()

    assert bulk_exports_expire_due(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert bulk_exports_expire_due(now=timezone.now() + dt.timedelta(hours=25)) == 1

    assert not file_path(export_file).exists()
    assert system_client.get(status_path(status_url), **bearer(haikou_token)).status_code == 404
    assert system_client.get(status_path(manifest["output"][0]["url"]), **bearer(haikou_token)).status_code == 404


class WorkerKilled(BaseException):
    """Stand in for SIGKILL: not an Exception, so nothing on the way up records or retries it."""


def test_an_export_whose_worker_died_mid_file_completes_on_rerun_without_duplicate_lines(
        system_client, haikou_token, temuulen, aigerim, record, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    monkeypatch.setattr(services, "FILE_LINES", 3)
    real_write, writes = services._write, []

    def dying_write(export_file, data):
        real_write(export_file, data)
        writes.append(export_file.file_name)
        if len(writes) == 4:
            raise WorkerKilled()  # the batch is on disk, its commit never happens

    monkeypatch.setattr(services, "_write", dying_write)
    status_url = kick_off(system_client, haikou_token)
    with pytest.raises(WorkerKilled):
        jobs_run_due()
    monkeypatch.setattr(services, "_write", real_write)
    assert jobs_run_due() == 0  # the dead worker's leases still hold
    # Time passes: the job's and the export's leases run out.
    past = timezone.now() - dt.timedelta(seconds=1)
    Job.objects.filter(state=Job.State.RUNNING).update(lease_until=past)
    BulkExport.objects.update(lease_until=past)

    manifest = finished_manifest(system_client, haikou_token, status_url)

    found = everything(system_client, haikou_token, manifest)
    ids = Counter((kind, resource.id) for kind, resources in found.items() for resource in resources)
    assert max(ids.values()) == 1
    assert len(found["Observation"]) == 5
    assert len([o for o in manifest["output"] if o["type"] == "Observation"]) == 2  # 3 + 2 lines
    assert BulkExport.objects.get().done == sum(ids.values())


def test_staff_read_their_hospitals_groups_as_fhir(coordinator, haikou, temuulen):
    group = patient_group_create(hospital=haikou, name="Mongolian families", created_by=coordinator,
                                 members=[temuulen])

    response = signed_in(coordinator).get("/fhir/r4/Group", {"name": "mongolian"})

    assert response.status_code == 200
    bundle = as_fhir(response)
    assert [entry.resource.id for entry in bundle.entry] == [str(group.public_id)]


def test_a_group_takes_only_the_hospitals_own_patients(haikou, coordinator, maria):
    from carebridge.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        patient_group_create(hospital=haikou, name="Strangers", created_by=coordinator, members=[maria])


def test_the_capability_statement_offers_export_at_system_patient_and_group_level(system_client):
    rest = as_fhir(system_client.get("/fhir/r4/metadata")).rest[0]

    assert [o.definition for o in rest.operation if o.name == "export"] == [
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"]
    resources = {resource.type: resource for resource in rest.resource}
    assert any(o.name == "export" for o in resources["Patient"].operation)
    assert [o.name for o in resources["Group"].operation] == ["export"]


def test_an_export_cancelled_while_a_batch_is_written_leaves_no_file(system_client, haikou_token, temuulen,
                                                                     monkeypatch):
    status_url = kick_off(system_client, haikou_token, _type="Patient")
    real_write = services._write

    def write_then_cancel(export_file, data):
        real_write(export_file, data)
        system_client.delete(status_path(status_url), **bearer(haikou_token))

    monkeypatch.setattr(services, "_write", write_then_cancel)
    jobs_run_due()

    export = BulkExport.objects.get()
    assert export.status == BulkExport.Status.CANCELLED
    assert not (services.export_root() / str(export.public_id)).exists()


def test_a_smart_system_token_exports_only_the_types_its_scopes_name(system_client, haikou, coordinator, temuulen,
                                                                      record):
    from carebridge.interop.smart.services import smart_client_register, smart_token_issue

    client, _secret = smart_client_register(organisation=haikou, name="Haikou registry", auth_method="client_secret",
                                            allowed_scopes=["system/Patient.rs", "system/Condition.rs"],
                                            registered_by=coordinator)
    _token, secret = smart_token_issue(client=client, scope="system/Patient.rs system/Condition.rs")

    refused = system_client.get("/fhir/r4/$export", {"_type": "Observation"}, **bearer(secret), **ASYNC)
    assert refused.status_code == 403
    assert as_fhir(refused).issue[0].code == "forbidden"
    manifest = finished_manifest(system_client, secret, kick_off(system_client, secret))
    assert {output["type"] for output in manifest["output"]} == {"Patient", "Condition"}
    assert BulkExport.objects.get().client["client_id"] == client.client_id
