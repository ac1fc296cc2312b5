"""SMART authorisation in the JSON API: a hospital's admins register and revoke system clients and patient apps; patients and
guardians issue and revoke app tokens for one record. Session only: these are people's actions, not systems'."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Router, Schema

from carebridge.accounts.models import Organisation
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound
from carebridge.core.schemas import ErrorOut
from carebridge.interop.smart import services
from carebridge.interop.smart.models import SmartClient
from carebridge.patients.selectors import portal_patients

router = Router(tags=["smart"], auth=SessionAuth())


class ClientIn(Schema):
    organisation_id: UUID
    name: str = Field(min_length=1, max_length=100)
    auth_method: Literal["private_key_jwt", "client_secret", "none"] = Field(
        description="none: a public patient app (SMART App Launch with PKCE), which needs redirect_uris.")
    allowed_scopes: list[str] = Field(min_length=1, description="system/ scopes for a system (e.g. system/*.read, "
                                      "system/Patient.rs, system/Bundle.write); patient/ scopes for a patient app")
    jwks: dict | None = Field(None, description="The client's public keys (JWKS) for private_key_jwt.")
    redirect_uris: list[str] = Field(default_factory=list, description="A patient app's exact redirect URIs (https).")


class ClientOut(Schema):
    id: UUID
    organisation_id: UUID
    name: str
    client_id: str
    auth_method: str
    allowed_scopes: list[str]
    redirect_uris: list[str]
    revoked_at: datetime | None


class ClientCreatedOut(ClientOut):
    client_secret: str | None = Field(description="Shown once for client_secret clients; only its hash is stored.")


class PatientTokenIn(Schema):
    patient_id: UUID
    name: str = Field(min_length=1, max_length=100, description="The app the token is for.")
    scopes: list[str] = Field(min_length=1, description="patient/ scopes, e.g. patient/*.read")
    lifetime: Literal["1h", "1d", "7d"] = "1h"


class AppTokenOut(Schema):
    id: UUID
    kind: str
    name: str
    patient_id: UUID | None
    scopes: list[str]
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class AppTokenCreatedOut(AppTokenOut):
    access_token: str = Field(description="Shown once; only its digest is stored.")


# Every failure answers the shared error body (core.api_support), declared so clients and the fuzzer know it.
READ = {401: ErrorOut, 403: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _client(client, secret=None):
    return {"id": client.public_id, "organisation_id": client.organisation.public_id, "name": client.name,
            "client_id": client.client_id, "auth_method": client.auth_method,
            "allowed_scopes": client.allowed_scopes, "redirect_uris": client.redirect_uris, "revoked_at": client.revoked_at, "client_secret": secret}


def _token(token, raw=None):
    return {"id": token.public_id, "kind": token.kind, "name": token.name,
            "patient_id": token.patient.public_id if token.patient_id else None, "scopes": token.scopes,
            "expires_at": token.expires_at, "revoked_at": token.revoked_at, "last_used_at": token.last_used_at,
            "access_token": raw}


@router.get("/smart/clients", response={200: list[ClientOut], **READ})
def client_list(request):
    """List the system clients of the hospitals you administer."""
    clients = SmartClient.objects.filter(organisation__in=services.client_admin_hospitals(request.auth))
    return [_client(c) for c in clients.select_related("organisation").order_by("-created_at")]


@router.post("/smart/clients", response={201: ClientCreatedOut, **WRITE})
def client_register(request, payload: ClientIn):
    """Register a hospital's system: a JWKS (SMART Backend Services) or a secret shown once."""
    organisation = Organisation.objects.filter(public_id=payload.organisation_id).first()
    if organisation is None:
        raise NotFound()
    client, secret = services.smart_client_register(
        organisation=organisation, name=payload.name, auth_method=payload.auth_method,
        allowed_scopes=payload.allowed_scopes, jwks=payload.jwks, redirect_uris=payload.redirect_uris,
        registered_by=request.auth, request=request)
    return 201, _client(client, secret)


@router.post("/smart/clients/{client_id}/revoke", response={200: ClientOut, **WRITE})
def client_revoke(request, client_id: UUID):
    """Revoke a system client and all its tokens."""
    client = SmartClient.objects.select_related("organisation").filter(public_id=client_id).first()
    if client is None:
        raise NotFound()
    return _client(services.smart_client_revoke(client=client, revoked_by=request.auth, request=request))


@router.get("/smart/tokens", response={200: list[AppTokenOut], **READ})
def token_list(request):
    """List your apps' tokens, and the live system tokens of the hospitals you administer."""
    return [_token(t) for t in [*services.patient_tokens_of(request.auth), *services.system_tokens_of(request.auth)]]


@router.post("/smart/tokens", response={201: AppTokenCreatedOut, **WRITE})
def patient_token_issue(request, payload: PatientTokenIn):
    """Issue an app a token for one record you hold (yours or your child's), patient/ scopes only."""
    patient = portal_patients(request.auth).filter(public_id=payload.patient_id).first()
    if patient is None:
        raise NotFound()
    token, raw = services.patient_token_issue(user=request.auth, patient=patient, name=payload.name,
                                              scopes=payload.scopes, lifetime=payload.lifetime, request=request)
    return 201, _token(token, raw)


@router.post("/smart/tokens/{token_id}/revoke", response={200: AppTokenOut, **WRITE})
def token_revoke(request, token_id: UUID):
    """Revoke an app's token you issued, or a system token of a hospital you administer."""
    return _token(services.user_token_revoke(user=request.auth, public_id=token_id, request=request))
