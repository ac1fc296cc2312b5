"""SMART on FHIR authorisation: register system clients, issue, check and revoke access tokens.

Tokens are opaque random strings; only their SHA-256 digest is stored. A system token lives five minutes (SMART
Backend Services asks for short-lived tokens: the client asks again with a fresh assertion); a patient app's token
lives as long as the patient or guardian chose (at most a week) and is revocable from the portal at any time.
"""

import base64
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

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
from carebridge.interop.smart.models import AuthorizationCode, ClientAssertionUse, SmartClient, SmartToken
from carebridge.interop.smart.scopes import WRITE_SCOPES, scopes_grant, scopes_parse, scopes_valid
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
SYSTEM_SCOPES = ("system/*.read", "system/*.rs", "system/Patient.read", "system/Patient.rs", *WRITE_SCOPES)
# What a patient app may be allowed (at registration) and given (by the patient): everything, or a part of the record.
PATIENT_SCOPES = ("patient/*.read", "patient/*.rs", "patient/Patient.read", "patient/Condition.read",
                  "patient/AllergyIntolerance.read", "patient/MedicationStatement.read",
                  "patient/MedicationRequest.read", "patient/Immunization.read", "patient/Observation.read",
                  "patient/DiagnosticReport.read", "patient/DocumentReference.read")
# A code is exchanged at once by the app that asked for it (SMART App Launch asks for no more than a few minutes).
CODE_LIFETIME = dt.timedelta(seconds=60)
# A token got through the authorisation code flow is short-lived; the app asks the patient again afterwards.
AUTHORIZED_TOKEN_LIFETIME = dt.timedelta(hours=1)
LAUNCH_PATIENT = "launch/patient"
# RFC 7636: a verifier is 43 to 128 unreserved characters; the S256 challenge is 43 base64url characters.
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")
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


def _jwks_refusal(message):
    return ValidationFailed(message, code="invalid_jwks", details={"jwks": [message]})


def _jwks_check(jwks):
    if not isinstance(jwks, dict) or not jwks.get("keys") or not isinstance(jwks["keys"], list):
        raise _jwks_refusal(_("Give the client's public keys as a JWKS (a JSON object with \"keys\")."))
    if any("d" in key for key in jwks["keys"] if isinstance(key, dict)):
        raise _jwks_refusal(_("The JWKS holds a private key: register only the public keys."))
    try:
        keys = jwt.PyJWKSet.from_dict(jwks).keys
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _jwks_refusal(_("Give the client's public keys as a JWKS (a JSON object with \"keys\").")) from exc
    if not any(key.key_type in ("RSA", "EC") for key in keys):
        raise _jwks_refusal(_("The JWKS needs an RSA or an EC P-384 public key."))


def _redirect_uris_check(uris):
    """Return the redirect URIs of a public app: absolute https (or http on this computer), no fragment."""
    uris = [uri.strip() for uri in uris if uri and uri.strip()]
    if not uris:
        raise ValidationFailed(_("Give at least one redirect URI for the app."), code="invalid_redirect_uri",
                               details={"redirect_uris": [_("Give at least one redirect URI for the app.")]})
    for uri in uris:
        parts = urlsplit(uri)
        local = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not (parts.scheme == "https" or local) or not parts.hostname or parts.fragment or len(uri) > 2000:
            message = _("%(uri)s is not a valid redirect URI: use an https address without a #fragment.") % {
                "uri": uri}
            raise ValidationFailed(message, code="invalid_redirect_uri", details={"redirect_uris": [message]})
    return list(dict.fromkeys(uris))


