"""A hospital's coordinator or clinician starts a bulk export on a page, follows it and downloads its files."""

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.core.jobs import jobs_run_due
from carebridge.interop.bulk.models import BulkExport, PatientGroup
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_a_clinician_exports_a_group_and_downloads_its_files(haikou_clinician, haikou, temuulen, aigerim, record):
    page = signed_in(haikou_clinician)
    created = page.post("/interop/bulk/groups/new/", {"hospital": haikou.public_id, "name": "Mongolian families",
                                                      "members": [str(temuulen.public_id)]})
    assert created.status_code == 302
    group = PatientGroup.objects.get()

    started = page.post("/interop/bulk/", {"hospital": haikou.public_id, "scope": str(group.public_id),
                                           "types": ["Patient", "Observation"]})
    export = BulkExport.objects.get()
    assert started.status_code == 302 and started["Location"].endswith(f"/interop/bulk/{export.public_id}/")
    running = page.get(started["Location"], HTTP_HX_REQUEST="true")
    assert b"hx-trigger" in running.content

    jobs_run_due()
    done = page.get(started["Location"])
    assert done.status_code == 200
    assert b"Observation-1.ndjson" in done.content and b"Patient-1.ndjson" in done.content
    patient_file = export.files.get(resource_type="Patient")
    downloaded = page.get(f"/interop/bulk/files/{patient_file.public_id}/")
    lines = b"".join(downloaded.streaming_content).decode().splitlines()
    assert len(lines) == 1 and str(temuulen.public_id) in lines[0]
    assert AuditEvent.objects.filter(action="bulk_export.file_downloaded",
                                     actor_public_id=haikou_clinician.public_id).count() == 1
    completed = AuditEvent.objects.get(action="bulk_export.completed")
    assert completed.actor_public_id == haikou_clinician.public_id


def test_a_coordinator_is_offered_the_patients_records_but_not_the_clinical_record(coordinator, haikou):
    page = signed_in(coordinator).get("/interop/bulk/")

    assert page.status_code == 200
    offered = dict(page.context["form"].fields["types"].choices)
    assert "Patient" in offered and "Coverage" in offered
    assert "Observation" not in offered and "Condition" not in offered
    refused = signed_in(coordinator).post("/interop/bulk/", {"hospital": haikou.public_id, "scope": "system",
                                                             "types": ["Observation"]})
    assert refused.status_code == 200 and not BulkExport.objects.exists()


def test_staff_of_another_hospital_and_patients_cannot_see_an_export(
        haikou_clinician, clinician_elsewhere, guardian, haikou, temuulen):
    signed_in(haikou_clinician).post("/interop/bulk/", {"hospital": haikou.public_id, "scope": "system",
                                                        "types": ["Patient"]})
    export = BulkExport.objects.get()
    jobs_run_due()
    export_file = export.files.get()

    for user in (clinician_elsewhere, guardian):
        page = signed_in(user)
        assert page.get(f"/interop/bulk/{export.public_id}/").status_code == 404
        assert page.get(f"/interop/bulk/files/{export_file.public_id}/").status_code == 404
        assert page.post(f"/interop/bulk/{export.public_id}/cancel/").status_code == 404
    assert signed_in(guardian).get("/interop/bulk/").status_code == 404


def test_a_clinician_cancels_a_running_export(haikou_clinician, haikou, temuulen):
    page = signed_in(haikou_clinician)
    page.post("/interop/bulk/", {"hospital": haikou.public_id, "scope": "system", "types": ["Patient"]})
    export = BulkExport.objects.get()

    response = page.post(f"/interop/bulk/{export.public_id}/cancel/")
    jobs_run_due()

    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == BulkExport.Status.CANCELLED and not export.files.exists()
