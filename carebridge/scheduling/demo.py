"""Demo clinicians with their languages and weekly hours, bookable for the coming weeks, and hotel-style rooms."""

import datetime as dt

from django.dispatch import receiver
from django.utils import timezone

from carebridge.accounts.signals import demo_data_requested
from carebridge.catalog.models import Service
from carebridge.scheduling.models import Clinician, ClinicianLanguage, Room, RoomType, ScheduleTemplate
from carebridge.scheduling.services import package_slots_generate, slots_generate

WEEKS_AHEAD = 8
CLINICIANS = [
    # hospital, user e-mail, name, Chinese name, international expert, languages, service codes
    ("haikou-intl", "clinician@haikou.demo", "Dr Chen Wei", "陈伟", False, [("zh-hans", "native"), ("en", "fluent")],
     ["consult-paediatric-respiratory", "consult-international"]),
    ("haikou-intl", None, "Dr Li Hua", "李华", False, [("zh-hans", "native"), ("ru", "fluent")],
     ["consult-international", "consult-thyroid"]),
    ("haikou-intl", None, "Dr Sarah Lim", "林莎拉", True, [("en", "native"), ("zh-hans", "fluent"), ("ms", "fluent")],
     ["consult-international", "consult-paediatric-respiratory"]),
    ("chongqing-intl", "clinician@chongqing.demo", "Dr Li Na", "李娜", False,
     [("zh-hans", "native"), ("en", "fluent")], ["consult-thyroid", "consult-international"]),
]
ROOM_TYPES = [
    ("standard", "Standard room", 680, 0, 4),
    ("single", "Single room", 1280, 0, 3),
    ("vip_suite", "VIP suite", 3880, 1, 1),
    ("family", "Family room with companion bed", 1880, 1, 2),
]
FLOORS = {"standard": "3", "single": "5", "family": "6", "vip_suite": "8"}
EXTRAS = [
    {"code": "meals_halal", "name": "Halal meals", "price": "120.00"},
    {"code": "meals_western", "name": "Western meals", "price": "150.00"},
    {"code": "airport_pickup", "name": "Airport pick-up", "price": "300.00"},
    {"code": "companion_meals", "name": "Meals for a companion", "price": "100.00"},
]


@receiver(demo_data_requested)
def demo_scheduling_load(sender, organisations, users, **kwargs):
    """Create the demo clinicians, their hours and slots, the check-up package's times, and rooms (idempotent)."""
    today = timezone.localdate()
    end = today + dt.timedelta(weeks=WEEKS_AHEAD)
    for slug, email, name, local, expert, languages, codes in CLINICIANS:
        hospital = organisations[slug]
        clinician, created = Clinician.objects.get_or_create(
            hospital=hospital, name=name,
            defaults={"name_local": local, "international_expert": expert, "user": users.get(email),
                      "title": "Attending physician"})
        if created:
            for language, level in languages:
                ClinicianLanguage.objects.create(clinician=clinician, language=language, proficiency=level)
            for weekday in range(5):
                ScheduleTemplate.objects.create(clinician=clinician, weekday=weekday, start=dt.time(8, 0),
                                                end=dt.time(12, 0), slot_minutes=30)
                ScheduleTemplate.objects.create(clinician=clinician, weekday=weekday, start=dt.time(14, 0),
                                                end=dt.time(17, 0), slot_minutes=30)
            clinician.services.set(Service.objects.filter(hospital=hospital, code__in=codes))
        slots_generate(clinician=clinician, start_date=today, end_date=end)
    for package in Service.objects.filter(kind=Service.Kind.CHECKUP_PACKAGE):
        package_slots_generate(package=package, start_date=today, end_date=end)
    for slug in ("haikou-intl", "chongqing-intl"):
        hospital = organisations[slug]
        for kind, room_name, price, companion_beds, count in ROOM_TYPES:
            room_type, created = RoomType.objects.get_or_create(
                hospital=hospital, kind=kind,
                defaults={"name": room_name, "nightly_price": price, "companion_beds": companion_beds,
                          "extras": EXTRAS})
            for number in range(1, count + 1):
                Room.objects.get_or_create(room_type=room_type, number=f"{FLOORS[kind]}{number:02d}")
