"""The restore drill: back up, lose data and files, restore, and find every count and checksum as backed up."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from carebridge.audit.models import AuditEvent
from carebridge.core.backup import BackupError, backup_create, backup_restore, media_files
from carebridge.patients.models import Patient, PatientDocument
from carebridge.patients.tests.factories import registered_child, td3

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def record(guardian, haikou):
    """Temuulen registered at Haikou, with an X-ray report from Ulaanbaatar uploaded by his mother."""
    child = registered_child(guardian=guardian, hospital=haikou)
    document = PatientDocument(patient=child, kind=PatientDocument.Kind.IMAGING, title="X-ray, UB",
                               uploaded_by=guardian, content_type="application/pdf", size=16)
    document.file.save("xray.pdf", ContentFile(b"%PDF-1.4 x-ray\n"), save=True)
    return child


def test_a_restore_brings_back_every_row_and_every_file_as_backed_up(record, guardian, haikou, tmp_path, settings):
    backup = backup_create(destination=tmp_path / "backups")
    manifest = json.loads((backup / "manifest.json").read_text())
    files_then = media_files(settings.MEDIA_ROOT)
    assert manifest["counts"]["patients_patient"] == Patient.objects.count() == 1
    assert manifest["media"] == files_then and len(files_then) == 1

    # After the backup: another child registered, the upload lost from the disk.
    registered_child(guardian=guardian, hospital=haikou,
                     mrz=td3(surname="BATBAYAR", given="ANU", number="E87654321", nationality="MNG",
                             birth="230101", sex="F", expiry="281231"))
    for path in (tmp_path / "media").rglob("*.pdf"):
        path.unlink()

    found = backup_restore(source=backup)

    assert found["counts"] == manifest["counts"]
    assert found["media"] == files_then
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.count() == manifest["counts"]["audit_auditevent"]


def test_a_damaged_backup_is_refused_before_anything_is_replaced(record, tmp_path):
    backup = backup_create(destination=tmp_path / "backups")
    with open(backup / "media.tar", "ab") as fh:
        fh.write(b"tampered")

    with pytest.raises(BackupError, match="media.tar"):
        backup_restore(source=backup)
    assert Patient.objects.count() == 1


def test_the_commands_back_up_and_restore_with_a_summary(record, tmp_path, capsys):
    call_command("backup_create", str(tmp_path / "backups"))
    backup = capsys.readouterr().out.strip()

    call_command("backup_restore", backup, "--verify-only")
    assert "intact" in capsys.readouterr().out
    call_command("backup_restore", backup, "--yes")
    assert "counts and checksums match" in capsys.readouterr().out
