"""Bulk Data export: start, run in resumable batches, cancel and expire; manage groups of patients.

An export runs as outbox jobs. Each job claims the export with a short lease, then writes batches of
resources (keyset-paged by primary key) to NDJSON files. After each batch it commits, in one transaction,
the file's new length and count and the cursor of the next batch. A runner that dies leaves at most one
uncommitted batch at the end of a file: the next runner cuts every file back to its committed length before
writing, so a restarted export never repeats or loses a line.
"""

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.audit.services import audit_record
from carebridge.core.errors import ValidationFailed
from carebridge.core.jobs import job_enqueue
from carebridge.interop.access import caller_patients
from carebridge.interop.auth import FhirCaller
from carebridge.interop.bulk.models import BulkExport, BulkExportFile, PatientGroup
from carebridge.interop.bulk.resources import EXPORT_TYPES, Site

logger = logging.getLogger(__name__)

RUN_JOB = "interop.bulk_export_run"
EXPIRE_JOB = "interop.bulk_export_expire"
BATCH_SIZE = 500
FILE_LINES = 50_000
SLICE_SECONDS = 60
LEASE = timedelta(minutes=2)
ACTIVE = (BulkExport.Status.ACCEPTED, BulkExport.Status.IN_PROGRESS)


class LeaseLost(Exception):
    """Another runner holds the export, or it was cancelled: stop without writing."""


def retention():
    """Return how long a finished export's files are kept."""
    return timedelta(hours=getattr(settings, "BULK_EXPORT_RETENTION_HOURS", 24))


def export_root():
    """Return the folder under the media root where exports write their files."""
    return Path(settings.MEDIA_ROOT) / "bulk-exports"


def file_path(export_file):
    """Return where an export's file lives."""
    return export_root() / str(export_file.export.public_id) / export_file.file_name


# --- Groups ------------------------------------------------------------------------------------------------------


