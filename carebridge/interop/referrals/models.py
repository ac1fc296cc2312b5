"""Referrals of a patient from one hospital on the platform to another (a FHIR ServiceRequest, intent order).

The records (the IPS and chosen documents) travel only with the patient's consent to share them with the
receiving hospital, recorded on the referral itself: given by the patient or guardian in the portal, or
attested by the referring staff from a signed form. The receiving hospital's staff see them only once the
referral is accepted, and only while that consent stands.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class Referral(BaseModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("waiting for the receiving hospital")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")

    class Priority(models.TextChoices):
        ROUTINE = "routine", _("routine")
        URGENT = "urgent", _("urgent")
        ASAP = "asap", _("as soon as possible")
        STAT = "stat", _("immediately (stat)")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="referrals",
                                verbose_name=_("patient"))
    from_hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("referring hospital"))
    to_hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("receiving hospital"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("referred by"))
    reason = models.TextField(_("reason for the referral"))
    reason_code = models.CharField(_("diagnosis (ICD-10)"), max_length=10, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    document_ids = models.JSONField(_("documents"), default=list, blank=True)
    consent_given_at = models.DateTimeField(_("records consent given at"), null=True, blank=True)
    consent_given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("records consent given by"))
    consent_given_as = models.CharField(max_length=20, blank=True)
    consent_text = models.TextField(blank=True)
    consent_language = models.CharField(max_length=10, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("records consent withdrawn at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_hospital", "status"]), models.Index(fields=["from_hospital", "status"])]
        constraints = [models.CheckConstraint(condition=~models.Q(from_hospital=models.F("to_hospital")),
                                              name="referral_to_another_hospital")]

    def __str__(self):
        return f"{self.from_hospital} → {self.to_hospital} ({self.status})"

    @property
    def has_records_consent(self):
        return self.consent_given_at is not None and self.consent_withdrawn_at is None

    @property
    def records_released(self):
        """Tell whether the receiving hospital may open the attached records now."""
        return self.status == self.Status.ACCEPTED and self.has_records_consent
