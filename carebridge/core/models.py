"""Base model and the background-job outbox shared by every app."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Give a model a public UUID (the only id seen outside) and timestamps."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Job(models.Model):
    """Record a unit of background work in the same transaction as the change that needs it.

    Any worker claims a job with a lease; a job whose worker died is claimed again once its lease
    expires, so tasks must be safe to repeat.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    run_after = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "run_after"])]

    def __str__(self):
        return f"{self.name}#{self.pk} ({self.state})"


class TranslatableMixin(models.Model):
    """Let staff translate a record's texts: `translations` maps a language code to {field: text}.

    `translated(field)` gives the text in the active language, falling back to English and then to the
    field's own value (written in whatever language staff entered it).
    """

    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        abstract = True

    def translated(self, field, language=None):
        from django.utils import translation

        language = (language or translation.get_language() or "en").lower()
        for code in (language, language.split("-")[0], "en"):
            text = (self.translations.get(code) or {}).get(field)
            if text:
                return text
        return getattr(self, field)
