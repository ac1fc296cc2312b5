"""Bulk Data export: groups of a hospital's patients, export jobs and the NDJSON files they write."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class PatientGroup(BaseModel):
    """A named set of a hospital's patients (a FHIR Group): its whole patient list, or a chosen cohort."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("hospital"))
    name = models.CharField(_("name"), max_length=200)
    # True: every patient registered at the hospital, now and later; False: the members chosen.
    everyone = models.BooleanField(_("all the hospital's patients"), default=False)
    members = models.ManyToManyField("patients.Patient", related_name="+", blank=True, verbose_name=_("members"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("patient group")
        verbose_name_plural = _("patient groups")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class BulkExport(BaseModel):
    """One $export request: what was asked, for whom, how far it got, and where it resumes."""

    class Level(models.TextChoices):
        SYSTEM = "system", _("all of the hospital's data")
        PATIENT = "patient", _("all of the hospital's patients")
        GROUP = "group", _("a group of patients")

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("waiting to start")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    # Who asked: a system's client (as the audit log names it), or a member of staff on the export page.
    client = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices)
    group = models.ForeignKey(PatientGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    base_url = models.TextField()
    transaction_time = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACCEPTED)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    # Where the next batch starts: the index in `types` and the last primary key written of that type.
    cursor = models.JSONField(default=dict)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulk export")
        verbose_name_plural = _("bulk exports")
        indexes = [models.Index(fields=["hospital", "created_at"]), models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"{self.level} export {self.public_id} ({self.status})"

    @property
    def percent(self):
        if self.status == self.Status.COMPLETED:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)


class BulkExportFile(BaseModel):
    """One NDJSON file of an export; `count` and `size` are what committed batches wrote (the rest is discarded)."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=64)
    part = models.PositiveIntegerField()
    count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["export", "resource_type", "part"],
                                               name="bulk_export_file_part_unique")]
        ordering = ["pk"]

    def __str__(self):
        return self.file_name

    @property
    def file_name(self):
        return f"{self.resource_type}-{self.part}.ndjson"
