"""Issued documents: what was asked for, the stored PDF, its hashes and the code that verifies it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


def document_upload_to(document, filename):
    """Store each PDF under its public id; the name says nothing about the patient."""
    return f"documents/{document.issued_at:%Y/%m}/{document.public_id}.pdf"


class Document(BaseModel):
    """A PDF issued by an organisation, rendered in the background from a caller app's template.

    The file is never served by this app: the caller app checks access, then streams it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RENDERING = "rendering", _("rendering")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=64, help_text=_("Given by the app that issues it."))
    title = models.CharField(_("title"), max_length=300)
    issuer = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="issued_documents",
        verbose_name=_("issuer"),
    )
    # No foreign key: patients is a higher app than documents.
    patient_public_id = models.UUIDField(_("patient"), null=True, blank=True, db_index=True)
    languages = models.JSONField(_("languages"), default=list)
    template = models.CharField(_("template"), max_length=200)
    # The canonical content the caller provided; kept so that a failed render can be retried.
    context = models.JSONField(_("content"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to=document_upload_to, blank=True, max_length=200)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    verification_code = models.CharField(_("verification code"), max_length=12, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("issued by"),
    )
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="document_progress_at_most_100"),
        ]
        indexes = [models.Index(fields=["issuer", "kind", "-issued_at"])]

    def __str__(self):
        return f"{self.kind} {self.verification_code} ({self.status})"

    @property
    def is_ready(self):
        return self.status == self.Status.READY

    @property
    def second_language(self):
        """The language printed beside Chinese: the patient's language, or English."""
        others = [code for code in self.languages if not code.startswith("zh")]
        return others[0] if others else "en"
