"""Fetch-and-check for consents: a user acts on their own and their wards' consents only."""

from carebridge.accounts.access import deny
from carebridge.audit.models import Consent


def consent_subjects_of(user):
    """Return the public ids whose consents a user may manage (for now, their own account)."""
    return {user.public_id} if user.is_authenticated else set()


def consent_get_for_user(*, user, public_id, request=None):
    """Return a consent the user may manage, or raise NotFound (and record the denial)."""
    consent = Consent.objects.filter(public_id=public_id, subject_public_id__in=consent_subjects_of(user)).first()
    if consent is None:
        deny(user=user, request=request, object_type="consent", object_id=public_id, reason="not_subject")
    return consent
