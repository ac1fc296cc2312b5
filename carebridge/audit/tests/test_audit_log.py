"""The audit log is append-only: not through the ORM, not through the admin, not in SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from carebridge.accounts.access import require_roles
from carebridge.accounts.models import Role
from carebridge.audit.models import AppendOnlyError, AuditEvent
from carebridge.audit.services import audit_record
from carebridge.core.errors import NotFound
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(coordinator):
    return audit_record(action="record.read", actor=coordinator, object_type="patient", object_id="p-1",
                        purpose="treatment")


def test_a_row_names_who_did_what_to_which_object_and_why(row, coordinator):
    assert row.actor_public_id == coordinator.public_id
    assert row.actor_label == coordinator.email
    assert (row.action, row.object_type, row.object_id, row.purpose) == ("record.read", "patient", "p-1", "treatment")
    assert row.occurred_at.utcoffset().total_seconds() == 0


def test_a_row_cannot_be_changed_or_deleted_through_the_orm(row):
    row.action = "tampered"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=row.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_an_sql_update_of_a_row_fails_in_the_database(row):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["tampered", row.pk])

    assert AuditEvent.objects.get(pk=row.pk).action == "record.read"


def test_an_sql_delete_of_a_row_fails_in_the_database(row):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [row.pk])

    assert AuditEvent.objects.filter(pk=row.pk).exists()


def test_the_admin_offers_no_way_to_add_change_or_delete_a_row(row, platform_admin):
    platform_admin.is_staff = platform_admin.is_superuser = True
    platform_admin.save()
    client = signed_in(platform_admin)

    assert client.get("/admin/audit/auditevent/").status_code == 200
    # A forbidden page answers as if it did not exist (404), like every refused access.
    assert client.get("/admin/audit/auditevent/add/").status_code == 404
    change = client.post(f"/admin/audit/auditevent/{row.pk}/change/", {"action": "tampered"})
    assert change.status_code in (200, 404)
    assert client.post(f"/admin/audit/auditevent/{row.pk}/delete/", {"post": "yes"}).status_code == 404
    assert AuditEvent.objects.get(pk=row.pk).action == "record.read"


def test_a_denied_access_is_recorded(coordinator, chongqing):
    with pytest.raises(NotFound):
        require_roles(user=coordinator, roles=[Role.COORDINATOR], organisation=chongqing, object_type="patient",
                      object_id="p-2")

    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.outcome == "denied"
    assert denied.actor_public_id == coordinator.public_id
    assert (denied.object_type, denied.object_id) == ("patient", "p-2")


def test_a_patient_asking_for_the_audit_api_gets_404_and_a_row(guardian):
    client = signed_in(guardian)

    response = client.get("/api/v1/audit-events")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert AuditEvent.objects.filter(action="access.denied", actor_public_id=guardian.public_id).exists()


def test_a_platform_admin_reads_the_audit_log_through_the_api(platform_admin, row):
    response = signed_in(platform_admin).get("/api/v1/audit-events?action=record.read")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == str(row.public_id)
