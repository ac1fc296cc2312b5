"""An imported International Patient Summary: the original document, where it came from, and what it added."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class IpsImport(BaseModel):
    """One summary imported into a patient's record; its rows point back here by `source_import` (public id)."""

    class Via(models.TextChoices):
        PORTAL = "portal", _("Uploaded by the patient or guardian")
        DESK = "desk", _("Uploaded by a coordinator")
        FHIR = "fhir", _("Sent through the FHIR API")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="ips_imports")
    bundle_identifier = models.CharField(_("document identifier"), max_length=400)
    document_date = models.DateTimeField(_("date of the summary"), null=True, blank=True)
    source_organisation = models.CharField(_("issued by"), max_length=300, blank=True)
    source_country = models.CharField(_("country of origin"), max_length=2, blank=True)
    language = models.CharField(_("language of the summary"), max_length=35, blank=True)
    via = models.CharField(_("how it came"), max_length=10, choices=Via.choices)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    imported_for = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    identity_confirmed_by_staff = models.BooleanField(default=False)
    bundle = models.JSONField(_("the summary as received"))
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["patient", "bundle_identifier"],
                                               name="ips_import_once_per_patient")]

    def __str__(self):
        return f"IPS {self.bundle_identifier} → {self.patient_id}"
