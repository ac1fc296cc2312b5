"""The append-only audit log and the patient's consents."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit rows cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit rows cannot be deleted")


class AuditEvent(models.Model):
    """Who did what to which object, when, why and with what outcome.

    Rows carry public ids rather than foreign keys so that nothing (a deleted user, a merged
    patient) ever needs to change them; the database rejects UPDATE and DELETE by trigger.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        DENIED = "denied", _("denied")
        FAILURE = "failure", _("failure")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("time (UTC)"), auto_now_add=True, db_index=True)
    actor_public_id = models.UUIDField(_("actor"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor label"), max_length=254, blank=True)
    organisation_public_id = models.UUIDField(_("organisation"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=200, blank=True)
    patient_public_id = models.UUIDField(_("patient"), null=True, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit rows cannot be deleted")


class ConsentKind(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("Processing of personal information")
    SENSITIVE_HEALTH_DATA = "sensitive_health_data", _("Processing of sensitive health information")
    CROSS_BORDER_TRANSFER = "cross_border_transfer", _("Transfer of information outside mainland China")
    MESSAGING_CONTACT = "messaging_contact", _("Contact through messaging apps")


class Consent(BaseModel):
    """A consent given for a person, with the exact versioned text shown and the language it was in.

    The subject is named by public id (a user or, once registered, a patient record); a guardian may
    give or withdraw it for a child. A withdrawn consent stays on the record with its withdrawal.
    """

    subject_public_id = models.UUIDField(_("subject"), db_index=True)
    kind = models.CharField(_("kind"), max_length=40, choices=ConsentKind.choices)
    text_version = models.CharField(_("text version"), max_length=20)
    text_language = models.CharField(_("language shown"), max_length=10)
    text_shown = models.TextField(_("text shown"))
    text_sha256 = models.CharField(max_length=64)
    given_at = models.DateTimeField(_("given at"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents_given", verbose_name=_("given by")
    )
    given_as = models.CharField(_("given as"), max_length=20, default="self")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consents_withdrawn",
        null=True,
        blank=True,
        verbose_name=_("withdrawn by"),
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            # At most one active consent of a kind per subject.
            models.UniqueConstraint(
                fields=["subject_public_id", "kind"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.text_version}, {self.text_language})"

    @property
    def is_active(self):
        return self.withdrawn_at is None