def patient_group_create(*, hospital, name, created_by, members=(), everyone=False, request=None):
    """Create a group of a hospital's patients; every member must be registered there."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the group a name."), code="group_name_missing")
    system = FhirCaller(organisation=hospital)
    members = list(members)
    allowed = set(caller_patients(system).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True))
    if len(allowed) != len({m.pk for m in members}):
        raise ValidationFailed(_("Every member must be a patient of this hospital."), code="group_member_elsewhere")
    with transaction.atomic():
        group = PatientGroup.objects.create(hospital=hospital, name=name[:200], everyone=everyone,
                                            created_by=created_by)
        group.members.set(members)
        audit_record(action="patient_group.created", actor=created_by, request=request, organisation=hospital,
                     object_type="patient_group", object_id=group.public_id,
                     details={"members": len(members), "everyone": everyone})
    return group


def group_patients(group):
    """Return the live patient records of a group (a hospital's whole list, or its chosen members)."""
    patients = caller_patients(FhirCaller(organisation=group.hospital))
    return patients if group.everyone else patients.filter(pk__in=group.members.values("pk"))


# --- Start, cancel ---------------------------------------------------------------------------------------------


def bulk_export_start(*, hospital, level, request_url, base_url, types=None, since=None, group=None, client=None,
                      requested_by=None):
    """Record an export of a hospital's data and queue it for a worker; return it (status: accepted)."""
    types = [name for name in EXPORT_TYPES if name in set(types)] if types else list(EXPORT_TYPES)
    if not types:
        raise ValidationFailed(_("Choose at least one resource type."), code="bulk_types_missing")
    if level == BulkExport.Level.GROUP and (group is None or group.hospital_id != hospital.pk):
        raise ValidationFailed(_("Choose a group of this hospital."), code="bulk_group_missing")
    with transaction.atomic():
        export = BulkExport.objects.create(
            hospital=hospital, level=level, group=group if level == BulkExport.Level.GROUP else None, types=types,
            since=since, request_url=request_url, base_url=base_url, transaction_time=timezone.now(), client=client or {},
            requested_by=requested_by, cursor={"type": 0, "after": 0},
        )
        # Left for the worker (manage.py jobs_work, or Celery): the kick-off answers at once.
        job_enqueue(name=RUN_JOB, export_id=export.pk, run_after=timezone.now())
    return export


def bulk_export_cancel(*, export, actor=None, request=None):
    """Cancel a running export, or delete a finished one: its files are removed and it is gone for clients."""
    with transaction.atomic():
        locked = BulkExport.objects.select_for_update().get(pk=export.pk)
        was = locked.status
        locked.status = BulkExport.Status.CANCELLED
        locked.lease_until = None
        locked.save(update_fields=["status", "lease_until", "updated_at"])
        if was in ACTIVE:
            _audit_end(locked, actor=actor, request=request)
        transaction.on_commit(lambda: _remove_files(locked))
    export.status = locked.status
    return locked


def _remove_files(export):
    shutil.rmtree(export_root() / str(export.public_id), ignore_errors=True)


def bulk_export_expire(*, export_id, now=None):
    """Remove the files of a finished export whose retention time is over; safe to repeat."""
    now = now or timezone.now()
    export = BulkExport.objects.filter(pk=export_id).first()
    if export is None:
        return False
    ended = export.status in (BulkExport.Status.COMPLETED, BulkExport.Status.FAILED)
    if not ended or export.expires_at is None or export.expires_at > now:
        return False
    BulkExport.objects.filter(pk=export.pk, status=export.status).update(status=BulkExport.Status.EXPIRED,
                                                                          updated_at=now)
    _remove_files(export)
    return True


def bulk_exports_expire_due(*, now=None):
    """Expire every finished export past its retention time; return how many."""
    now = now or timezone.now()
    due = BulkExport.objects.filter(status__in=[BulkExport.Status.COMPLETED, BulkExport.Status.FAILED],
                                    expires_at__lte=now).values_list("pk", flat=True)
    return sum(bulk_export_expire(export_id=pk, now=now) for pk in list(due))


# --- Run ---------------------------------------------------------------------------------------------------------


def export_patients(export):
    """Return the patients an export covers, as the hospital's system sees them."""
    if export.level == BulkExport.Level.GROUP:
        if export.group is None:
            return caller_patients(FhirCaller(organisation=None))
        return group_patients(export.group)
    return caller_patients(FhirCaller(organisation=export.hospital))


def type_rows(export, name, patients=None):
    """Return the rows of one resource type an export writes: scoped, narrowed to `_since`, ordered by key."""
    caller = FhirCaller(organisation=export.hospital)
    patients = export_patients(export) if patients is None else patients
    rows = EXPORT_TYPES[name].rows(caller, patients).filter(updated_at__lte=export.transaction_time)
    if export.since is not None:
        rows = rows.filter(updated_at__gt=export.since)
    return rows.order_by("pk")


def _claim(export_id, now):
    lease = now + LEASE
    claimed = (BulkExport.objects.filter(pk=export_id, status__in=ACTIVE)
               .exclude(lease_until__gt=now)
               .update(status=BulkExport.Status.IN_PROGRESS, lease_until=lease, updated_at=now))
    return lease if claimed else None


def bulk_export_run(*, export_id):
    """Run an export for a while (one slice); queue the rest. Safe to repeat, and to run after a crash."""
    now = timezone.now()
    lease = _claim(export_id, now)
    export = BulkExport.objects.select_related("hospital", "group__hospital", "requested_by").filter(
        pk=export_id).first()
    if export is None or export.status not in ACTIVE:
        return
    if lease is None:
        # A live runner holds it: look again when its lease ends, in case it dies.
        job_enqueue(name=RUN_JOB, export_id=export.pk, run_after=export.lease_until or now)
        return
    try:
        _run_slice(export, lease)
    except LeaseLost:
        # Cancelled while this runner wrote a batch: that batch's file may have been written after the deletion.
        if BulkExport.objects.filter(pk=export.pk, status=BulkExport.Status.CANCELLED).exists():
            _remove_files(export)
        return
    except Exception as exc:  # noqa: BLE001 - a broken export is reported to its client, never retried forever
        logger.exception("bulk export %s failed", export.pk)
        _fail(export, lease, exc)


def _run_slice(export, lease):
    patients = export_patients(export)
    if export.total is None:
        export.total = sum(type_rows(export, name, patients).count() for name in export.types)
        lease = _commit(export, lease, total=export.total)
    files = list(export.files.all())
    for export_file in files:
        _truncate(export_file)
    started = time.monotonic()
    while True:
        index, after = export.cursor.get("type", 0), export.cursor.get("after", 0)
        if index >= len(export.types):
            _finish(export, lease)
            return
        name = export.types[index]
        rows = list(type_rows(export, name, patients).filter(pk__gt=after)[:BATCH_SIZE])
        if not rows:
            export.cursor = {"type": index + 1, "after": 0}
            lease = _commit(export, lease, cursor=export.cursor)
            continue
        caller = FhirCaller(organisation=export.hospital)
        resources = EXPORT_TYPES[name].resources(caller, rows, Site(export.base_url))
        data = "".join(resource.model_dump_json(exclude_none=True) + "\n" for resource in resources).encode()
        export_file = _current_file(export, files, name)
        _write(export_file, data)
        export.cursor = {"type": index, "after": rows[-1].pk}
        with transaction.atomic():
            lease = _commit(export, lease, cursor=export.cursor, done=F("done") + len(resources))
            export_file.count += len(resources)
            export_file.size += len(data)
            export_file.save()
        if time.monotonic() - started > SLICE_SECONDS:
            with transaction.atomic():
                _commit(export, lease, lease_until=None)
                job_enqueue(name=RUN_JOB, export_id=export.pk, run_after=timezone.now())
            return


def _commit(export, lease, **changes):
    """Save changes to the export while this runner still holds it; return the renewed lease."""
    renewed = changes.pop("lease_until", timezone.now() + LEASE)
    updated = BulkExport.objects.filter(pk=export.pk, lease_until=lease, status=BulkExport.Status.IN_PROGRESS).update(
        lease_until=renewed, updated_at=timezone.now(), **changes)
    if not updated:
        raise LeaseLost()
    return renewed


def _current_file(export, files, name):
    mine = [f for f in files if f.resource_type == name]
    if mine and mine[-1].count < FILE_LINES:
        return mine[-1]
    export_file = BulkExportFile.objects.create(export=export, resource_type=name, part=len(mine) + 1)
    files.append(export_file)
    return export_file


def _truncate(export_file):
    """Cut a file back to what committed batches wrote (a dead runner may have written more)."""
    path = file_path(export_file)
    if path.exists() and path.stat().st_size != export_file.size:
        with path.open("r+b") as handle:
            handle.truncate(export_file.size)


def _write(export_file, data):
    path = file_path(export_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("r+b" if path.exists() else "wb") as handle:
        handle.seek(export_file.size)
        handle.truncate()
        handle.write(data)
        handle.flush()


def _counts(export):
    return {row["resource_type"]: row["lines"] for row in
            export.files.values("resource_type").annotate(lines=Sum("count")).order_by("resource_type")}


def _audit_end(export, *, actor=None, request=None):
    """Write the export's one audit row: what it wrote, per resource type."""
    counts = _counts(export)
    audit_record(action=f"bulk_export.{export.status}", actor=actor or export.requested_by, request=request,
                 organisation=export.hospital, object_type="bulk_export", object_id=export.public_id,
                 purpose="bulk-export",
                 details={"level": export.level, "group": str(export.group.public_id) if export.group else None,
                          "types": export.types, "since": export.since.isoformat() if export.since else None,
                          "counts": counts, "total": sum(counts.values()),
                          "as": "staff" if export.requested_by_id else "system", "client": export.client})


def _finish(export, lease):
    now = timezone.now()
    with transaction.atomic():
        _commit(export, lease, status=BulkExport.Status.COMPLETED, completed_at=now, expires_at=now + retention(),
                lease_until=None)
        export.status, export.completed_at, export.expires_at = BulkExport.Status.COMPLETED, now, now + retention()
        _audit_end(export)
        job_enqueue(name=EXPIRE_JOB, export_id=export.pk, run_after=export.expires_at)


def _fail(export, lease, exc):
    now = timezone.now()
    try:
        with transaction.atomic():
            _commit(export, lease, status=BulkExport.Status.FAILED, error=repr(exc)[:2000], completed_at=now,
                    expires_at=now + retention(), lease_until=None)
            export.status = BulkExport.Status.FAILED
            _audit_end(export)
            job_enqueue(name=EXPIRE_JOB, export_id=export.pk, run_after=now + retention())
    except LeaseLost:
        pass
