"""Writes of the audit log and of consents."""

import hashlib
import uuid

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from carebridge.audit.consent_texts import consent_text
from carebridge.audit.models import AuditEvent, Consent, ConsentKind
from carebridge.core.errors import CareBridgeError, Conflict


class ConsentRequired(CareBridgeError):
    code = "consent_required"
    status = 403
    default_message = _("The patient's consent is needed before this can be done.")


def _client(request):
    if request is None:
        return None, ""
    forwarded = request.META.get("REMOTE_ADDR") or None
    return forwarded, request.META.get("HTTP_USER_AGENT", "")[:300]


def audit_record(
    *,
    action,
    actor=None,
    request=None,
    organisation=None,
    object_type="",
    object_id="",
    patient_public_id=None,
    purpose="",
    outcome=AuditEvent.Outcome.SUCCESS,
    details=None,
):
    """Append one row to the audit log; the one helper that services and access checks call."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    ip, user_agent = _client(request)
    if organisation is None and request is not None:
        organisation = getattr(request, "api_organisation", None)
    return AuditEvent.objects.create(
        action=action,
        actor_public_id=getattr(actor, "public_id", None),
        actor_label=getattr(actor, "email", "") if actor else "",
        organisation_public_id=getattr(organisation, "public_id", None),
        object_type=object_type,
        object_id=str(object_id or ""),
        patient_public_id=patient_public_id,
        purpose=purpose,
        ip_address=ip,
        user_agent=user_agent,
        outcome=outcome,
        details=details or {},
    )


def audit_record_reads(*, actor=None, request=None, organisation=None, patients, object_type="patient",
                       purpose=""):
    """Append one "patient.read" row per patient shown in a list, in a single insert."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    ip, user_agent = _client(request)
    if organisation is None and request is not None:
        organisation = getattr(request, "api_organisation", None)
    rows = [
        AuditEvent(action="patient.read", actor_public_id=getattr(actor, "public_id", None),
                   actor_label=getattr(actor, "email", "") if actor else "",
                   organisation_public_id=getattr(organisation, "public_id", None), object_type=object_type,
                   object_id=str(patient.public_id), patient_public_id=patient.public_id, purpose=purpose,
                   ip_address=ip, user_agent=user_agent)
        for patient in patients
    ]
    return AuditEvent.objects.bulk_create(rows)


def audit_record_many(entries, *, request=None):
    """Append several rows in a single insert, each given as the keyword arguments of `audit_record`.

    Rows keep their order (ids and times ascend as given); the actor and organisation default from the request
    exactly as in `audit_record`.
    """
    ip, user_agent = _client(request)
    default_actor = getattr(request, "user", None) if request is not None else None
    default_organisation = getattr(request, "api_organisation", None) if request is not None else None
    rows = []
    for entry in entries:
        actor = entry.get("actor")
        if actor is None:
            actor = default_actor
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        organisation = entry.get("organisation") or default_organisation
        rows.append(AuditEvent(
            action=entry["action"],
            actor_public_id=getattr(actor, "public_id", None),
            actor_label=getattr(actor, "email", "") if actor else "",
            organisation_public_id=getattr(organisation, "public_id", None),
            object_type=entry.get("object_type", ""),
            object_id=str(entry.get("object_id") or ""),
            patient_public_id=entry.get("patient_public_id"),
            purpose=entry.get("purpose", ""),
            ip_address=ip,
            user_agent=user_agent,
            outcome=entry.get("outcome", AuditEvent.Outcome.SUCCESS),
            details=entry.get("details") or {},
        ))
    return AuditEvent.objects.bulk_create(rows) if rows else []


def consent_give(*, subject_public_id, kind, given_by, given_as="self", language=None, request=None):
    """Record a consent with the exact text shown in the language shown; refuse a second active one."""
    kind = ConsentKind(kind)
    language = language or translation.get_language() or "en"
    with translation.override(language):
        version, text = consent_text(kind)
    if language != "en":
        with translation.override("en"):
            if consent_text(kind)[1] == text:
                language = "en"  # no translation of this wording yet: the patient was shown the English text
    with transaction.atomic():
        if Consent.objects.filter(subject_public_id=subject_public_id, kind=kind, withdrawn_at__isnull=True).exists():
            raise Conflict(_("This consent has already been given."), code="consent_already_given")
        consent = Consent.objects.create(
            subject_public_id=subject_public_id,
            kind=kind,
            text_version=version,
            text_language=language,
            text_shown=text,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            given_at=timezone.now(),
            given_by=given_by,
            given_as=given_as,
        )
        audit_record(
            action="consent.given",
            actor=given_by,
            request=request,
            object_type="consent",
            object_id=consent.public_id,
            patient_public_id=_as_uuid(subject_public_id),
            details={"kind": kind.value, "version": version, "language": language, "given_as": given_as},
        )
    return consent


def consent_withdraw(*, consent, withdrawn_by, request=None):
    """Withdraw an active consent; the record and its withdrawal both stay."""
    with transaction.atomic():
        now = timezone.now()
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=withdrawn_by, updated_at=now
        )
        if not updated:
            raise Conflict(_("This consent has already been withdrawn."), code="consent_already_withdrawn")
        audit_record(
            action="consent.withdrawn",
            actor=withdrawn_by,
            request=request,
            object_type="consent",
            object_id=consent.public_id,
            patient_public_id=_as_uuid(consent.subject_public_id),
            details={"kind": consent.kind},
        )
    consent.refresh_from_db()
    return consent


def consent_require(*, subject_public_id, kind):
    """Raise ConsentRequired unless the subject has an active consent of this kind; return it."""
    consent = Consent.objects.filter(subject_public_id=subject_public_id, kind=kind, withdrawn_at__isnull=True).first()
    if consent is None:
        raise ConsentRequired(details={"kind": ConsentKind(kind).value})
    return consent


def _as_uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