def smart_client_register(*, organisation, name, auth_method, allowed_scopes, registered_by, jwks=None,
                          redirect_uris=(), request=None):
    """Register a hospital's system or a public patient app; return (client, secret) where the secret is shown once
    (None for JWT clients and public apps)."""
    if organisation not in client_admin_hospitals(registered_by):
        raise NotFound()
    allowed_scopes = sorted(set(allowed_scopes))
    auth_method = SmartClient.Auth(auth_method)
    if auth_method == SmartClient.Auth.PUBLIC:
        if not scopes_valid(allowed_scopes, context="patient"):
            message = _("Choose patient scopes, such as patient/*.read.")
            raise ValidationFailed(message, code="invalid_scope", details={"allowed_scopes": [message]})
    elif not scopes_valid(allowed_scopes, context="system"):
        message = _("Choose system scopes, such as system/*.read or system/Patient.rs.")
        raise ValidationFailed(message, code="invalid_scope", details={"allowed_scopes": [message]})
    secret = None
    fields = {}
    if auth_method == SmartClient.Auth.PUBLIC:
        fields["redirect_uris"] = _redirect_uris_check(redirect_uris)
    elif auth_method == SmartClient.Auth.PRIVATE_KEY_JWT:
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
                              "scopes": allowed_scopes, "redirect_uris": client.redirect_uris})
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
        client_id=client_id, auth_method__in=[SmartClient.Auth.CLIENT_SECRET, SmartClient.Auth.PUBLIC],
        revoked_at__isnull=True).first()
    if client is not None and client.is_public and not secret:
        return client  # a public app only names itself (RFC 6749 2.1); PKCE proves the code is its own
    if client is None or client.is_public or not secret or not check_password(secret, client.secret_hash):
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
    if client.is_public:
        raise OAuthError("unauthorized_client", "A patient app gets its token with grant_type=authorization_code.")
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


# SMART App Launch, standalone: the authorisation code flow with PKCE (RFC 6749 4.1, RFC 7636 S256 only)

@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorisation request checked far enough to answer the app: its client and redirect URI are known."""

    client: SmartClient
    redirect_uri: str
    state: str
    scopes: tuple  # the patient/ scopes the client may have, of those asked for
    launch_patient: bool
    code_challenge: str
    params: dict  # what is sent back with the consent form


class AuthorizeError(Exception):
    """Refuse an authorisation request: to the app's redirect URI when it is known (`redirect_uri`), else on a page."""

    def __init__(self, error, description, *, redirect_uri=None, state=""):
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state
        super().__init__(description)


AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "aud", "code_challenge",
                    "code_challenge_method")


def authorize_request_check(params, *, fhir_base):
    """Check an authorisation request (GET /oauth/authorize, or the consent form sent back).

    A wrong client or redirect URI is answered on a page (nothing may be sent to an unproven address); anything else
    is an RFC 6749 error for the app's redirect URI.
    """
    client = SmartClient.objects.select_related("organisation").filter(
        client_id=params.get("client_id") or "", auth_method=SmartClient.Auth.PUBLIC, revoked_at__isnull=True).first()
    if client is None:
        raise AuthorizeError("invalid_client", _("This app is not registered here, or its registration was revoked."))
    redirect_uri = params.get("redirect_uri") or (client.redirect_uris[0] if len(client.redirect_uris) == 1 else "")
    if redirect_uri not in client.redirect_uris:
        raise AuthorizeError("invalid_request", _("The app asked to return to an address it did not register."))
    state = params.get("state") or ""

    def refuse(error, description):
        return AuthorizeError(error, description, redirect_uri=redirect_uri, state=state)

    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type", "Only response_type=code is supported.")
    if not state:
        raise refuse("invalid_request", "Send a state.")
    if params.get("code_challenge_method") != "S256":
        raise refuse("invalid_request", "PKCE is required with code_challenge_method=S256 (plain is refused).")
    if not CHALLENGE.fullmatch(params.get("code_challenge") or ""):
        raise refuse("invalid_request", "Send the S256 code_challenge: 43 base64url characters.")
    if (params.get("aud") or "").rstrip("/") != fhir_base.rstrip("/"):
        raise refuse("invalid_request", "aud must be this server's FHIR base URL: " + fhir_base)
    if client.organisation.kind != OrganisationKind.HOSPITAL:
        raise refuse("unauthorized_client", "This app's registration cannot read records.")
    requested = (params.get("scope") or "").split()
    scopes = tuple(scopes_grant(requested, client.allowed_scopes))
    if not scopes:
        raise refuse("invalid_scope", "Ask for patient scopes this app is registered for, such as patient/*.read.")
    return AuthorizeRequest(client=client, redirect_uri=redirect_uri, state=state, scopes=scopes,
                            launch_patient=LAUNCH_PATIENT in requested, code_challenge=params["code_challenge"],
                            params={name: params.get(name) or "" for name in AUTHORIZE_PARAMS})


