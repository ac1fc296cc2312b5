"""Show an appointment's interpreter on pages of other apps (the appointment page is scheduling's)."""

from django import template

from carebridge.language.models import InterpreterAssignment

register = template.Library()


@register.simple_tag
def interpreter_for(appointment):
    """Return the appointment's open interpreter assignment (requested, offered or held), or None."""
    return (InterpreterAssignment.objects.select_related("interpreter__user")
            .filter(appointment=appointment, status__in=InterpreterAssignment.OPEN).first())
