"""Language-services test data: a consultation, a Chinese-speaking doctor, open slots, an interpreter pool."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from carebridge.accounts.models import Membership, Role
from carebridge.catalog.models import Service
from carebridge.language.services import interpreter_add
from carebridge.patients.tests.factories import registered_child, td3
from carebridge.scheduling.calendar_rules import is_public_holiday
from carebridge.scheduling.models import Clinician, ClinicianLanguage, Slot
from carebridge.scheduling.services import appointment_book

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WORKING_WEEK = [(weekday, dt.time(7, 30), dt.time(17, 30)) for weekday in range(6)]


def working_day(days_ahead=3):
    """Return a weekday at least `days_ahead` days ahead that is not a public holiday in mainland China."""
    day = timezone.localdate(timezone.now(), SHANGHAI) + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return day


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def pool_member(hospital, email, *, kind="staff", languages=(("mn", "native"),), certification="none",
                organisation="", user=None, language="zh-hans"):
    """Put a person (new, or the given user) into the hospital's interpreter pool, working Monday to Saturday."""
    if user is None:
        user = get_user_model().objects.create_user(email=email, password="a-long-enough-passphrase-2026",
                                                    full_name=email.split("@")[0].title(), language=language,
                                                    email_verified_at=timezone.now())
        Membership.objects.create(user=user, organisation=hospital, role=Role.INTERPRETER)
    return interpreter_add(user=user, hospital=hospital, kind=kind, certification=certification,
                           organisation=organisation, languages=list(languages), windows=WORKING_WEEK)


@pytest.fixture
def day():
    return working_day()


@pytest.fixture
def consultation(haikou):
    return Service.objects.create(hospital=haikou, kind=Service.Kind.INTERNATIONAL_CLINIC, code="consult",
                                  name="International clinic consultation", duration_minutes=30, price="800.00")


def doctor(hospital, service, name):
    clinician = Clinician.objects.create(hospital=hospital, name=name)
    ClinicianLanguage.objects.create(clinician=clinician, language="zh-hans", proficiency="native")
    ClinicianLanguage.objects.create(clinician=clinician, language="en", proficiency="fluent")
    clinician.services.add(service)
    return clinician


@pytest.fixture
def dr_chen(haikou, consultation):
    """A paediatrician who speaks Chinese and English, not Mongolian."""
    return doctor(haikou, consultation, "Dr Chen Wei")


@pytest.fixture
def dr_li(haikou, consultation):
    return doctor(haikou, consultation, "Dr Li Na")


@pytest.fixture
def temuulen(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.fixture
def bat_erdene(interpreter, haikou):
    """The conftest's Haikou interpreter (reads Mongolian), in the pool as staff with a medical certificate."""
    return pool_member(haikou, "", user=interpreter, certification="medical")


@pytest.fixture
def book(consultation, coordinator):
    """Book the patient with a doctor at a time (a slot made for it); return the appointment."""

    def _book(patient, clinician, start, minutes=30):
        slot = Slot.objects.create(hospital=clinician.hospital, clinician=clinician, start=start,
                                   end=start + dt.timedelta(minutes=minutes))
        return appointment_book(patient=patient, slot=slot, service=consultation, booked_by=coordinator)

    return _book


@pytest.fixture
def oyun(guardian, haikou):
    """Temuulen's sister, also Mongolian-speaking."""
    return registered_child(guardian=guardian, hospital=haikou, mrz=td3(
        surname="BATBAYAR", given="OYUN", number="E99999999", nationality="MNG", birth="200101", sex="F",
        expiry="300101"))


@pytest.fixture
def sara(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou, mrz=td3(
        surname="BATBAYAR", given="SARA", number="E88888888", nationality="MNG", birth="210101", sex="F",
        expiry="300101"))
