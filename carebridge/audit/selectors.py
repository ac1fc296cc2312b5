"""Reads of the audit log and of consents."""

from carebridge.audit.models import AuditEvent, Consent


def consents_of(*, subject_public_ids):
    """Return the consents (active and withdrawn) of the given subjects, newest first."""
    return Consent.objects.filter(subject_public_id__in=list(subject_public_ids)).order_by("-given_at")


def consent_is_active(*, subject_public_id, kind):
    """Tell whether the subject has an active consent of a kind."""
    return Consent.objects.filter(subject_public_id=subject_public_id, kind=kind, withdrawn_at__isnull=True).exists()


def audit_events(*, action=None, patient_public_id=None, actor_public_id=None):
    """Return audit rows, newest first, filtered as asked."""
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action=action)
    if patient_public_id:
        qs = qs.filter(patient_public_id=patient_public_id)
    if actor_public_id:
        qs = qs.filter(actor_public_id=actor_public_id)
    return qs
