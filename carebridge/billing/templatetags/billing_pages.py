"""Template helpers of the billing pages: CNY with the patient's currency beside, links that may not exist yet."""

from decimal import Decimal, localcontext

from django import template
from django.urls import NoReverseMatch, reverse

from carebridge.catalog.selectors import round_money
from carebridge.core import i18n

register = template.Library()


def converted(amount, currency, rate):
    """Return a CNY amount in another currency at a frozen rate (1 CNY = rate × currency), or None."""
    if amount is None or not currency or currency == "CNY" or not rate:
        return None
    with localcontext() as context:
        context.prec = 28
        return round_money(Decimal(amount) * Decimal(rate), currency)


@register.simple_tag
def cny(amount):
    """Format an amount in Chinese yuan for the current locale."""
    return i18n.format_money(amount or Decimal(0), "CNY")


@register.simple_tag
def beside(amount, currency, rate):
    """Format a CNY amount in the patient's currency at the frozen rate ("" when the currency is CNY or unknown)."""
    value = converted(amount, currency, rate)
    return "" if value is None else i18n.format_money(value, currency)


@register.simple_tag
def url_if_exists(name, *args):
    """Return the URL of a route another part of billing adds (online payment, PDFs), or "" until it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
