"""Reads of booking: free slots, availability by language, a patient's appointments, a desk's day."""

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from carebridge.accounts.models import Organisation
from carebridge.catalog.models import Service
from carebridge.patients.models import Guardianship, MedicalRecordNumber
from carebridge.scheduling.models import Appointment, Clinician, ClinicianLanguage, Slot

CACHE_SECONDS = 60


def _service_key(public_id):
    return f"scheduling:service:{public_id}"


def _hospital_key(pk):
    return f"scheduling:hospital:{pk}"


def hospital_get(pk):
    """Return the organisation with this (internal) id; cached briefly (saving or deleting it clears it)."""
    key = _hospital_key(pk)
    hospital = cache.get(key)
    if hospital is None:
        hospital = Organisation.objects.get(pk=pk)
        cache.set(key, hospital, timeout=CACHE_SECONDS)
    return hospital


@receiver(post_save, sender=Organisation, dispatch_uid="scheduling.hospital_forget_saved")
@receiver(post_delete, sender=Organisation, dispatch_uid="scheduling.hospital_forget_deleted")
def hospital_forget(sender, instance, **kwargs):
    cache.delete(_hospital_key(instance.pk))


def slot_get(public_id):
    """Return the slot a public id names (with its clinician and hospital), or None."""
    slot = next(iter(Slot.objects.select_related("clinician").filter(public_id=public_id).order_by()[:1]), None)
    if slot is not None:
        # Hospitals change a few times a year: from the cache, not joined into every booking's read of its slot.
        slot.hospital = hospital_get(slot.hospital_id)
    return slot


def service_get(public_id):
    """Return the service a public id names, or None; cached briefly (saving or deleting a service clears it).

    Every booking names its service; services change a few times a year, bookings many times a minute.
    """
    key = _service_key(public_id)
    service = cache.get(key)
    if service is None:
        service = next(iter(Service.objects.filter(public_id=public_id).order_by()[:1]), None)
        if service is not None:
            cache.set(key, service, timeout=CACHE_SECONDS)
    return service


@receiver(post_save, sender=Service, dispatch_uid="scheduling.service_forget_saved")
@receiver(post_delete, sender=Service, dispatch_uid="scheduling.service_forget_deleted")
def service_forget(sender, instance, **kwargs):
    cache.delete(_service_key(instance.public_id))


def _live_claim():
    return Appointment.objects.filter(slot=OuterRef("pk"), status__in=Appointment.LIVE)


def free_slots(*, hospital, service, start=None, end=None, clinician=None, language=None):
    """Return open, unbooked future slots for a service (clinicians offering it, or the package's lanes)."""
    start = max(start or timezone.now(), timezone.now())
    qs = Slot.objects.filter(hospital=hospital, is_blocked=False, start__gte=start).exclude(Exists(_live_claim()))
    if end is not None:
        qs = qs.filter(start__lt=end)
    if service.kind == "checkup_package":
        qs = qs.filter(package=service)
    else:
        qs = qs.filter(clinician__services=service, clinician__is_active=True)
        if clinician is not None:
            qs = qs.filter(clinician=clinician)
        if language:
            speaking = ClinicianLanguage.objects.filter(
                clinician=OuterRef("clinician"), language__istartswith=language.split("-")[0]
            ).exclude(proficiency=ClinicianLanguage.Level.BASIC)
            qs = qs.filter(Exists(speaking))
    return qs.select_related("clinician", "package").order_by("start", "pk")


def availability(*, hospital, service, date_from, date_to, language=None, clinician=None):
    """Return free slots between two dates (hospital days), one per start time for packages."""
    zone = zoneinfo.ZoneInfo(hospital.time_zone)
    start = dt.datetime.combine(date_from, dt.time.min, zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone)
    slots = list(free_slots(hospital=hospital, service=service, start=start, end=end, clinician=clinician,
                            language=language)[:2000])
    if service.kind == "checkup_package":
        seen, unique = set(), []
        for slot in slots:
            if slot.start not in seen:
                seen.add(slot.start)
                unique.append(slot)
        return unique
    return slots


def first_free_by_clinician(*, hospital, service, language=None):
    """Return [(clinician, first free slot)] for the clinicians offering a service, soonest first."""
    result = []
    clinicians = Clinician.objects.filter(hospital=hospital, services=service, is_active=True).prefetch_related(
        Prefetch("languages"))
    for clinician in clinicians:
        slot = free_slots(hospital=hospital, service=service, clinician=clinician).first()
        speaks = clinician.speaks(language) if language else None
        result.append((clinician, slot, speaks))
    return sorted(result, key=lambda item: (item[1] is None, item[1].start if item[1] else None))


