"""Reads of the catalog: services of a hospital, one service with its stations, and money in other currencies."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from babel.numbers import get_currency_precision
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.catalog.models import Department, ExchangeRate, PackageStation, Service
from carebridge.core.errors import CareBridgeError
from carebridge.core.i18n import valid_currency
from carebridge.core.ids import is_uuid

HOME = "CNY"
RATE_PLACES = Decimal("1e-8")


@dataclass(frozen=True)
class RateInfo:
    """1 CNY = `rate` `currency`, as published on `date` by `source` (e.g. ECB, manual)."""

    currency: str
    rate: Decimal
    date: dt.date | None
    source: str
    base: str = HOME  # the rate's own base: EUR for a cross rate through the euro, CNY for a direct one


def minor_units(currency):
    """Return the number of decimals of a currency's minor unit (ISO 4217 via CLDR): JPY 0, USD 2, KWD 3."""
    return get_currency_precision(currency)


def round_money(amount, currency):
    """Round a Decimal amount to the currency's minor unit, half up."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def _rate_unknown(currency):
    return CareBridgeError(
        _("No exchange rate is known for %(currency)s. Prices are shown in Chinese yuan (CNY).")
        % {"currency": currency},
        code="rate_unknown", status=400, details={"currency": currency},
    )


def rate_for(currency, *, on=None):
    """Return how much of `currency` 1 CNY buys, from the newest rate on or before `on` (today by default).

    A direct CNY-based rate (entered by staff) and a cross rate through the euro (ECB: CNY→X = EUR→X / EUR→CNY,
    the CNY rate being the newest on or before the other's date) are both considered; the newer wins.
    """
    currency = (currency or "").strip().upper()
    on = on or timezone.localdate()
    if currency == HOME:
        return RateInfo(currency=HOME, rate=Decimal(1), date=None, source="", base=HOME)
    if not valid_currency(currency):
        raise _rate_unknown(currency)
    candidates = []
    direct = ExchangeRate.objects.filter(base=HOME, currency=currency, date__lte=on).order_by("-date").first()
    if direct:
        candidates.append(RateInfo(currency=currency, rate=direct.rate, date=direct.date, source=direct.source,
                                   base=HOME))
    if currency == "EUR":
        euro = ExchangeRate(date=None, currency="EUR", rate=Decimal(1), source="")
    else:
        euro = ExchangeRate.objects.filter(base="EUR", currency=currency, date__lte=on).order_by("-date").first()
    yuan = ExchangeRate.objects.filter(base="EUR", currency=HOME, date__lte=euro.date if euro and euro.date else on)
    yuan = yuan.order_by("-date").first() if euro else None
    if euro and yuan:
        with localcontext() as context:
            context.prec = 28
            cross = (euro.rate / yuan.rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        candidates.append(RateInfo(currency=currency, rate=cross, date=euro.date or yuan.date,
                                   source=euro.source or yuan.source, base="EUR"))
    if not candidates:
        raise _rate_unknown(currency)
    return max(candidates, key=lambda info: (info.date, info.base == HOME))


def price_in(amount_cny, currency, *, on=None):
    """Convert a CNY amount into `currency` with the newest rate on or before `on`; return (amount, RateInfo).

    The amount is a Decimal rounded to the currency's minor unit (half up); a float is refused. An unknown
    currency raises CareBridgeError `rate_unknown` (400).
    """
    if isinstance(amount_cny, float):
        raise TypeError("price_in takes a Decimal amount, never a float")
    amount = Decimal(amount_cny)
    info = rate_for(currency, on=on)
    with localcontext() as context:
        context.prec = 28
        converted = amount * info.rate
    return round_money(converted, info.currency), info


def latest_rates(*, on=None, currency=None):
    """Return RateInfo for every currency with a known rate (or the one asked), sorted by code."""
    on = on or timezone.localdate()
    if currency:
        return [rate_for(currency, on=on)]
    codes = set(ExchangeRate.objects.filter(date__lte=on).values_list("currency", flat=True)) - {HOME}
    if ExchangeRate.objects.filter(base="EUR", currency=HOME, date__lte=on).exists():
        codes.add("EUR")
    found = []
    for code in sorted(codes):
        try:
            found.append(rate_for(code, on=on))
        except CareBridgeError:
            continue  # a EUR-based rate without any CNY rate to cross it with
    return found


def hospital_list():
    """Return the hospitals whose catalog is public."""
    return Organisation.objects.filter(kind=OrganisationKind.HOSPITAL).order_by("name")


def hospital_by(*, slug=None, public_id=None):
    """Return a hospital by slug or public id, or None."""
    found = hospital_list()
    found = found.filter(slug=slug) if slug is not None else found.filter(public_id=public_id)
    return found.first()


def department_list(*, hospital):
    """Return a hospital's departments that offer at least one active service."""
    return Department.objects.filter(hospital=hospital, services__is_active=True).distinct().order_by("name")


def service_list(*, hospital, kind=None, department=None):
    """Return a hospital's active services, optionally of one kind and one department (code or public id)."""
    found = Service.objects.filter(hospital=hospital, is_active=True).select_related("department", "hospital")
    if kind:
        found = found.filter(kind=kind)
    if department:
        found = found.filter(department__code=department) if not is_uuid(department) else \
            found.filter(department__public_id=department)
    return found.order_by("kind", "name")


def service_get(*, public_id):
    """Return an active service with its stations in order, or None."""
    stations = Prefetch("stations", queryset=PackageStation.objects.order_by("order"))
    return (Service.objects.filter(public_id=public_id, is_active=True, hospital__kind=OrganisationKind.HOSPITAL)
            .select_related("department", "hospital").prefetch_related(stations).first())


def known_currencies(*, on=None):
    """Return the currency codes prices can be shown in: CNY, then every currency with a usable rate, sorted."""
    on = on or timezone.localdate()
    stored = ExchangeRate.objects.filter(date__lte=on)
    codes = set(stored.filter(base=HOME).values_list("currency", flat=True))
    if stored.filter(base="EUR", currency=HOME).exists():
        codes |= set(stored.filter(base="EUR").values_list("currency", flat=True)) | {"EUR"}
    return [HOME] + sorted(codes - {HOME})
