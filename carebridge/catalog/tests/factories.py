"""Small builders for the catalog tests: rates per 1 EUR on a day, and a hospital's services."""

import datetime as dt
from decimal import Decimal

from carebridge.catalog.models import Department, ExchangeRate, PackageStation, Service

DAY = dt.date(2026, 11, 20)


def rates(day=DAY, *, base="EUR", source="ECB", **per_base):
    """Store rates `1 base = value CUR` for a day, e.g. rates(CNY="8.0", USD="1.1")."""
    for currency, value in per_base.items():
        ExchangeRate.objects.create(date=day, base=base, currency=currency, rate=Decimal(value), source=source)


def department(hospital, code="radiology", name="Radiology", **translations):
    return Department.objects.create(hospital=hospital, code=code, name=name,
                                     translations={lang: {"name": text} for lang, text in translations.items()})


def chest_ct(hospital, *, dept=None, price="680.00"):
    return Service.objects.create(
        hospital=hospital, department=dept or department(hospital), kind=Service.Kind.IMAGING, code="chest-ct",
        name="Chest CT", preparation="Remove metal objects.", duration_minutes=15, price=Decimal(price),
        translations={"ru": {"name": "КТ органов грудной клетки", "preparation": "Снимите металлические предметы."}},
    )


def checkup(hospital, *, price="3880.00"):
    package = Service.objects.create(
        hospital=hospital, kind=Service.Kind.CHECKUP_PACKAGE, code="checkup-comprehensive",
        name="Comprehensive health check-up", preparation="Do not eat for 8 hours before the blood draw.",
        duration_minutes=240, price=Decimal(price))
    for order, name, area in [(1, "Registration", "general"), (2, "Blood draw (fasting)", "general"),
                              (3, "Ultrasound – women's area", "female"), (4, "Ultrasound – men's area", "male")]:
        PackageStation.objects.create(package=package, order=order, name=name, area=area, duration_minutes=10)
    return package
