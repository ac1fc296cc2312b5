"""API for the signed-in user, sign-up, the organisation directory and API tokens."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from carebridge.accounts import services
from carebridge.accounts.access import deny, is_platform_admin
from carebridge.accounts.models import ApiToken, Organisation, OrganisationKind
from carebridge.accounts.scopes import SCOPES
from carebridge.accounts.selectors import is_staff_user, memberships_of, organisation_list
from carebridge.core.api_support import BearerTokenAuth, SessionAuth
from carebridge.core.i18n import LANGUAGE_CODES
from carebridge.core.schemas import ErrorOut

router = Router(tags=["accounts"])
LanguageCode = Literal[LANGUAGE_CODES]  # type: ignore[valid-type]


class MembershipOut(Schema):
    organisation_id: UUID
    organisation_name: str
    organisation_kind: str
    role: str


class MeOut(Schema):
    id: UUID
    email: str
    full_name: str
    language: str
    time_zone: str
    email_verified: bool
    memberships: list[MembershipOut]


class PreferencesIn(Schema):
    language: LanguageCode
    time_zone: str = Field(max_length=64)
    full_name: str | None = Field(default=None, max_length=200)


class SignUpIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=4096)
    full_name: str = Field(min_length=1, max_length=200)
    language: LanguageCode = "en"
    time_zone: str = Field(default="Asia/Shanghai", max_length=64)
    consent_personal_data: bool = Field(description="The sign-up is refused unless this is true.")


class SignUpOut(Schema):
    id: UUID
    email: str
    email_verified: bool


class OrganisationOut(Schema):
    id: UUID
    name: str
    name_local: str
    slug: str
    kind: str
    country: str
    city: str
    time_zone: str
    default_currency: str


class TokenIn(Schema):
    organisation_id: UUID
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, description="Known scopes: " + ", ".join(SCOPES))
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: UUID
    organisation_id: UUID
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Shown once; only its digest is stored.")


def _me(user):
    return {
        "id": user.public_id,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "time_zone": user.time_zone,
        "email_verified": user.email_verified_at is not None,
        "memberships": [
            {"organisation_id": m.organisation.public_id, "organisation_name": m.organisation.name,
             "organisation_kind": m.organisation.kind, "role": m.role}
            for m in memberships_of(user)
        ],
    }


def _token(token, secret=None):
    data = {
        "id": token.public_id, "organisation_id": token.organisation.public_id, "name": token.name,
        "prefix": token.prefix, "scopes": token.scopes, "expires_at": token.expires_at,
        "revoked_at": token.revoked_at, "last_used_at": token.last_used_at,
    }
    if secret:
        data["secret"] = secret
    return data


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=SessionAuth(), summary="The signed-in user")
def me_read(request):
    """Return the signed-in user with preferences and roles."""
    return _me(request.auth)


@router.put("/me/preferences", response={200: MeOut, 400: ErrorOut, 401: ErrorOut}, auth=SessionAuth(),
            summary="Change language and time zone")
def me_preferences_update(request, payload: PreferencesIn):
    """Change the signed-in user's language, time zone and name."""
    user = services.user_preferences_update(user=request.auth, language=payload.language,
                                            time_zone=payload.time_zone, full_name=payload.full_name,
                                            request=request)
    return _me(user)


@router.post("/sign-up", response={201: SignUpOut, 400: ErrorOut, 409: ErrorOut}, auth=None,
             summary="Open a patient account")
def sign_up(request, payload: SignUpIn):
    """Open a patient or guardian account; a confirmation e-mail follows. Consent to process personal data is required."""
    user = services.patient_sign_up(
        email=payload.email, password=payload.password, full_name=payload.full_name,
        language=payload.language, time_zone=payload.time_zone, request=request,
        consents=["personal_data"] if payload.consent_personal_data else [],
        verify_url_base=request.build_absolute_uri("/")[:-1],
    )
    return Status(201, {"id": user.public_id, "email": user.email, "email_verified": False})


@router.get("/organisations", response={200: list[OrganisationOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            auth=[SessionAuth(), BearerTokenAuth(scope="organisations:read")], summary="The organisation directory")
@paginate(PageNumberPagination, page_size=50)
def organisations_list(request, kind: OrganisationKind | None = None):
    """List hospitals, insurers and agencies on the platform (staff and organisations' systems)."""
    if isinstance(request.auth, get_user_model()) and not is_staff_user(request.auth):
        deny(user=request.auth, request=request, object_type="organisations")
    return [
        {"id": o.public_id, "name": o.name, "name_local": o.name_local, "slug": o.slug, "kind": o.kind,
         "country": o.country, "city": o.city, "time_zone": o.time_zone, "default_currency": o.default_currency}
        for o in organisation_list(kind=kind)
    ]


def _require_admin(request):
    if not is_platform_admin(request.auth):
        deny(user=request.auth, request=request, object_type="api_tokens")


@router.get("/tokens", response={200: list[TokenOut], 401: ErrorOut, 404: ErrorOut}, auth=SessionAuth(),
            summary="API tokens (administrators)")
@paginate(PageNumberPagination, page_size=50)
def tokens_list(request):
    """List API tokens; administrators only."""
    _require_admin(request)
    return [_token(t) for t in ApiToken.objects.select_related("organisation").order_by("-created_at")]


@router.post("/tokens", response={201: TokenCreatedOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
             auth=SessionAuth(), summary="Create an API token (administrators)")
def tokens_create(request, payload: TokenIn):
    """Create a scoped token for an organisation's system; the secret is in this answer only."""
    _require_admin(request)
    organisation = get_object_or_404(Organisation, public_id=payload.organisation_id)
    token, secret = services.api_token_create(organisation=organisation, name=payload.name, scopes=payload.scopes,
                                              created_by=request.auth, expires_at=payload.expires_at)
    return Status(201, _token(token, secret))


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, 401: ErrorOut, 404: ErrorOut},
             auth=SessionAuth(), summary="Revoke an API token (administrators)")
def tokens_revoke(request, token_id: UUID):
    """Revoke a token at once."""
    _require_admin(request)
    token = get_object_or_404(ApiToken.objects.select_related("organisation"), public_id=token_id)
    return _token(services.api_token_revoke(token=token, revoked_by=request.auth))
