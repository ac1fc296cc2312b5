"""SMART on FHIR authorisation: register system clients, issue, check and revoke access tokens.

Tokens are opaque random strings; only their SHA-256 digest is stored. A system token lives five minutes (SMART
Backend Services asks for short-lived tokens: the client asks again with a fresh assertion); a patient app's token
lives as long as the patient or guardian chose (at most a week) and is revocable from the portal at any time.
"""

import datetime as dt
import hashlib
import secrets

import jwt
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carebridge.accounts.models import OrganisationKind, Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.interop.smart.models import ClientAssertionUse, SmartClient, SmartToken
from carebridge.interop.smart.scopes import scopes_grant, scopes_parse, scopes_valid
from carebridge.patients.selectors import portal_patients

TOKEN_PREFIX = "cbs_"
SYSTEM_TOKEN_LIFETIME = dt.timedelta(minutes=5)
PATIENT_TOKEN_LIFETIMES = {
    "1h": (dt.timedelta(hours=1), gettext_lazy("One hour")),
    "1d": (dt.timedelta(days=1), gettext_lazy("One day")),
    "7d": (dt.timedelta(days=7), gettext_lazy("One week")),
}
# The longest a client assertion may be valid for (SMART Backend Services: no more than five minutes).
ASSERTION_MAX_LIFETIME = dt.timedelta(minutes=5)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS384", "ES384")
SYSTEM_SCOPES = ("system/*.read", "system/*.rs", "system/Patient.read", "system/Patient.rs")
CLIENT_ADMINS = (Role.ADMIN, Role.COORDINATOR)
# Refreshing last_used_at on every request would make each read a write; once a minute is enough to show it.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class OAuthError(Exception):
    """Refuse a token or revocation request with an RFC 6749 error code (its description in English, per RFC)."""

    def __init__(self, error, description, *, status=400):
        self.error = error
        self.description = description
        self.status = status
        super().__init__(description)


def _digest(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token(**fields):
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = SmartToken.objects.create(digest=_digest(raw), prefix=raw[:10], **fields)
    return token, raw


# Who administers a hospital's clients

def client_admin_hospitals(user):
    """Return the hospitals whose system clients a user registers and revokes (their admins and coordinators)."""
    return [organisation for organisation in organisations_with_role(user, *CLIENT_ADMINS)
            if organisation.kind == OrganisationKind.HOSPITAL]


def _jwks_check(jwks):
    if not isinstance(jwks, dict) or not jwks.get("keys"):
        raise ValidationFailed(_("Give the client's public keys as a JWKS (a JSON object with \"keys\")."),
                               code="invalid_jwks")
    if any("d" in key for key in jwks["keys"] if isinstance(key, dict)):
        raise ValidationFailed(_("The JWKS holds a private key: register only the public keys."), code="invalid_jwks")
    try:
        keys = jwt.PyJWKSet.from_dict(jwks).keys
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed(_("Give the client's public keys as a JWKS (a JSON object with \"keys\")."),
                               code="invalid_jwks") from exc
    if not any(key.key_type in ("RSA", "EC") for key in keys):
        raise ValidationFailed(_("The JWKS needs an RSA or an EC P-384 public key."), code="invalid_jwks")


def smart_client_register(*, organisation, name, auth_method, allowed_scopes, registered_by, jwks=None,
                          request=None):
    """Register a hospital's system; return (client, secret) where secret is shown once (None for JWT clients)."""
    if organisation not in client_admin_hospitals(registered_by):
        raise NotFound()
    allowed_scopes = sorted(set(allowed_scopes))
    if not scopes_valid(allowed_scopes, context="system"):
        raise ValidationFailed(_("Choose system scopes, such as system/*.read or system/Patient.rs."),
                               code="invalid_scope", details={"scopes": allowed_scopes})
    auth_method = SmartClient.Auth(auth_method)
    secret = None
    fields = {}
    if auth_method == SmartClient.Auth.PRIVATE_KEY_JWT:
        _jwks_check(jwks)
        fields["jwks"] = jwks
    else:
        secret = secrets.token_urlsafe(32)
        fields["secret_hash"] = make_password(secret)
    with transaction.atomic():
        client = SmartClient.objects.create(
            organisation=organisation, name=name.strip(), client_id=f"cbc_{secrets.token_urlsafe(16)}",
            auth_method=auth_method, allowed_scopes=allowed_scopes, registered_by=registered_by, **fields)
        audit_record(action="smart_client.registered", actor=registered_by, request=request,
                     organisation=organisation, object_type="smart_client", object_id=client.public_id,
                     details={"client_id": client.client_id, "name": client.name, "auth": auth_method.value,
                              "scopes": allowed_scopes})
    return client, secret


def smart_client_revoke(*, client, revoked_by, request=None):
    """Revoke a system client and every token it holds, at once."""
    if client.organisation not in client_admin_hospitals(revoked_by) or client.revoked_at is not None:
        raise NotFound()
    now = timezone.now()
    with transaction.atomic():
        client.revoked_at = now
        client.save(update_fields=["revoked_at", "updated_at"])
        SmartToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now, updated_at=now)
        audit_record(action="smart_client.revoked", actor=revoked_by, request=request,
                     organisation=client.organisation, object_type="smart_client", object_id=client.public_id,
                     details={"client_id": client.client_id, "name": client.name})
    return client


