"""API of share links for the patient's side: create (with the cross-border consent), list, read, revoke, accesses."""

import datetime as dt
from uuid import UUID

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound
from carebridge.core.schemas import ErrorOut
from carebridge.interop.sharing import selectors, services
from carebridge.interop.sharing.access import share_link_get_for_user
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import portal_patients

router = Router(tags=["share links"], auth=SessionAuth())

READ = {401: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ShareLinkIn(Schema):
    patient_id: UUID
    label: str = Field(max_length=80, description="A name for the patient and the doctor, e.g. the doctor's name")
    expires_in_days: int = Field(services.DEFAULT_DAYS, ge=1, le=services.MAX_DAYS)
    passcode: str = Field("", max_length=64, description="Optional; stored hashed; the link locks after "
                                                         f"{services.PASSCODE_ATTEMPTS} wrong tries")
    document_ids: list[UUID] = Field(default_factory=list, description="Ready PDF documents of the patient")


class ShareLinkOut(Schema):
    id: UUID
    patient_id: UUID
    label: str
    state: str = Field(description="active, expired, revoked, locked or consent_withdrawn")
    created_at: dt.datetime
    expires_at: dt.datetime
    has_passcode: bool
    document_ids: list[UUID]
    url: str | None = Field(None, description="The link to give the doctor (only while active)")
    shlink: str | None = Field(None, description="The shlink:/ payload for SMART Health Links apps")
    qr_svg_url: str | None = None


class AccessOut(Schema):
    occurred_at: dt.datetime
    channel: str
    recipient: str
    outcome: str
    what: str
    ip_address: str | None
    user_agent: str


def _out(link):
    state = services.share_link_state(link)
    active = state == "active"
    return ShareLinkOut(
        id=link.public_id, patient_id=link.patient.public_id, label=link.label, state=state,
        created_at=link.created_at, expires_at=link.expires_at, has_passcode=link.has_passcode,
        document_ids=link.document_ids, url=selectors.share_link_url(link) if active else None,
        shlink=selectors.share_link_shlink(link) if active else None,
        qr_svg_url=reverse("sharing:qr", args=[link.public_id]) if active else None,
    )


@router.get("/share-links", response={200: list[ShareLinkOut], **READ}, summary="Share links of a record")
def share_links_list(request, patient_id: UUID):
    """List the share links of a record the caller holds as patient or guardian."""
    if not portal_patients(request.auth).filter(public_id=patient_id).exists():
        raise NotFound()
    patient = patient_get_for_user(user=request.auth, public_id=patient_id, request=request, purpose="share-link")
    return [_out(link) for link in selectors.share_links_of(patient)]


@router.post("/share-links", response={201: ShareLinkOut, **WRITE}, summary="Create a share link")
def share_links_create(request, payload: ShareLinkIn):
    """Create a link to the IPS and chosen documents; 403 `cross_border_consent_required` without that consent."""
    if not portal_patients(request.auth).filter(public_id=payload.patient_id).exists():
        raise NotFound()
    patient = patient_get_for_user(user=request.auth, public_id=payload.patient_id, request=request, manage=True,
                                   purpose="share-link")
    link = services.share_link_create(patient=patient, created_by=request.auth, label=payload.label,
                                      expires_in_days=payload.expires_in_days, passcode=payload.passcode,
                                      document_ids=payload.document_ids, request=request)
    return Status(201, _out(link))


@router.get("/share-links/{link_id}", response={200: ShareLinkOut, **READ}, summary="A share link")
def share_links_read(request, link_id: UUID):
    """Return a link of a record the caller holds."""
    return _out(share_link_get_for_user(user=request.auth, public_id=link_id, request=request))


@router.post("/share-links/{link_id}/revoke", response={200: ShareLinkOut, **WRITE}, summary="Revoke a share link")
def share_links_revoke(request, link_id: UUID):
    """Revoke a link at once; 409 `share_link_already_revoked` when it was."""
    link = share_link_get_for_user(user=request.auth, public_id=link_id, request=request, manage=True)
    return _out(services.share_link_revoke(link=link, revoked_by=request.auth, request=request))


@router.get("/share-links/{link_id}/accesses", response={200: list[AccessOut], **READ},
            summary="Who opened a share link")
def share_links_accesses(request, link_id: UUID):
    """List every use of a link, newest first: who they said they were, how, when, from where, and the result."""
    link = share_link_get_for_user(user=request.auth, public_id=link_id, request=request)
    return [AccessOut(occurred_at=a.occurred_at, channel=a.channel, recipient=a.recipient, outcome=a.outcome,
                      what=a.what, ip_address=a.ip_address, user_agent=a.user_agent)
            for a in selectors.share_link_accesses(link)[:1000]]