def authorization_approve(*, authorize, user, patient, scopes, request=None):
    """Record a patient's or guardian's consent for an app to read one record; return the one-time code (raw)."""
    if not portal_patients(user).filter(pk=patient.pk).exists():
        raise NotFound()
    scopes = [scope for scope in authorize.scopes if scope in scopes]
    if not scopes:
        message = _("Allow the app at least one part of the record, or deny its request.")
        raise ValidationFailed(message, code="invalid_scope", details={"scopes": [message]})
    if authorize.launch_patient:
        scopes.append(LAUNCH_PATIENT)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        code = AuthorizationCode.objects.create(
            digest=_digest(raw), client=authorize.client, user=user, patient=patient,
            redirect_uri=authorize.redirect_uri, scopes=scopes, code_challenge=authorize.code_challenge,
            expires_at=timezone.now() + CODE_LIFETIME)
        audit_record(action="smart_authorization.approved", actor=user, request=request,
                     organisation=authorize.client.organisation, object_type="smart_client",
                     object_id=authorize.client.public_id, patient_public_id=patient.public_id,
                     details={"client_id": authorize.client.client_id, "app": authorize.client.name,
                              "scopes": scopes, "code": str(code.public_id)})
    return raw


def authorization_deny(*, authorize, user, request=None):
    """Record that a patient or guardian refused an app's request."""
    audit_record(action="smart_authorization.denied", actor=user, request=request,
                 organisation=authorize.client.organisation, object_type="smart_client",
                 object_id=authorize.client.public_id,
                 details={"client_id": authorize.client.client_id, "app": authorize.client.name,
                          "scopes": list(authorize.scopes)})


def _s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def authorization_code_exchange(*, client, code, redirect_uri, code_verifier, request=None):
    """Exchange a code for a patient app's token (RFC 6749 4.1.3 with RFC 7636).

    A code works once, within its minute, for the client and redirect URI it was issued to and the verifier whose
    S256 hash it was bound to. Presented again, it is refused and the token it gave is revoked. Returns
    (token, raw, scopes granted, launch/patient included when it was).
    """
    invalid = OAuthError("invalid_grant", "The code is unknown, expired, already used or not this client's.")
    if client is None or not client.is_public:
        raise OAuthError("invalid_client", "Name the public app the code was issued to (client_id).", status=401)
    if not code:
        raise OAuthError("invalid_request", "Give the code.")
    if not VERIFIER.fullmatch(code_verifier or ""):
        raise OAuthError("invalid_request", "Give the code_verifier: 43 to 128 unreserved characters.")
    now = timezone.now()
    token = raw = None
    with transaction.atomic():
        found = AuthorizationCode.objects.select_for_update().select_related("patient", "user").filter(
            digest=_digest(code)).first()
        if found is None or found.client_id != client.pk:
            raise invalid
        details = {"client_id": client.client_id, "code": str(found.public_id)}
        if found.used_at is not None:
            if found.token_id is not None:
                smart_token_revoke(token=SmartToken.objects.select_related("patient", "organisation", "client").get(
                    pk=found.token_id), request=request)
            audit_record(action="smart_authorization.code_reused", request=request, organisation=client.organisation,
                         object_type="smart_client", object_id=client.public_id,
                         patient_public_id=found.patient.public_id, outcome="denied", details=details)
        else:
            # Spent whatever follows: a wrong verifier or redirect URI gets one try only.
            found.used_at = now
            found.save(update_fields=["used_at", "updated_at"])
            if (found.expires_at <= now or found.redirect_uri != (redirect_uri or "")
                    or not secrets.compare_digest(_s256(code_verifier), found.code_challenge)):
                audit_record(action="smart_authorization.exchange_refused", request=request,
                             organisation=client.organisation, object_type="smart_client",
                             object_id=client.public_id, patient_public_id=found.patient.public_id,
                             outcome="denied", details=details)
            elif portal_patients(found.user).filter(pk=found.patient_id).exists():
                token, raw = _new_token(kind=SmartToken.Kind.PATIENT, patient=found.patient, user=found.user,
                                        client=client, name=client.name,
                                        scopes=[scope for scope in found.scopes if scope != LAUNCH_PATIENT],
                                        expires_at=now + AUTHORIZED_TOKEN_LIFETIME)
                found.token = token
                found.save(update_fields=["token", "updated_at"])
                audit_record(action="smart_token.issued", actor=found.user, request=request,
                             organisation=client.organisation, object_type="smart_token", object_id=token.public_id,
                             patient_public_id=found.patient.public_id,
                             details={**details, "app": client.name, "scopes": token.scopes,
                                      "grant": "authorization_code", "expires_at": token.expires_at.isoformat()})
    if token is None:
        raise invalid  # after the block, so the revocation and the audit rows stay
    return token, raw, list(found.scopes)
