"""The interpreter and volunteer pool, interpreter assignments and their claims on time, and navigators.

Double booking of an interpreter is impossible by construction: an assignment claims every 15-minute block
its appointment covers (InterpreterClaim), and the database holds one claim per interpreter and block; the
second claim of the same block fails with an IntegrityError whatever the application does.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel

BLOCK = dt.timedelta(minutes=15)


def blocks_covering(start, end):
    """Return the starts (UTC, on 15-minute quanta) of every block that [start, end) touches."""
    start = start.astimezone(dt.UTC)
    first = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    blocks, block = [], first
    while block < end:
        blocks.append(block)
        block += BLOCK
    return blocks


def same_language(a, b):
    """Tell whether two BCP 47 tags name the same language (primary subtag), as booking compares them."""
    return (a or "").lower().split("-")[0] == (b or "").lower().split("-")[0] != ""


class Interpreter(BaseModel):
    """A person in a hospital's interpreter pool: staff, a contractor, or a volunteer from a college."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        CONTRACTOR = "contractor", _("Contractor")
        VOLUNTEER = "volunteer", _("Volunteer")

    class Certification(models.TextChoices):
        CATTI_1 = "catti_1", _("CATTI level 1")
        CATTI_2 = "catti_2", _("CATTI level 2")
        CATTI_3 = "catti_3", _("CATTI level 3")
        MEDICAL = "medical", _("Medical interpreter certificate")
        NONE = "none", _("None")

    # Matching prefers staff, then contractors, then volunteers; and the higher certification.
    KIND_RANK = {Kind.STAFF: 0, Kind.CONTRACTOR: 1, Kind.VOLUNTEER: 2}
    CERTIFICATION_RANK = {Certification.CATTI_1: 4, Certification.MEDICAL: 3, Certification.CATTI_2: 2,
                          Certification.CATTI_3: 1, Certification.NONE: 0}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interpreter_profiles",
                             verbose_name=_("user"))
    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="interpreters",
                                 verbose_name=_("hospital"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.STAFF)
    organisation = models.CharField(_("organisation (college, agency)"), max_length=200, blank=True,
                                    help_text=_("For volunteers and contractors: the college or agency they come from."))
    certification = models.CharField(_("certification"), max_length=10, choices=Certification.choices,
                                     default=Certification.NONE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("interpreter")
        verbose_name_plural = _("interpreters")
        constraints = [models.UniqueConstraint(fields=["user", "hospital"], name="interpreter_once_per_hospital")]

    def __str__(self):
        return str(self.user)

    @property
    def name(self):
        return self.user.get_full_name()

    def level_in(self, language):
        """Return the interpreter's level in a language, or None."""
        return next((spoken.level for spoken in self.languages.all() if same_language(spoken.language, language)),
                    None)


class InterpreterLanguage(models.Model):
    class Level(models.TextChoices):
        NATIVE = "native", _("Native")
        PROFESSIONAL = "professional", _("Professional")
        CONVERSATIONAL = "conversational", _("Conversational")

    MATCHING_LEVELS = (Level.NATIVE, Level.PROFESSIONAL)

    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language (BCP 47)"), max_length=35)
    level = models.CharField(_("level"), max_length=15, choices=Level.choices)

    class Meta:
        verbose_name = _("interpreter's language")
        verbose_name_plural = _("interpreter's languages")
        constraints = [models.UniqueConstraint(fields=["interpreter", "language"], name="interpreter_language_once")]

    def __str__(self):
        return f"{self.language} ({self.level})"


class InterpreterAvailability(models.Model):
    """A weekly window when the interpreter works: on `weekday` (0 is Monday), `start` to `end`, hospital time."""

    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=[(i, str(i)) for i in range(7)])
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="availability_ends_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="availability_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.interpreter} {self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class InterpreterAssignment(BaseModel):
    """An appointment's need for an interpreter, and who (if anyone) holds it.

    One row per attempt: a declined or released row stays as history and a new "requested" row takes its
    place; an appointment has at most one open row at a time.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        ASSIGNED = "assigned", _("Assigned")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    class How(models.TextChoices):
        AUTO = "auto", _("Matched automatically")
        OVERRIDE = "override", _("Chosen by a coordinator")
        VOLUNTEER = "volunteer", _("Volunteer offer")

    OPEN = (Status.REQUESTED, Status.OFFERED, Status.ACCEPTED, Status.ASSIGNED)
    HOLDING = (Status.ACCEPTED, Status.ASSIGNED)

    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.CASCADE,
                                    related_name="interpreter_assignments", verbose_name=_("appointment"))
    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    interpreter = models.ForeignKey(Interpreter, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="assignments", verbose_name=_("interpreter"))
    language = models.CharField(_("language"), max_length=35)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    how = models.CharField(_("how"), max_length=10, choices=How.choices, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    minutes_worked = models.PositiveSmallIntegerField(_("minutes worked"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interpreter assignment")
        verbose_name_plural = _("interpreter assignments")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["appointment"],
                                    condition=Q(status__in=["requested", "offered", "accepted", "assigned"]),
                                    name="interpreter_assignment_one_open_per_appointment"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="assignment_ends_after_start"),
            models.CheckConstraint(condition=Q(interpreter__isnull=False) | Q(status__in=["requested", "cancelled"]),
                                   name="assignment_has_interpreter_unless_requested"),
        ]
        indexes = [models.Index(fields=["hospital", "status", "start"])]

    def __str__(self):
        return f"{self.language} {self.start:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_open(self):
        return self.status in self.OPEN

    @property
    def is_holding(self):
        return self.status in self.HOLDING


class InterpreterClaim(models.Model):
    """One 15-minute block of an interpreter's time held by an assignment; the unique pair is the claim."""

    interpreter = models.ForeignKey(Interpreter, on_delete=models.CASCADE, related_name="claims")
    block = models.DateTimeField()
    assignment = models.ForeignKey(InterpreterAssignment, on_delete=models.CASCADE, related_name="claims")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["interpreter", "block"], name="interpreter_block_claimed_once")]

    def __str__(self):
        return f"{self.interpreter} {self.block:%Y-%m-%d %H:%M}"


class NavigatorAssignment(BaseModel):
    """A bilingual one-on-one guide (导诊) for a patient at a hospital: a coordinator or interpreter there."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="navigators",
                                verbose_name=_("patient"))
    navigator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="navigated_patients", verbose_name=_("navigator"))
    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))
    language = models.CharField(_("language"), max_length=35)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))

    class Meta:
        verbose_name = _("navigator assignment")
        verbose_name_plural = _("navigator assignments")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "hospital"], condition=Q(is_active=True),
                                    name="navigator_one_active_per_patient_and_hospital"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="navigator_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.navigator} → {self.patient} ({self.language})"
