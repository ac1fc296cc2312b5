"""Calendar invitations (iCalendar, RFC 5545) for appointments."""

from django.utils import translation
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//CareBridge//Appointments//EN"


def appointment_ics(appointment, *, language="en", method="REQUEST"):
    """Return the .ics text of an appointment (UTC times), its texts in the given language."""
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("method", method)
        event = Event()
        event.add("uid", f"{appointment.public_id}@carebridge")
        event.add("dtstamp", appointment.updated_at)
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("summary", appointment.service.translated("name"))
        hospital = appointment.hospital
        event["location"] = vText(f"{hospital.name}, {hospital.city}" if hospital.city else hospital.name)
        description = appointment.service.translated("preparation") or appointment.service.translated("description")
        if description:
            event.add("description", description)
        organizer = vCalAddress("mailto:no-reply@carebridge.invalid")
        organizer.params["cn"] = vText(hospital.name)
        event["organizer"] = organizer
        event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
        event.add("sequence", len(appointment.reminders_sent) if method == "REQUEST" else 1)
        calendar.add_component(event)
    return calendar.to_ical().decode()
