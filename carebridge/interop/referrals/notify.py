"""Tell the patient's people about a referral in their language: a portal message, and an e-mail with a link only
(no hospital, reason or other health data); tell the receiving hospital's coordinators of a new one."""

from django.conf import settings
from django.urls import reverse

from carebridge.accounts.models import Role
from carebridge.notifications.services import email_send_to_address, in_app_message_send

TEMPLATES = "interop/referrals/messages/"


def _people(patient):
    """Yield the accounts that hold the record: the patient's own and active guardians'."""
    if patient.account_id:
        yield patient.account
    for guardianship in patient.guardianships.filter(ended_at__isnull=True).select_related("guardian"):
        yield guardianship.guardian


def _context(referral):
    return {"patient_name": referral.patient.preferred_name or referral.patient.given_names
            or referral.patient.family_name,
            "from_hospital": referral.from_hospital.name, "to_hospital": referral.to_hospital.name,
            "status": referral.status, "needs_consent": not referral.has_records_consent}


def _tell_patient(referral, template):
    link = reverse("referrals:portal_list")
    context = _context(referral)
    for person in _people(referral.patient):
        in_app_message_send(user=person, template=TEMPLATES + template, context=context, link=link)
        email_send_to_address(address=person.email, language=person.language, template=TEMPLATES + "news",
                              context={"patient_name": context["patient_name"], "link": settings.SITE_URL + link})


def referral_created(referral):
    """Tell the patient's people (asking for the records consent when it is missing) and the receiving desk."""
    from django.contrib.auth import get_user_model

    _tell_patient(referral, "created")
    link = reverse("referrals:detail", args=[referral.public_id])
    coordinators = get_user_model().objects.filter(memberships__organisation=referral.to_hospital,
                                                   memberships__role=Role.COORDINATOR, is_active=True).distinct()
    for coordinator in coordinators:
        in_app_message_send(user=coordinator, template=TEMPLATES + "incoming",
                            context={"from_hospital": referral.from_hospital.name,
                                     "priority": referral.get_priority_display()}, link=link)


def referral_decided(referral):
    """Tell the patient's people and the referring clinician that the referral was accepted or declined."""
    _tell_patient(referral, "decided")
    in_app_message_send(user=referral.requested_by, template=TEMPLATES + "decided_staff",
                        context=_context(referral), link=reverse("referrals:detail", args=[referral.public_id]))
