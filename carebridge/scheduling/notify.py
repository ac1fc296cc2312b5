"""Messages about appointments, each rendered in its recipient's language and shown in the patient's time zone."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from carebridge.core import i18n
from carebridge.notifications.services import email_send_to_address, sms_send
from carebridge.scheduling.invites import appointment_ics

UI_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _ui_language(tag):
    tag = (tag or "en").lower()
    if tag in UI_LANGUAGES:
        return tag
    base = tag.split("-")[0]
    return "zh-hans" if base == "zh" else (base if base in UI_LANGUAGES else "en")


def _recipients(patient, guardians=True):
    """Yield (address, language) for the patient's own e-mail or account and each guardian's account.

    guardians=False says the caller has just seen that the patient has no guardian: no need to look again.
    """
    seen = set()
    if patient.account_id and patient.account.email:
        seen.add(patient.account.email)
        yield patient.account.email, patient.account.language
    if patient.email and patient.email not in seen:
        seen.add(patient.email)
        yield patient.email, _ui_language(patient.preferred_language)
    if not guardians:
        return
    # Only the two columns used: a whole guardian row (select_related) costs several times as much to compile.
    for email, language in patient.guardianships.filter(ended_at__isnull=True).values_list(
            "guardian__email", "guardian__language"):
        if email not in seen:
            seen.add(email)
            yield email, language


def message_context(appointment, language):
    """Return the texts of a message about the appointment, in one language (JSON-serialisable)."""
    patient = appointment.patient
    with translation.override(language):
        return {
            "patient_name": patient.preferred_name or patient.display_name,
            "service": appointment.service.translated("name"),
            "preparation": appointment.service.translated("preparation"),
            "hospital": appointment.hospital.name,
            "time_home": i18n.format_datetime(appointment.start, tz=patient.home_time_zone, format="full"),
            "home_zone": patient.home_time_zone,
            "time_hospital": i18n.format_datetime(appointment.start, tz=appointment.hospital.time_zone, format="short"),
            "hospital_zone": appointment.hospital.time_zone,
            "clinician": appointment.clinician.name if appointment.clinician_id else "",
            "check_in_code": appointment.check_in_code,
            "status": appointment.get_status_display(),
        }


def appointment_message_send(*, appointment, template, with_invite=False, guardians=True):
    """Queue an e-mail to each recipient in their language, and a text message to the patient's phone."""
    recipients = list(_recipients(appointment.patient, guardians=guardians))
    if not recipients and not appointment.patient.phone:
        return
    with transaction.atomic():
        _queue(appointment, template, recipients, with_invite)


def _queue(appointment, template, recipients, with_invite):
    for address, language in recipients:
        attachments = []
        if with_invite:
            attachments = [["appointment.ics", appointment_ics(appointment, language=language), "text/calendar"]]
        email_send_to_address(address=address, language=language, template=template,
                              context=message_context(appointment, language), attachments=attachments)
    if appointment.patient.phone:
        language = _ui_language(appointment.patient.preferred_language)
        sms_send(phone=appointment.patient.phone, language=language, template=f"{template}_sms",
                 context=message_context(appointment, language))
