"""Reads of booking: free slots, availability by language, a patient's appointments, a desk's day."""

import datetime as dt
import zoneinfo

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from carebridge.scheduling.models import Appointment, Clinician, ClinicianLanguage, Slot


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
