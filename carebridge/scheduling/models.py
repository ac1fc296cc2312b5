"""Clinicians and their schedules, bookable slots, appointments, check-up itineraries, rooms.

Double booking is impossible by construction: a slot is held by at most one live appointment (a partial
unique index), and a room by at most one booking per night (a unique claim per room and night); the
database refuses the second claim whatever the application does.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel, TranslatableMixin


class Clinician(TranslatableMixin, BaseModel):
    """A doctor (or other clinician) who sees patients; translatable: bio."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="clinicians")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="clinician_profile")
    name = models.CharField(_("name"), max_length=150)
    name_local = models.CharField(_("name in Chinese"), max_length=150, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    departments = models.ManyToManyField("catalog.Department", related_name="clinicians", blank=True)
    services = models.ManyToManyField("catalog.Service", related_name="clinicians", blank=True)
    international_expert = models.BooleanField(_("international expert"), default=False)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="clinicians/", blank=True)
    is_active = models.BooleanField(_("seeing patients"), default=True)

    class Meta:
        verbose_name = _("clinician")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def speaks(self, language):
        base = (language or "").lower().split("-")[0]
        return any(spoken.language.lower().split("-")[0] == base
                   and spoken.proficiency != ClinicianLanguage.Level.BASIC for spoken in self.languages.all())


class ClinicianLanguage(models.Model):
    class Level(models.TextChoices):
        NATIVE = "native", _("Native")
        FLUENT = "fluent", _("Fluent (can consult)")
        BASIC = "basic", _("Basic")

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=35)
    proficiency = models.CharField(_("proficiency"), max_length=10, choices=Level.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinician", "language"], name="clinician_language_once")]

    def __str__(self):
        return f"{self.language} ({self.proficiency})"


class BookingPolicy(models.Model):
    """A hospital's booking rules: how soon one may book, how far ahead, and until when patients may cancel."""

    hospital = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="booking_policy")
    min_notice_hours = models.PositiveSmallIntegerField(_("book at least this many hours ahead"), default=2)
    max_days_ahead = models.PositiveSmallIntegerField(_("book at most this many days ahead"), default=120)
    cancel_cutoff_hours = models.PositiveSmallIntegerField(_("patients cancel or move up to this many hours before"),
                                                           default=24)
    opens_at = models.TimeField(_("outpatient opening time"), default=dt.time(7, 30))
    closes_at = models.TimeField(_("outpatient closing time"), default=dt.time(17, 30))

    def __str__(self):
        return f"{self.hospital} booking policy"


class ScheduleTemplate(models.Model):
    """A clinician's weekly session: on `weekday`, from `start` to `end` (hospital time), in slots of `slot_minutes`."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="schedule_templates")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=[(i, str(i)) for i in range(7)])
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="template_ends_after_start")]

    def __str__(self):
        return f"{self.clinician} {self.weekday} {self.start}-{self.end}"


class ScheduleException(models.Model):
    """A day a clinician does not work (leave, conference), or works other hours."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="schedule_exceptions")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    def __str__(self):
        return f"{self.clinician} off {self.date}"


class HospitalClosure(models.Model):
    """A day the hospital's outpatient services are closed (besides mainland China's public holidays)."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "date"], name="closure_once_a_day")]

    def __str__(self):
        return f"{self.hospital} closed {self.date}"


class Slot(BaseModel):
    """A bookable time: with a clinician, or one lane of a check-up package's day."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="slots")
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="slots", null=True, blank=True)
    package = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="package_slots", null=True,
                                blank=True)
    lane = models.PositiveSmallIntegerField(default=0)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    is_blocked = models.BooleanField(_("blocked"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinician", "start"], condition=Q(clinician__isnull=False),
                                    name="slot_clinician_start_once"),
            models.UniqueConstraint(fields=["package", "lane", "start"], condition=Q(package__isnull=False),
                                    name="slot_package_lane_start_once"),
            models.CheckConstraint(condition=Q(clinician__isnull=False) ^ Q(package__isnull=False),
                                   name="slot_for_clinician_or_package"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="slot_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.clinician or self.package} {self.start:%Y-%m-%d %H:%M}"


class Appointment(BaseModel):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("Did not come")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN)

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="appointments", null=True,
                                  blank=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=35, blank=True)
    note = models.TextField(_("note for the hospital"), blank=True)
    check_in_code = models.CharField(max_length=32, unique=True, editable=False)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    rescheduled_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reminders_sent = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("appointment")
        ordering = ["start"]
        constraints = [
            # The claim: a slot is held by one live appointment at most.
            models.UniqueConstraint(fields=["slot"], condition=Q(status__in=["booked", "confirmed", "checked_in"]),
                                    name="appointment_one_live_per_slot"),
        ]
        indexes = [models.Index(fields=["patient", "start"]), models.Index(fields=["hospital", "start"])]

    def __str__(self):
        return f"{self.patient} · {self.service} · {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_live(self):
        return self.status in self.LIVE


class ItineraryStop(models.Model):
    """One station of a check-up day, at its own time and area."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="itinerary")
    station = models.ForeignKey("catalog.PackageStation", on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    area = models.CharField(max_length=10)

    class Meta:
        ordering = ["start"]

    def __str__(self):
        return f"{self.station} {self.start:%H:%M}"


class RoomType(TranslatableMixin, BaseModel):
    """A kind of inpatient room, hotel-style; translatable: name, description."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Standard room")
        SINGLE = "single", _("Single room")
        VIP_SUITE = "vip_suite", _("VIP suite")
        FAMILY = "family", _("Family room with companion bed")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="room_types")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    nightly_price = models.DecimalField(_("price per night (CNY)"), max_digits=12, decimal_places=2)
    companion_beds = models.PositiveSmallIntegerField(_("companion beds"), default=0)
    # Extras offered with this room type: [{"code": "meals_halal", "name": "...", "price": "120.00"}].
    extras = models.JSONField(_("extras"), default=list, blank=True)

    def __str__(self):
        return self.name


class Room(models.Model):
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(_("room number"), max_length=20)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room_type", "number"], name="room_number_unique")]

    def __str__(self):
        return self.number


class RoomBooking(BaseModel):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        OCCUPIED = "occupied", _("Occupied")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="room_bookings")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    check_in = models.DateField(_("check-in"))
    check_out = models.DateField(_("check-out"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    extras = models.JSONField(default=list, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(check_out__gt=models.F("check_in")),
                                              name="room_booking_at_least_one_night")]

    def __str__(self):
        return f"{self.room} {self.check_in}–{self.check_out}"


class RoomNight(models.Model):
    """The claim of one room for one night; a second claim of the same night is refused by the database."""

    booking = models.ForeignKey(RoomBooking, on_delete=models.CASCADE, related_name="nights")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    night = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "night"], name="room_night_claimed_once")]

    def __str__(self):
        return f"{self.room} {self.night}"