# The token endpoint (RFC 6749 client credentials; SMART Backend Services)

def client_authenticate(*, form, authorization, token_url):
    """Return the active client a token or revocation request authenticates as, or None when it names none.

    Accepted: a signed JWT client assertion (private_key_jwt), HTTP Basic (client_secret_basic) or the client id
    and secret in the form (client_secret_post). Anything that does not prove the client is `invalid_client`.
    """
    if form.get("client_assertion") or form.get("client_assertion_type"):
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise OAuthError("invalid_client", "client_assertion_type must be " + ASSERTION_TYPE, status=401)
        return _assertion_client(form.get("client_assertion", ""), token_url=token_url)
    client_id, secret = _basic_credentials(authorization)
    if client_id is None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
    if not client_id:
        return None
    client = SmartClient.objects.select_related("organisation").filter(
        client_id=client_id, auth_method=SmartClient.Auth.CLIENT_SECRET, revoked_at__isnull=True).first()
    if client is None or not secret or not check_password(secret, client.secret_hash):
        raise OAuthError("invalid_client", "Unknown client or wrong secret.", status=401)
    return client


def _basic_credentials(authorization):
    import base64
    from urllib.parse import unquote

    scheme, _sep, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from exc
    client_id, _sep, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def _assertion_client(assertion, *, token_url):
    refused = OAuthError("invalid_client", "The client assertion is not valid.", status=401)
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise refused from exc
    if header.get("alg") not in ASSERTION_ALGORITHMS:
        raise OAuthError("invalid_client", "The client assertion must be signed with RS384 or ES384.", status=401)
    client = SmartClient.objects.select_related("organisation").filter(
        client_id=str(unverified.get("iss", "")), auth_method=SmartClient.Auth.PRIVATE_KEY_JWT,
        revoked_at__isnull=True).first()
    if client is None:
        raise refused
    try:
        keys = jwt.PyJWKSet.from_dict(client.jwks).keys
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise refused from exc
    kid = header.get("kid")
    claims = None
    for key in keys:
        if kid and key.key_id != kid:
            continue
        try:
            claims = jwt.decode(assertion, key=key.key, algorithms=[header["alg"]], audience=token_url,
                                options={"require": ["iss", "sub", "aud", "exp", "jti"]}, leeway=30)
            break
        except jwt.PyJWTError:
            continue
    if claims is None or claims["sub"] != client.client_id or claims["iss"] != client.client_id:
        raise refused
    expires_at = dt.datetime.fromtimestamp(int(claims["exp"]), tz=dt.UTC)
    now = timezone.now()
    if expires_at - now > ASSERTION_MAX_LIFETIME + dt.timedelta(seconds=30):
        raise OAuthError("invalid_client", "The client assertion may be valid for five minutes at most.",
                         status=401)
    ClientAssertionUse.objects.filter(expires_at__lt=now - dt.timedelta(minutes=1)).delete()
    try:
        with transaction.atomic():
            ClientAssertionUse.objects.create(client=client, jti=str(claims["jti"])[:255], expires_at=expires_at)
    except IntegrityError as exc:
        raise OAuthError("invalid_client", "This client assertion was already used (jti).", status=401) from exc
    return client


