"""A pathway started for a patient at a hospital, and its steps with their due times (imported by clinical.models)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.clinical.pathways.definitions import definition_get
from carebridge.core.models import BaseModel

__all__ = ["PathwayInstance", "PathwayPriority", "PathwayStep"]


class PathwayPriority(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    ROUTINE = 3, _("Routine")


class PathwayInstance(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="pathways")
    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="pathways")
    definition_key = models.CharField(_("pathway"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=PathwayPriority.choices,
                                                default=PathwayPriority.ROUTINE)
    started_at = models.DateTimeField(_("started"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "clinical"
        ordering = ["priority", "started_at"]
        indexes = [models.Index(fields=["hospital", "status"])]

    def __str__(self):
        return f"{self.definition_key} for {self.patient}"

    @property
    def definition(self):
        return definition_get(self.definition_key)

    @property
    def name(self):
        definition = self.definition
        return definition.name if definition else self.definition_key


class PathwayStep(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    instance = models.ForeignKey(PathwayInstance, on_delete=models.CASCADE, related_name="steps")
    step_key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    owner_role = models.CharField(_("owner"), max_length=20)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=PathwayPriority.choices,
                                                default=PathwayPriority.ROUTINE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        app_label = "clinical"
        ordering = ["instance", "position"]
        constraints = [models.UniqueConstraint(fields=["instance", "step_key"], name="pathway_step_once")]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.instance_id}:{self.step_key} ({self.status})"

    @property
    def definition(self):
        definition = self.instance.definition
        return definition.step(self.step_key) if definition else None

    @property
    def name(self):
        definition = self.definition
        return definition.name if definition else self.step_key

    def is_overdue(self, now):
        return self.status == self.Status.PENDING and self.due_at < now
