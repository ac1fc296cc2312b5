"""Writes of the catalog: exchange rates imported from an ECB-style file or entered by staff."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.audit.services import audit_record
from carebridge.catalog.models import ExchangeRate
from carebridge.catalog.rate_files import (
    RATE_SOURCES,
    RateFileError,
    parse_currency,
    parse_rate,
    parse_rate_file,
)
from carebridge.core.errors import Conflict, ValidationFailed

MANUAL = "manual"


@dataclass
class RateImport:
    """What an import did: the dates read, and how many rates were created, updated or already the same."""

    dates: list[dt.date] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def currencies(self):
        return self.created + self.updated + self.unchanged


def _store(*, day, base, currency, rate, source, entered_by, result):
    existing = ExchangeRate.objects.select_for_update().filter(date=day, base=base, currency=currency).first()
    if existing is None:
        ExchangeRate.objects.create(date=day, base=base, currency=currency, rate=rate, source=source,
                                    entered_by=entered_by)
        result.created += 1
    elif existing.rate == rate and existing.source == source:
        result.unchanged += 1
    else:
        existing.rate, existing.source, existing.entered_by = rate, source, entered_by
        existing.save(update_fields=["rate", "source", "entered_by"])
        result.updated += 1


def exchange_rates_import(*, content, filename="", source="ECB", imported_by=None, request=None):
    """Store the rates of an ECB-style XML or CSV file (1 EUR = x); all or nothing, and idempotent.

    The whole file is read and checked first; a bad file raises RateFileError and writes nothing.
    Re-importing the same file changes nothing; a corrected file for a date replaces that date's rates.
    """
    if source not in RATE_SOURCES:
        raise ValidationFailed(details={"source": [_("Choose ECB or manual.")]})
    days = parse_rate_file(content, filename=filename)
    result = RateImport(dates=sorted(days))
    with transaction.atomic():
        for day in result.dates:
            for currency, rate in sorted(days[day].items()):
                _store(day=day, base="EUR", currency=currency, rate=rate, source=source,
                       entered_by=imported_by if source == MANUAL else None, result=result)
        if result.created or result.updated:
            audit_record(action="exchange_rates.imported", actor=imported_by, request=request,
                         object_type="exchange_rates", object_id=",".join(d.isoformat() for d in result.dates),
                         details={"source": source, "filename": filename[:200], "created": result.created,
                                  "updated": result.updated, "unchanged": result.unchanged})
    return result


def exchange_rate_enter(*, date, currency, rate, entered_by, base="CNY", request=None):
    """Record one rate typed by staff (1 `base` = `rate` `currency`, source "manual").

    Correcting a manual rate of the same date replaces it; a published (ECB) rate is never overwritten by hand.
    """
    try:
        base = parse_currency(base)
    except RateFileError as exc:
        raise ValidationFailed(details={"base": [str(exc.message)]}) from exc
    try:
        currency = parse_currency(currency)
    except RateFileError as exc:
        raise ValidationFailed(details={"currency": [str(exc.message)]}) from exc
    if base not in ("CNY", "EUR"):
        raise ValidationFailed(details={"base": [_("Rates are entered per 1 CNY or per 1 EUR.")]})
    if currency == base:
        raise ValidationFailed(details={"currency": [_("Choose a currency other than the base.")]})
    try:
        rate = parse_rate(str(rate), currency)
    except RateFileError as exc:
        raise ValidationFailed(details={"rate": [str(exc.message)]}) from exc
    if not isinstance(date, dt.date) or date > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationFailed(details={"date": [_("A rate cannot be entered for a future date.")]})
    with transaction.atomic():
        existing = ExchangeRate.objects.select_for_update().filter(date=date, base=base, currency=currency).first()
        if existing is not None and existing.source != MANUAL:
            raise Conflict(
                _("A %(source)s rate for %(currency)s on this date is already recorded; it is not changed by hand.")
                % {"source": existing.source, "currency": currency},
                code="rate_published", details={"currency": currency, "date": date.isoformat()})
        rate_row, created = ExchangeRate.objects.update_or_create(
            date=date, base=base, currency=currency,
            defaults={"rate": Decimal(rate), "source": MANUAL, "entered_by": entered_by})
        audit_record(action="exchange_rate.entered", actor=entered_by, request=request,
                     object_type="exchange_rate", object_id=f"{date.isoformat()}:{base}:{currency}",
                     details={"rate": str(rate), "created": created})
    return rate_row
