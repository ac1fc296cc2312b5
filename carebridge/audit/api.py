"""API for consents and, for administrators and organisations' systems, the audit log."""

from datetime import datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from carebridge.accounts.access import deny, is_platform_admin
from carebridge.audit.access import consent_get_for_user
from carebridge.audit.models import ConsentKind
from carebridge.audit.selectors import audit_events, consents_of
from carebridge.audit.services import consent_give, consent_withdraw
from carebridge.core.api_support import BearerTokenAuth, SessionAuth
from carebridge.core.schemas import ErrorOut

router = Router(tags=["consents and audit"])


class OwnConsentIn(Schema):
    kind: ConsentKind


class ConsentOut(Schema):
    id: UUID
    subject_id: UUID
    kind: str
    text_version: str
    text_language: str
    text_shown: str
    given_at: datetime
    given_as: str
    withdrawn_at: datetime | None


class AuditEventOut(Schema):
    id: UUID = Field(alias="public_id")
    occurred_at: datetime
    actor_id: UUID | None = Field(alias="actor_public_id")
    actor_label: str
    organisation_id: UUID | None = Field(alias="organisation_public_id")
    action: str
    object_type: str
    object_id: str
    patient_id: UUID | None = Field(alias="patient_public_id")
    purpose: str
    ip_address: str | None
    outcome: str
    details: dict


def _consent(c):
    return {"id": c.public_id, "subject_id": c.subject_public_id, "kind": c.kind, "text_version": c.text_version,
            "text_language": c.text_language, "text_shown": c.text_shown, "given_at": c.given_at,
            "given_as": c.given_as, "withdrawn_at": c.withdrawn_at}


@router.get("/consents", response={200: list[ConsentOut], 401: ErrorOut}, auth=SessionAuth(),
            summary="My consents")
@paginate(PageNumberPagination, page_size=50)
def consents_list(request):
    """List the signed-in user's consents, active and withdrawn, with the exact text shown."""
    return [_consent(c) for c in consents_of(subject_public_ids=[request.auth.public_id])]


@router.post("/consents", response={201: ConsentOut, 400: ErrorOut, 401: ErrorOut, 409: ErrorOut},
             auth=SessionAuth(), summary="Give a consent")
def consents_give(request, payload: OwnConsentIn):
    """Give a consent; the current wording in the caller's language is stored with it."""
    consent = consent_give(subject_public_id=request.auth.public_id, kind=payload.kind, given_by=request.auth,
                           language=request.LANGUAGE_CODE, request=request)
    return Status(201, _consent(consent))


@router.post("/consents/{consent_id}/withdraw", response={200: ConsentOut, 401: ErrorOut, 404: ErrorOut,
                                                          409: ErrorOut},
             auth=SessionAuth(), summary="Withdraw a consent")
def consents_withdraw(request, consent_id: UUID):
    """Withdraw a consent; the record of it stays, with the withdrawal."""
    consent = consent_get_for_user(user=request.auth, public_id=consent_id, request=request)
    return _consent(consent_withdraw(consent=consent, withdrawn_by=request.auth, request=request))


@router.get("/audit-events", response={200: list[AuditEventOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            auth=[SessionAuth(), BearerTokenAuth(scope="audit:read")], summary="The audit log")
@paginate(PageNumberPagination, page_size=50)
def audit_events_list(request, action: str | None = None, patient_id: UUID | None = None):
    """List audit rows: all of them for platform administrators, an organisation's own for its token."""
    qs = audit_events(action=action, patient_public_id=patient_id)
    if isinstance(request.auth, get_user_model()):
        if not is_platform_admin(request.auth):
            deny(user=request.auth, request=request, object_type="audit_events")
    else:
        qs = qs.filter(organisation_public_id=request.api_organisation.public_id)
    return qs