def smart_token_issue(*, client, scope, request=None):
    """Issue a system token for a client: scopes granted = requested ∩ the client's allowed scopes."""
    if not client.organisation.kind == OrganisationKind.HOSPITAL:
        raise OAuthError("unauthorized_client", "This client's organisation cannot read records.")
    requested = (scope or "").split()
    if not requested:
        raise OAuthError("invalid_scope", "Ask for at least one scope, such as system/*.read.")
    granted = scopes_grant(requested, client.allowed_scopes)
    if not granted:
        raise OAuthError("invalid_scope", "None of the requested scopes is allowed for this client.")
    with transaction.atomic():
        token, raw = _new_token(kind=SmartToken.Kind.SYSTEM, client=client, organisation=client.organisation,
                                name=client.name, scopes=granted, expires_at=timezone.now() + SYSTEM_TOKEN_LIFETIME)
        audit_record(action="smart_token.issued", request=request, organisation=client.organisation,
                     object_type="smart_token", object_id=token.public_id,
                     details={"client_id": client.client_id, "client": client.name, "scopes": granted})
    return token, raw


# Patient apps: a token the patient or a guardian issues from the portal for one record

def patient_token_issue(*, user, patient, name, scopes, lifetime, request=None):
    """Issue an app's token limited to one patient's compartment; return (token, raw) with raw shown once."""
    if not portal_patients(user).filter(pk=patient.pk).exists():
        raise NotFound()
    scopes = sorted(set(scopes))
    if not scopes_valid(scopes, context="patient"):
        raise ValidationFailed(_("Choose patient scopes, such as patient/*.read."), code="invalid_scope",
                               details={"scopes": scopes})
    if lifetime not in PATIENT_TOKEN_LIFETIMES:
        raise ValidationFailed(_("Choose how long the app may read the record."), code="invalid_lifetime")
    with transaction.atomic():
        token, raw = _new_token(kind=SmartToken.Kind.PATIENT, patient=patient, user=user, name=name.strip(),
                                scopes=[str(s) for s in scopes_parse(scopes)],
                                expires_at=timezone.now() + PATIENT_TOKEN_LIFETIMES[lifetime][0])
        audit_record(action="smart_token.issued", actor=user, request=request, object_type="smart_token",
                     object_id=token.public_id, patient_public_id=patient.public_id,
                     details={"app": token.name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()})
    return token, raw


def patient_tokens_of(user):
    """Return the app tokens a patient or guardian issued for the records they still hold, newest first."""
    return SmartToken.objects.filter(kind=SmartToken.Kind.PATIENT, user=user,
                                     patient__in=portal_patients(user)).select_related("patient").order_by(
        "-created_at")


def system_tokens_of(user):
    """Return the live system tokens of the clients of the hospitals a user administers, newest first."""
    return SmartToken.objects.filter(kind=SmartToken.Kind.SYSTEM, organisation__in=client_admin_hospitals(user),
                                     revoked_at__isnull=True, expires_at__gt=timezone.now()).select_related(
        "client").order_by("-created_at")


def smart_token_revoke(*, token, revoked_by=None, request=None):
    """Revoke a token at once (idempotent: a revoked or expired token stays so)."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(action="smart_token.revoked", actor=revoked_by, request=request, organisation=token.organisation,
                 object_type="smart_token", object_id=token.public_id,
                 patient_public_id=token.patient.public_id if token.patient_id else None,
                 details={"client_id": token.client.client_id if token.client_id else None, "app": token.name})
    return token


def user_token_revoke(*, user, public_id, request=None):
    """Revoke a token the user may revoke: an app token they issued, or a system token of their hospital."""
    token = (patient_tokens_of(user) | SmartToken.objects.filter(
        kind=SmartToken.Kind.SYSTEM, organisation__in=client_admin_hospitals(user))).filter(
        public_id=public_id).first()
    if token is None:
        raise NotFound()
    return smart_token_revoke(token=token, revoked_by=user, request=request)


def token_revoke_by_client(*, raw, client, request=None):
    """RFC 7009: revoke a token presented by the client it was issued to (a patient app's token by anyone holding it)."""
    token = SmartToken.objects.select_related("client", "patient", "organisation").filter(
        digest=_digest(raw)).first() if raw else None
    if token is None:
        return None
    if token.client_id is not None and (client is None or token.client_id != client.pk):
        return None
    return smart_token_revoke(token=token, request=request)


def smart_token_authenticate(raw):
    """Return the usable token a raw bearer secret names, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = SmartToken.objects.select_related("client", "organisation", "patient", "user").filter(
        digest=_digest(raw)).first()
    if token is None or not token.is_usable:
        return None
    if token.client_id is not None and token.client.revoked_at is not None:
        return None
    if token.kind == SmartToken.Kind.PATIENT and not portal_patients(token.user).filter(pk=token.patient_id).exists():
        return None  # the guardian no longer acts for this patient, or the record was merged away
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        SmartToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
