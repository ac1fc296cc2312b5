"""Reminders before an appointment, in the patient's language and time zone; safe to run twice."""

from django.db import transaction
from django.utils import timezone

from carebridge.core.jobs import job_handler


@job_handler("scheduling.reminder")
def appointment_reminder_send(*, appointment_id, kind):
    """Send the 48-hour or 3-hour reminder of a live appointment, once."""
    from carebridge.scheduling.models import Appointment
    from carebridge.scheduling.notify import appointment_message_send

    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if appointment is None or not appointment.is_live or kind in appointment.reminders_sent:
            return
        if appointment.start <= timezone.now():
            return
        appointment.reminders_sent = [*appointment.reminders_sent, kind]
        appointment.save(update_fields=["reminders_sent", "updated_at"])
        appointment_message_send(appointment=appointment, template="scheduling/messages/reminder")
