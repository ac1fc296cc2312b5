"""Writes of referrals: refer, record or withdraw the records consent, accept (optionally registering the patient
at the receiving hospital), decline with a reason, cancel. Each is audited; the patient's people are told."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import OrganisationKind
from carebridge.audit.services import audit_record
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.interop.referrals import notify
from carebridge.interop.referrals.models import Referral
from carebridge.interop.sharing.selectors import shareable_documents

CONSENT_TEXT = _("I agree that %(from)s may send my International Patient Summary and the documents listed to "
                 "%(to)s for this referral, and that the staff of %(to)s may read them once they accept it. I can "
                 "withdraw this consent at any time; copies already read cannot be undone.")


class ReferralClosed(Conflict):
    code = "referral_not_open"
    default_message = _("This referral has already been decided or cancelled.")


def consent_wording(referral, language):
    """Return the records consent's text in a language."""
    with translation.override(language):
        return str(CONSENT_TEXT) % {"from": referral.from_hospital.name, "to": referral.to_hospital.name}


def _consent_fields(referral, *, given_by, given_as, language):
    now = timezone.now()
    return {"consent_given_at": now, "consent_given_by": given_by, "consent_given_as": given_as,
            "consent_language": language, "consent_text": consent_wording(referral, language),
            "consent_withdrawn_at": None}


def referral_create(*, patient, from_hospital, to_hospital, requested_by, reason, priority=Referral.Priority.ROUTINE,
                    reason_code="", document_ids=(), consent_attested=False, request=None):
    """Refer a patient of the referring hospital to another hospital on the platform.

    `consent_attested` records that the patient (or guardian) signed the referral's consent form in front of the
    referring staff; otherwise the records wait for the consent in the portal.
    """
    errors = {}
    if to_hospital is None or to_hospital.kind != OrganisationKind.HOSPITAL or to_hospital == from_hospital:
        errors["to_hospital"] = [_("Choose another hospital on the platform.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the patient is referred.")]
    if priority not in Referral.Priority.values:
        errors["priority"] = [_("Choose routine, urgent, as soon as possible or immediately.")]
    wanted = [str(value) for value in document_ids or ()]
    if set(wanted) - {str(doc.public_id) for doc in shareable_documents(patient)}:
        errors["document_ids"] = [_("Choose documents of this patient that are ready.")]
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        referral = Referral(patient=patient, from_hospital=from_hospital, to_hospital=to_hospital,
                            requested_by=requested_by, reason=reason.strip(), reason_code=(reason_code or "").strip(),
                            priority=priority, document_ids=list(dict.fromkeys(wanted)))
        if consent_attested:
            for field, value in _consent_fields(referral, given_by=requested_by, given_as="attested_by_staff",
                                                language=patient.preferred_language or "en").items():
                setattr(referral, field, value)
        referral.save()
        audit_record(action="referral.created", actor=requested_by, request=request, organisation=from_hospital,
                     object_type="referral", object_id=referral.public_id, patient_public_id=patient.public_id,
                     purpose="referral", details={"to": str(to_hospital.public_id), "priority": priority,
                                                  "documents": referral.document_ids,
                                                  "consent": "attested_by_staff" if consent_attested else "pending"})
        notify.referral_created(referral)
    return referral


def referral_consent_give(*, referral, given_by, given_as, language="en", request=None):
    """Record the patient's (or guardian's) consent to send the records to the receiving hospital."""
    if referral.status in (Referral.Status.DECLINED, Referral.Status.CANCELLED):
        raise ReferralClosed()
    if referral.has_records_consent:
        raise Conflict(_("This consent has already been given."), code="consent_already_given")
    with transaction.atomic():
        fields = _consent_fields(referral, given_by=given_by, given_as=given_as, language=language)
        Referral.objects.filter(pk=referral.pk).update(**fields, updated_at=timezone.now())
        audit_record(action="referral.consent_given", actor=given_by, request=request, object_type="referral",
                     object_id=referral.public_id, patient_public_id=referral.patient.public_id, purpose="referral",
                     details={"to": str(referral.to_hospital.public_id), "given_as": given_as, "language": language})
    referral.refresh_from_db()
    return referral


def referral_consent_withdraw(*, referral, withdrawn_by, request=None):
    """Withdraw the records consent: the receiving hospital can no longer open the records."""
    if not referral.has_records_consent:
        raise Conflict(_("There is no consent to withdraw."), code="consent_not_given")
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(consent_withdrawn_at=timezone.now(),
                                                        updated_at=timezone.now())
        audit_record(action="referral.consent_withdrawn", actor=withdrawn_by, request=request,
                     object_type="referral", object_id=referral.public_id,
                     patient_public_id=referral.patient.public_id, purpose="referral")
    referral.refresh_from_db()
    return referral


def _decide(referral, *, status, decided_by, decline_reason=""):
    now = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, status=Referral.Status.REQUESTED).update(
        status=status, decided_by=decided_by, decided_at=now, decline_reason=decline_reason, updated_at=now)
    if not updated:
        raise ReferralClosed()
    referral.refresh_from_db()


def referral_accept(*, referral, decided_by, register_patient=True, request=None):
    """Accept a referral; with `register_patient`, give the patient a record number at the receiving hospital.

    Registering shares the platform record with the receiving hospital, so it happens only with the records
    consent; without it the patient is registered at the desk on arrival.
    """
    from carebridge.patients.services import record_number_assign

    with transaction.atomic():
        _decide(referral, status=Referral.Status.ACCEPTED, decided_by=decided_by)
        number = None
        if register_patient and referral.has_records_consent:
            number = record_number_assign(patient=referral.patient, hospital=referral.to_hospital)
        audit_record(action="referral.accepted", actor=decided_by, request=request,
                     organisation=referral.to_hospital, object_type="referral", object_id=referral.public_id,
                     patient_public_id=referral.patient.public_id, purpose="referral",
                     details={"registered": number.number if number else None})
        notify.referral_decided(referral)
    referral.record_number = number
    return referral


def referral_decline(*, referral, decided_by, reason, request=None):
    """Decline a referral with a reason both hospitals and the patient see."""
    if not (reason or "").strip():
        raise ValidationFailed(details={"reason": [_("Say why the referral is declined.")]})
    with transaction.atomic():
        _decide(referral, status=Referral.Status.DECLINED, decided_by=decided_by, decline_reason=reason.strip())
        audit_record(action="referral.declined", actor=decided_by, request=request,
                     organisation=referral.to_hospital, object_type="referral", object_id=referral.public_id,
                     patient_public_id=referral.patient.public_id, purpose="referral")
        notify.referral_decided(referral)
    return referral


def referral_cancel(*, referral, cancelled_by, request=None):
    """Withdraw a referral that is still waiting for the receiving hospital."""
    with transaction.atomic():
        _decide(referral, status=Referral.Status.CANCELLED, decided_by=cancelled_by)
        audit_record(action="referral.cancelled", actor=cancelled_by, request=request,
                     organisation=referral.from_hospital, object_type="referral", object_id=referral.public_id,
                     patient_public_id=referral.patient.public_id, purpose="referral")
    return referral
