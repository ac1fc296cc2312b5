"""Writes of share links: create (only with the cross-border transfer consent), revoke, and the gate every access
passes through (state, consent, passcode with a limited number of attempts), which logs and audits each use."""

import datetime as dt

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.audit.models import AuditEvent, ConsentKind
from carebridge.audit.selectors import consent_is_active
from carebridge.audit.services import ConsentRequired, audit_record
from carebridge.core import crypto
from carebridge.core.errors import CareBridgeError, Conflict, ValidationFailed
from carebridge.interop.sharing import jwe
from carebridge.interop.sharing.models import ShareLink, ShareLinkAccess
from carebridge.interop.sharing.selectors import shareable_documents

MAX_DAYS = 90
DEFAULT_DAYS = 30
PASSCODE_ATTEMPTS = 5
PASSCODE_MIN_LENGTH = 4


class ShareConsentRequired(ConsentRequired):
    """Refuse a share link while the patient has not consented to transfer outside mainland China."""

    code = "cross_border_consent_required"
    default_message = _("A share link can be opened from abroad, so it needs the patient's consent to transfer "
                        "information outside mainland China. Give this consent first.")


class ShareLinkInactive(CareBridgeError):
    """Say that a link can no longer be used: revoked, expired, locked or its consent withdrawn."""

    code = "share_link_inactive"
    status = 410
    default_message = _("This link is no longer active. Ask the patient for a new one.")


class WrongPasscode(CareBridgeError):
    code = "wrong_passcode"
    status = 401
    default_message = _("The passcode is not correct.")


def _client(request):
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_USER_AGENT", "")[:300]


def share_link_create(*, patient, created_by, label, expires_in_days=DEFAULT_DAYS, passcode="", document_ids=(),
                      request=None):
    """Create a share link to the patient's IPS and chosen documents; refuse without the cross-border consent."""
    if not consent_is_active(subject_public_id=patient.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER):
        audit_record(action="share_link.refused", actor=created_by, request=request, object_type="patient",
                     object_id=patient.public_id, patient_public_id=patient.public_id, purpose="share-link",
                     outcome=AuditEvent.Outcome.DENIED, details={"reason": "no_cross_border_consent"})
        raise ShareConsentRequired(details={"kind": ConsentKind.CROSS_BORDER_TRANSFER.value,
                                            "patient": str(patient.public_id)})
    errors = {}
    label = (label or "").strip()
    if not label or len(label) > 80:
        errors["label"] = [_("Give the link a name of at most 80 characters, e.g. the doctor's name.")]
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= MAX_DAYS:
        errors["expires_in_days"] = [_("A link can last from 1 to %(days)s days.") % {"days": MAX_DAYS}]
    if passcode and not PASSCODE_MIN_LENGTH <= len(passcode) <= 64:
        errors["passcode"] = [_("A passcode has at least %(count)s characters.") % {"count": PASSCODE_MIN_LENGTH}]
    wanted = [str(value) for value in document_ids or ()]
    available = {str(doc.public_id) for doc in shareable_documents(patient)}
    if set(wanted) - available:
        errors["document_ids"] = [_("Choose documents of this patient that are ready.")]
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        link = ShareLink.objects.create(
            patient=patient, created_by=created_by, label=label, token=jwe.key_new(),
            key_encrypted=crypto.encrypt(jwe.key_new()),
            expires_at=timezone.now() + dt.timedelta(days=expires_in_days),
            passcode_hash=make_password(passcode) if passcode else "",
            document_ids=list(dict.fromkeys(wanted)),
        )
        audit_record(action="share_link.created", actor=created_by, request=request, object_type="share_link",
                     object_id=link.public_id, patient_public_id=patient.public_id, purpose="share-link",
                     details={"expires_at": link.expires_at.isoformat(), "passcode": link.has_passcode,
                              "documents": link.document_ids, "consent": ConsentKind.CROSS_BORDER_TRANSFER.value})
    return link


def share_link_revoke(*, link, revoked_by, request=None):
    """Revoke a link at once; later uses are refused."""
    with transaction.atomic():
        now = timezone.now()
        if not ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now,
                                                                                    revoked_by=revoked_by,
                                                                                    updated_at=now):
            raise Conflict(_("This link has already been revoked."), code="share_link_already_revoked")
        audit_record(action="share_link.revoked", actor=revoked_by, request=request, object_type="share_link",
                     object_id=link.public_id, patient_public_id=link.patient.public_id, purpose="share-link")
    link.refresh_from_db()
    return link


def share_access_record(*, link, channel, outcome, recipient="", what="", request=None):
    """Log one use of a link for the patient to see, and audit it."""
    ip, user_agent = _client(request)
    access = ShareLinkAccess.objects.create(link=link, channel=channel, outcome=outcome, recipient=recipient[:200],
                                            what=what[:100], ip_address=ip, user_agent=user_agent)
    audit_record(action="share_link.accessed", request=request, object_type="share_link", object_id=link.public_id,
                 patient_public_id=link.patient.public_id, purpose="share-link",
                 outcome=AuditEvent.Outcome.SUCCESS if outcome == ShareLinkAccess.Outcome.GRANTED
                 else AuditEvent.Outcome.DENIED,
                 details={"channel": channel, "recipient": recipient[:200], "what": what, "result": outcome})
    return access


def share_link_state(link):
    """Return the link's state, counting a withdrawn cross-border consent as the end of the link."""
    state = link.state()
    if state == "active" and not consent_is_active(subject_public_id=link.patient.public_id,
                                                   kind=ConsentKind.CROSS_BORDER_TRANSFER):
        return "consent_withdrawn"
    return state


def share_link_unlock(*, link, recipient, passcode="", channel, what="", request=None):
    """Let one use of a link through, or refuse it: inactive (410), or a wrong passcode (401; the link locks after
    PASSCODE_ATTEMPTS wrong ones). Every attempt is logged and audited."""
    recipient = (recipient or "").strip()
    state = share_link_state(link)
    if state != "active":
        share_access_record(link=link, channel=channel, outcome=ShareLinkAccess.Outcome.REFUSED, recipient=recipient,
                            what=state, request=request)
        raise ShareLinkInactive(details={"state": state})
    if link.has_passcode and not check_password(passcode or "", link.passcode_hash):
        with transaction.atomic():
            ShareLink.objects.filter(pk=link.pk).update(failed_attempts=F("failed_attempts") + 1)
            link.refresh_from_db(fields=["failed_attempts"])
            remaining = max(PASSCODE_ATTEMPTS - link.failed_attempts, 0)
            if remaining == 0:
                ShareLink.objects.filter(pk=link.pk, locked_at__isnull=True).update(locked_at=timezone.now())
                audit_record(action="share_link.locked", request=request, object_type="share_link",
                             object_id=link.public_id, patient_public_id=link.patient.public_id, purpose="share-link",
                             outcome=AuditEvent.Outcome.DENIED)
            share_access_record(link=link, channel=channel, outcome=ShareLinkAccess.Outcome.WRONG_PASSCODE,
                                recipient=recipient, what=what, request=request)
        raise WrongPasscode(details={"remaining_attempts": remaining})
    share_access_record(link=link, channel=channel, outcome=ShareLinkAccess.Outcome.GRANTED, recipient=recipient,
                        what=what, request=request)
    return link
