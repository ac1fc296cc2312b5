"""Show the current consent texts in templates of any app."""

from django import template

from carebridge.audit.consent_texts import consent_text

register = template.Library()


@register.simple_tag
def consent_wording(kind):
    """Return the current wording of a consent kind in the active language."""
    return consent_text(kind)[1]


@register.simple_tag
def consent_version(kind):
    """Return the current version of a consent kind's wording."""
    return consent_text(kind)[0]
