"""The OAuth 2.0 endpoints of SMART on FHIR: token (RFC 6749 client credentials), revocation (RFC 7009), discovery."""

import json

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from carebridge.interop.smart.scopes import WRITE_SCOPES
from carebridge.interop.smart.services import (
    ASSERTION_ALGORITHMS,
    LAUNCH_PATIENT,
    OAuthError,
    authorization_code_exchange,
    client_authenticate,
    smart_token_issue,
    token_revoke_by_client,
)

SCOPES_SUPPORTED = ["system/*.read", "system/*.rs", *WRITE_SCOPES, "patient/*.read", "patient/*.rs", LAUNCH_PATIENT]
CAPABILITIES = ["launch-standalone", "client-public", "client-confidential-asymmetric",
                "client-confidential-symmetric", "context-standalone-patient", "permission-v1", "permission-v2",
                "permission-patient"]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def token_url(request):
    """Return the absolute URL of the token endpoint (the audience of client assertions)."""
    return request.build_absolute_uri(reverse("smart:token"))


def authorize_url(request):
    """Return the absolute URL of the authorisation endpoint (SMART App Launch, standalone)."""
    return request.build_absolute_uri(reverse("smart:authorize"))


def revoke_url(request):
    """Return the absolute URL of the revocation endpoint."""
    return request.build_absolute_uri(reverse("smart:revoke"))


def _oauth_error(exc):
    response = JsonResponse({"error": exc.error, "error_description": exc.description}, status=exc.status,
                            headers=NO_STORE)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="oauth"'
    return response


def _form(request):
    if request.content_type != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "Send the request as application/x-www-form-urlencoded.")
    if any(len(values) > 1 for _name, values in request.POST.lists()):
        raise OAuthError("invalid_request", "A parameter was sent more than once.")
    return request.POST


@csrf_exempt  # called by systems and apps, never by a browser session; authenticated by client credentials or PKCE
@require_POST
def token(request):
    """Issue an access token: client credentials (a secret or a signed JWT assertion), or a patient app's
    authorisation code with its PKCE verifier."""
    try:
        form = _form(request)
        grant_type = form.get("grant_type")
        if grant_type not in ("client_credentials", "authorization_code"):
            raise OAuthError("unsupported_grant_type",
                             "Use grant_type=client_credentials or grant_type=authorization_code.")
        client = client_authenticate(form=form, authorization=request.META.get("HTTP_AUTHORIZATION", ""),
                                     token_url=token_url(request))
        if grant_type == "authorization_code":
            return _code_token(request, form, client)
        if client is None:
            raise OAuthError("invalid_client", "Authenticate the client.", status=401)
        issued, raw = smart_token_issue(client=client, scope=form.get("scope"), request=request)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JsonResponse({"access_token": raw, "token_type": "bearer", "expires_in": _expires_in(issued),
                         "scope": " ".join(issued.scopes)}, headers=NO_STORE)


def _expires_in(issued):
    return round((issued.expires_at - issued.created_at).total_seconds())


def _code_token(request, form, client):
    issued, raw, scopes = authorization_code_exchange(
        client=client, code=form.get("code"), redirect_uri=form.get("redirect_uri"),
        code_verifier=form.get("code_verifier"), request=request)
    return JsonResponse({"access_token": raw, "token_type": "bearer", "expires_in": _expires_in(issued),
                         "scope": " ".join(scopes), "patient": str(issued.patient.public_id)}, headers=NO_STORE)


@csrf_exempt  # called by systems and apps with the token itself; authenticated by client credentials when any
@require_POST
def revoke(request):
    """Revoke a token (RFC 7009): 200 whether or not the token was known, so tokens cannot be probed."""
    try:
        form = _form(request)
        client = client_authenticate(form=form, authorization=request.META.get("HTTP_AUTHORIZATION", ""),
                                     token_url=token_url(request))
        if not form.get("token"):
            raise OAuthError("invalid_request", "Give the token to revoke.")
        token_revoke_by_client(raw=form["token"], client=client, request=request)
    except OAuthError as exc:
        return _oauth_error(exc)
    return HttpResponse(status=200, headers=NO_STORE)


def smart_configuration_data(request):
    """Return the SMART configuration document (SMART App Launch 2.x, section Conformance)."""
    return {
        "issuer": request.build_absolute_uri("/").rstrip("/"),
        "authorization_endpoint": authorize_url(request),
        "token_endpoint": token_url(request),
        "revocation_endpoint": revoke_url(request),
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post",
                                                  "none"],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "scopes_supported": SCOPES_SUPPORTED,
        "capabilities": CAPABILITIES,
        "code_challenge_methods_supported": ["S256"],
    }


@require_GET
@never_cache
def smart_configuration(request):
    """Serve /.well-known/smart-configuration."""
    return HttpResponse(json.dumps(smart_configuration_data(request)), content_type="application/json")