def clinicians_speaking(*, hospital, language):
    """Return the clinicians who consult in a language (native or fluent)."""
    return Clinician.objects.filter(hospital=hospital, is_active=True, languages__language__istartswith=language
                                    .split("-")[0]).exclude(languages__proficiency="basic").distinct()


def appointments_of_patients(patients):
    """Return appointments of the given patients, soonest first."""
    return Appointment.objects.filter(patient__in=patients).select_related(
        "service", "hospital", "clinician", "patient").order_by("start")


def appointments_on_day(*, hospital, day):
    """Return a hospital's appointments on one local day."""
    zone = zoneinfo.ZoneInfo(hospital.time_zone)
    start = dt.datetime.combine(day, dt.time.min, zone)
    return Appointment.objects.filter(hospital=hospital, start__gte=start, start__lt=start + dt.timedelta(days=1)
                                      ).select_related("patient", "service", "clinician").order_by("start")


def upcoming(qs):
    return qs.filter(Q(status__in=Appointment.LIVE), start__gte=timezone.now())


@dataclass(frozen=True)
class BookingFacts:
    """What booking a slot for a patient must know beyond the rows themselves, read in one statement."""

    offers_service: bool  # the slot's clinician offers the service (True for package slots: checked by id)
    patient_busy: bool  # the patient already holds a live appointment overlapping the slot
    clinician_speaks: bool  # the clinician consults (native or fluent) in the patient's preferred language
    patient_registered: bool  # the patient already has a record number at the slot's hospital
    patient_has_guardians: bool  # someone holds a current guardianship of the patient (and gets the messages)


@functools.cache
def _facts_sql(vendor):
    q = connection.ops.quote_name

    def table(model):
        return q(model._meta.db_table)

    def col(model, name):
        return q(model._meta.get_field(name).column)

    offers = Clinician.services.through
    a, cl, mrn, g = Appointment, ClinicianLanguage, MedicalRecordNumber, Guardianship
    live = ", ".join(["%s"] * len(Appointment.LIVE))
    # Only the models' own (quoted) table and column names are put into the text; every value is a parameter.
    return (
        f"SELECT EXISTS (SELECT 1 FROM {table(offers)} WHERE {col(offers, 'clinician')} = %s"  # noqa: S608
        f" AND {col(offers, 'service')} = %s),"
        f" EXISTS (SELECT 1 FROM {table(a)} WHERE {col(a, 'patient')} = %s AND {col(a, 'status')} IN ({live})"
        f" AND {col(a, 'start')} < %s AND {col(a, 'end')} > %s),"
        f" EXISTS (SELECT 1 FROM {table(cl)} WHERE {col(cl, 'clinician')} = %s AND {col(cl, 'proficiency')} <> %s"
        f" AND (LOWER({col(cl, 'language')}) = %s OR LOWER({col(cl, 'language')}) LIKE %s ESCAPE '!')),"
        f" EXISTS (SELECT 1 FROM {table(mrn)} WHERE {col(mrn, 'patient')} = %s AND {col(mrn, 'hospital')} = %s),"
        f" EXISTS (SELECT 1 FROM {table(g)} WHERE {col(g, 'patient')} = %s AND {col(g, 'ended_at')} IS NULL)"
    )


def booking_facts(*, slot, service, patient):
    """Return the BookingFacts of booking `slot` for `patient` and `service`.

    The questions are independent EXISTS probes, asked in one statement: through the ORM they cost a
    statement each, and booking is the platform's hottest write (bench/booking.py). The SQL is built from the
    models' own table and column names, so a rename cannot leave it behind silently.
    """
    base = (patient.preferred_language or "").lower().split("-")[0]
    like = base.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "-%"
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        slot.clinician_id, service.pk,
        patient.pk, *[str(status) for status in Appointment.LIVE], adapt(slot.end), adapt(slot.start),
        slot.clinician_id, ClinicianLanguage.Level.BASIC.value, base, like,
        patient.pk, slot.hospital_id,
        patient.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(connection.vendor), params)
        offers, busy, speaks, registered, guarded = cursor.fetchone()
    return BookingFacts(offers_service=bool(offers) if slot.clinician_id else True, patient_busy=bool(busy),
                        clinician_speaks=bool(speaks), patient_registered=bool(registered),
                        patient_has_guardians=bool(guarded))
