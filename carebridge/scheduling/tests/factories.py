"""Booking test data: a consultation service, doctors with their languages, open slots on working days."""

import datetime as dt
import zoneinfo

from django.utils import timezone

from carebridge.catalog.models import PackageStation, Service
from carebridge.scheduling.calendar_rules import is_public_holiday
from carebridge.scheduling.models import Clinician, ClinicianLanguage, Room, RoomType, Slot

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def working_day(days_ahead=3):
    """Return a weekday at least `days_ahead` days from now that is not a public holiday in China."""
    day = timezone.localdate(timezone.now(), SHANGHAI) + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return day


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def consultation(hospital, code="consult-international", name="International clinic consultation"):
    return Service.objects.create(hospital=hospital, kind=Service.Kind.INTERNATIONAL_CLINIC, code=code, name=name,
                                  duration_minutes=30, price="800.00",
                                  translations={"ru": {"name": "Консультация в международной клинике"}})


def doctor(hospital, service, *, name="Dr Chen Wei", languages=(("zh-hans", "native"), ("en", "fluent"))):
    clinician = Clinician.objects.create(hospital=hospital, name=name)
    for language, level in languages:
        ClinicianLanguage.objects.create(clinician=clinician, language=language, proficiency=level)
    clinician.services.add(service)
    return clinician


def open_slot(clinician, start):
    return Slot.objects.create(hospital=clinician.hospital, clinician=clinician, start=start,
                               end=start + dt.timedelta(minutes=30))


def checkup_package(hospital):
    package = Service.objects.create(hospital=hospital, kind=Service.Kind.CHECKUP_PACKAGE, code="checkup-comprehensive",
                                     name="Comprehensive health check-up", duration_minutes=180, price="3280.00",
                                     preparation="Fast for 8 hours before.",
                                     translations={"ru": {"name": "Комплексное обследование"}})
    for order, (name, area, minutes) in enumerate([
        ("Registration", "general", 10), ("Blood draw", "general", 15), ("Ultrasound (women)", "female", 30),
        ("Ultrasound (men)", "male", 30), ("ECG", "general", 15), ("Doctor's summary", "general", 20),
    ]):
        PackageStation.objects.create(package=package, order=order, name=name, area=area, duration_minutes=minutes)
    return package


def rooms(hospital, *, kind="vip_suite", count=1):
    room_type = RoomType.objects.create(hospital=hospital, kind=kind, name="VIP suite", nightly_price="3880.00",
                                        extras=[{"code": "meals_halal", "name": "Halal meals", "price": "120.00"}])
    for number in range(count):
        Room.objects.create(room_type=room_type, number=f"8{number:02d}")
    return room_type
