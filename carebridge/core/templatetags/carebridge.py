"""Template filters that format values per locale (Babel) and per viewer time zone."""

from django import template

from carebridge.core import i18n

register = template.Library()


@register.filter
def local_datetime(value, tz=None):
    """Format an aware datetime in the viewer's (or the given) time zone."""
    return i18n.format_datetime(value, tz=tz)


@register.filter
def local_date(value):
    """Format a date for the current locale."""
    return i18n.format_date(value)


@register.simple_tag
def money(amount, currency):
    """Format an amount in a currency for the current locale."""
    return i18n.format_money(amount, currency)


@register.filter
def country(alpha_2):
    """Name a country in the current locale."""
    return i18n.country_name(alpha_2)


@register.filter
def language(tag):
    """Name a language in the current locale."""
    return i18n.language_name(tag)


@register.simple_tag
def translated(obj, field):
    """Return a staff-written field of a record in the current language (TranslatableMixin)."""
    return obj.translated(field)


@register.filter
def translated_field(obj, field):
    """Return a staff-written field of a record in the current language, as a filter."""
    return obj.translated(field)
