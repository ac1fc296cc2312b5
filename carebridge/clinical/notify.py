"""Tell the patient and guardians a report is ready: by e-mail (a link only, no health data) and in the portal."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from carebridge.notifications.services import email_send_to_address, in_app_message_send

TEMPLATE = "clinical/messages/report_ready"


def _people(patient):
    """Yield the accounts that hold the record: the patient's own and active guardians'."""
    if patient.account_id:
        yield patient.account
    for guardianship in patient.guardianships.filter(ended_at__isnull=True).select_related("guardian"):
        yield guardianship.guardian


def report_released_notify(report):
    """Queue the e-mails and leave the portal messages, each in its recipient's language."""
    link = reverse("clinical:portal_report", args=[report.public_id])
    context = {"hospital": report.hospital.name, "link": link,
               "patient_name": report.patient.preferred_name or report.patient.given_names or report.patient.family_name}
    with transaction.atomic():
        for person in _people(report.patient):
            in_app_message_send(user=person, template=TEMPLATE, context=context, link=link)
            email_send_to_address(address=person.email, language=person.language, template=TEMPLATE,
                                  context={**context, "link": settings.SITE_URL + link})
