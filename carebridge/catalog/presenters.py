"""Shape catalog records for pages and the API: texts in the viewer's language, prices in CNY and another currency."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carebridge.catalog.selectors import HOME, RateInfo, round_money
from carebridge.core.i18n import babel_locale, format_date, format_money


def format_rate(rate):
    """Format a rate with up to four decimals for the current locale (1 CNY = 0.1406 USD)."""
    from babel.numbers import format_decimal

    return format_decimal(rate, format="#,##0.####", locale=babel_locale())


def rate_sentence(info: RateInfo):
    """Say which rate a converted price used, and of which day: '1 CNY = 0.1406 USD, ECB reference rate of …'."""
    if info is None or info.currency == HOME:
        return ""
    values = {"rate": format_rate(info.rate), "currency": info.currency, "date": format_date(info.date)}
    if info.source == "ECB":
        return _("1 CNY = %(rate)s %(currency)s, ECB reference rate of %(date)s") % values
    return _("1 CNY = %(rate)s %(currency)s, rate set by the hospital on %(date)s") % values


def duration_text(minutes):
    """Say a duration in minutes."""
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def converted(amount_cny, info: RateInfo | None):
    """Convert with an already chosen rate (one per page), rounded to the currency's minor unit."""
    if info is None or info.currency == HOME:
        return None
    return round_money(Decimal(amount_cny) * info.rate, info.currency)


def service_row(service, info):
    """Return a service's texts in the viewer's language and its price in CNY and in the rate's currency."""
    other = converted(service.price, info)
    department = service.department
    return {
        "service": service,
        "name": service.translated("name"),
        "description": service.translated("description"),
        "preparation": service.translated("preparation"),
        "department": department.translated("name") if department else "",
        "kind": service.get_kind_display(),
        "duration": duration_text(service.duration_minutes),
        "price_cny": format_money(service.price, HOME),
        "price_other": format_money(other, info.currency) if other is not None else "",
    }
