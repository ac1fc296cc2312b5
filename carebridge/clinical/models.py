"""The clinical record: encounters, orders, reports with observations, and what an IPS needs later.

Codes are kept as (system, code, display) with the display as received, so a code unknown here keeps the
words the sender gave it. Systems are URIs: http://hl7.org/fhir/sid/icd-10, http://loinc.org,
http://www.whocc.no/atc, http://hl7.org/fhir/sid/cvx, http://unitsofmeasure.org for units.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CN = "urn:carebridge:icd-10-cn-insurance"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
CVX = "http://hl7.org/fhir/sid/cvx"
UCUM = "http://unitsofmeasure.org"


class CodedMixin(models.Model):
    """A coded concept: system URI, code, and the display exactly as the source gave it."""

    code_system = models.CharField(_("code system"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=64, blank=True)
    display = models.CharField(_("name as recorded"), max_length=300)

    class Meta:
        abstract = True


class Encounter(BaseModel):
    class Kind(models.TextChoices):
        OUTPATIENT = "outpatient", _("Outpatient visit")
        INPATIENT = "inpatient", _("Inpatient stay")
        CHECKUP = "checkup", _("Health check-up")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="encounters")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="encounters")
    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="encounter")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    attending = models.ForeignKey("scheduling.Clinician", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="encounters")
    reason = models.CharField(_("reason for the visit"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.patient} {self.get_kind_display()} {self.started_at:%Y-%m-%d}"


class Order(BaseModel):
    """A ServiceRequest: imaging, a lab panel or a procedure, with its preparation shown in the patient's language."""

    class Category(models.TextChoices):
        IMAGING = "imaging", _("Imaging")
        LAB = "lab", _("Laboratory")
        PROCEDURE = "procedure", _("Procedure")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Ordered")
        COMPLETED = "completed", _("Completed")
        REVOKED = "revoked", _("Cancelled")

    class Priority(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")
        STAT = "stat", _("Immediately")

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="orders")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="orders")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="orders")
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.ROUTINE)
    note = models.TextField(_("clinical note"), blank=True)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(_("ordered at"))
    # When the final report is due: order time + the service's turnaround target.
    due_at = models.DateTimeField(_("report due"))

    class Meta:
        ordering = ["-ordered_at"]

    def __str__(self):
        return f"{self.service} for {self.patient}"


