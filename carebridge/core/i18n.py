"""Locale helpers: Babel/CLDR formatting of dates, numbers, money, countries and languages."""

import zoneinfo
from decimal import Decimal

import pycountry
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.conf import settings
from django.utils import timezone, translation

RTL_LANGUAGES = frozenset({"ar", "ur"})
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def babel_locale(language=None):
    """Return the Babel locale for a Django language code (zh-hans → zh_Hans)."""
    code = language or translation.get_language() or settings.LANGUAGE_CODE
    try:
        return Locale.parse(translation.to_locale(code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def is_rtl(language=None):
    """Tell whether a language is written right to left."""
    code = (language or translation.get_language() or "en").split("-")[0]
    return code in RTL_LANGUAGES


def format_datetime(value, *, tz=None, language=None, format="medium"):  # noqa: A002 - Babel's own name
    """Format an aware datetime in a time zone (the viewer's by default) for a locale."""
    if value is None:
        return ""
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else (tz or timezone.get_current_timezone())
    return babel_dates.format_datetime(value.astimezone(zone), format=format, locale=babel_locale(language))


def format_date(value, *, language=None, format="medium"):  # noqa: A002
    """Format a date for a locale."""
    if value is None:
        return ""
    return babel_dates.format_date(value, format=format, locale=babel_locale(language))


def format_money(amount, currency, *, language=None):
    """Format a Decimal amount in an ISO 4217 currency for a locale."""
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    return babel_numbers.format_currency(amount, currency, locale=babel_locale(language))


def format_number(value, *, language=None):
    """Format a number with the locale's separators."""
    return babel_numbers.format_decimal(value, locale=babel_locale(language))


def country_name(alpha_2, *, language=None):
    """Return a country's name in the locale's language (CLDR), falling back to ISO 3166's English name."""
    if not alpha_2:
        return ""
    code = alpha_2.upper()
    name = babel_locale(language).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def language_name(tag, *, language=None):
    """Return a language's name (BCP 47 tag) in the locale's language."""
    if not tag:
        return ""
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name(babel_locale(language)) or tag
    except (UnknownLocaleError, ValueError):
        found = pycountry.languages.get(alpha_2=tag) or pycountry.languages.get(alpha_3=tag)
        return found.name if found else tag


def valid_country(alpha_2):
    """Tell whether a code is an ISO 3166-1 alpha-2 country."""
    return bool(alpha_2) and pycountry.countries.get(alpha_2=alpha_2.upper()) is not None


def valid_currency(code):
    """Tell whether a code is an ISO 4217 currency."""
    return bool(code) and pycountry.currencies.get(alpha_3=code.upper()) is not None


def valid_time_zone(name):
    """Tell whether a name is an IANA time zone."""
    return bool(name) and name in zoneinfo.available_timezones()


def time_zone_choices():
    """Return the IANA time zones as form choices, sorted."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


def language_choices():
    """Return the UI languages, each in its own name."""
    return list(settings.LANGUAGES)