class DiagnosticReport(CodedMixin, BaseModel):
    """A report: registered → preliminary → final → amended (or cancelled); a cancelled report stays cancelled."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        PRELIMINARY = "preliminary", _("Preliminary")
        FINAL = "final", _("Final")
        AMENDED = "amended", _("Amended")
        CANCELLED = "cancelled", _("Cancelled")

    RELEASED = (Status.FINAL, Status.AMENDED)

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="reports")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="reports")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="reports", null=True, blank=True)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="report", null=True, blank=True)
    category = models.CharField(_("category"), max_length=10, choices=Order.Category.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    findings = models.TextField(_("findings"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    conclusion_language = models.CharField(_("language of the conclusion"), max_length=35, default="zh-hans")
    performer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["hospital", "status"])]

    def __str__(self):
        return f"{self.display} ({self.get_status_display()})"

    @property
    def is_released(self):
        return self.status in self.RELEASED


class ReportVersion(models.Model):
    """What a report said before an amendment: nothing released is ever lost."""

    report = models.ForeignKey(DiagnosticReport, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12)
    findings = models.TextField(blank=True)
    conclusion = models.TextField(blank=True)
    observations = models.JSONField(default=list)
    replaced_at = models.DateTimeField()
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "version"], name="report_version_once")]

    def __str__(self):
        return f"{self.report_id} v{self.version}"


class ReportAttachment(BaseModel):
    report = models.ForeignKey(DiagnosticReport, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="report-attachments/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self):
        return self.title


class Observation(CodedMixin, BaseModel):
    """A result or a vital sign: a quantity in a UCUM unit (or a text), its reference range and flag."""

    class Category(models.TextChoices):
        LABORATORY = "laboratory", _("Laboratory")
        VITAL_SIGNS = "vital-signs", _("Vital signs")
        IMAGING = "imaging", _("Imaging")

    class Flag(models.TextChoices):
        NORMAL = "N", _("Normal")
        LOW = "L", _("Low")
        HIGH = "H", _("High")
        CRITICAL_LOW = "LL", _("Critically low")
        CRITICAL_HIGH = "HH", _("Critically high")
        ABNORMAL = "A", _("Abnormal")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="observations")
    report = models.ForeignKey(DiagnosticReport, on_delete=models.CASCADE, related_name="observations", null=True,
                               blank=True)
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="observations", null=True,
                                  blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    value_quantity = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit (UCUM)"), max_length=40, blank=True)
    value_text = models.CharField(_("value (text)"), max_length=300, blank=True)
    reference_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    flag = models.CharField(_("flag"), max_length=2, choices=Flag.choices, blank=True)
    effective_at = models.DateTimeField(_("taken at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    code_known = models.BooleanField(default=True, editable=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["effective_at"]
        constraints = [models.CheckConstraint(condition=Q(value_quantity__isnull=False) | ~Q(value_text=""),
                                              name="observation_has_a_value")]

    def __str__(self):
        return f"{self.display}: {self.value_quantity if self.value_quantity is not None else self.value_text}"


class Condition(CodedMixin, BaseModel):
    class ClinicalStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        RESOLVED = "resolved", _("Resolved")
        INACTIVE = "inactive", _("Inactive")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="conditions")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="conditions", null=True,
                                  blank=True)
    clinical_status = models.CharField(_("status"), max_length=10, choices=ClinicalStatus.choices,
                                       default=ClinicalStatus.ACTIVE)
    onset = models.DateField(_("since"), null=True, blank=True)
    is_primary = models.BooleanField(_("main diagnosis of the visit"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Where an imported entry came from."))
    code_known = models.BooleanField(default=True, editable=False)
    # The imported summary this row came from (interop's IpsImport public id): a UUID, not a key, so this app
    # does not depend on a higher one.
    source_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    def __str__(self):
        return f"{self.code} {self.display}"


class AllergyIntolerance(CodedMixin, BaseModel):
    class Criticality(models.TextChoices):
        LOW = "low", _("Low risk")
        HIGH = "high", _("High risk")
        UNABLE = "unable-to-assess", _("Unknown")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="allergies")
    criticality = models.CharField(_("criticality"), max_length=20, choices=Criticality.choices,
                                   default=Criticality.UNABLE)
    reaction = models.CharField(_("reaction"), max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    def __str__(self):
        return self.display


class MedicationRequest(CodedMixin, BaseModel):
    """A prescription written here (medicine coded in ATC where known)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="prescriptions")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="prescriptions", null=True,
                                  blank=True)
    dosage = models.CharField(_("how to take it"), max_length=300)
    quantity = models.CharField(_("quantity"), max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authored_at = models.DateTimeField()

    def __str__(self):
        return self.display


class MedicationStatement(CodedMixin, BaseModel):
    """A medicine the patient takes or took (reported, or imported from a summary from home)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="medication_statements")
    dosage = models.CharField(_("how it is taken"), max_length=300, blank=True)
    is_active = models.BooleanField(_("still taken"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)

    def __str__(self):
        return self.display


class Immunization(CodedMixin, BaseModel):
    """A vaccine dose, given here or recorded from the home country's record."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="immunizations")
    vaccine_key = models.CharField(_("vaccine"), max_length=40, blank=True)
    dose_number = models.PositiveSmallIntegerField(_("dose"), null=True, blank=True)
    occurred_on = models.DateField(_("date given"))
    country = models.CharField(_("country where given"), max_length=2, blank=True)
    given_here = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["occurred_on"]

    def __str__(self):
        return f"{self.display} {self.occurred_on}"


class Procedure(CodedMixin, BaseModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="procedures")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="procedures", null=True,
                                  blank=True)
    performed_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    def __str__(self):
        return self.display


class TextTranslation(BaseModel):
    """A clinician's free text translated for the patient, kept beside the original with who translated it."""

    class Review(models.TextChoices):
        REQUESTED = "requested", _("Translation requested")
        TRANSLATED = "translated", _("Translated, awaiting review")
        APPROVED = "approved", _("Translated and checked")
        REJECTED = "rejected", _("Sent back")

    report = models.ForeignKey(DiagnosticReport, on_delete=models.CASCADE, related_name="translations")
    field = models.CharField(max_length=30, default="conclusion")
    source_language = models.CharField(max_length=35)
    target_language = models.CharField(_("language"), max_length=35)
    source_text = models.TextField()
    text = models.TextField(_("translation"), blank=True)
    status = models.CharField(max_length=12, choices=Review.choices, default=Review.REQUESTED)
    translator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                 blank=True)
    machine = models.BooleanField(_("machine translation"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "field", "target_language"],
                                               name="one_translation_per_language")]

    def __str__(self):
        return f"{self.report_id} {self.field} → {self.target_language}"


from carebridge.clinical.pathways.models import *  # noqa: E402,F401,F403 - the pathway engine's models belong to this app
