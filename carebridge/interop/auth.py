"""Who is calling the FHIR API, and with which SMART scopes.

- a SMART access token (`cbs_…`): a hospital's system (client credentials, `system/` scopes) or a patient's app
  (issued from the portal for one patient, `patient/` scopes, limited to that patient's compartment);
- an organisation's API token from accounts (`cb_…`) carrying `fhir:read`: kept working as `system/*.read`;
- a signed-in session (staff after their second factor, patients and guardians): all that person may read.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext as _

from carebridge.accounts.selectors import is_staff_user
from carebridge.accounts.services import api_token_authenticate
from carebridge.interop.smart.scopes import scopes_allow
from carebridge.interop.smart.services import TOKEN_PREFIX, smart_token_authenticate

FHIR_SCOPE = "fhir:read"
# The SMART scopes an accounts API token with fhir:read stands for.
LEGACY_SCOPES = ("system/*.read",)


@dataclass(frozen=True)
class FhirCaller:
    """The person (session), the organisation's system or the patient's app a FHIR request acts for.

    `scopes` is None for a signed-in session (what the person may read decides); a token's SMART scopes otherwise.
    `patient` is set for a patient app: everything outside that patient's compartment is answered 404.
    """

    user: object = None
    organisation: object = None
    scopes: tuple | None = None
    patient: object = None
    client: object = None
    token: object = field(default=None, compare=False)

    @property
    def is_system(self):
        return self.user is None

    @property
    def client_label(self):
        """Return how the audit log names the client: the system client, the patient's app, or the session."""
        if self.token is None:
            return {"kind": "session"}
        if self.client is not None:
            return {"kind": "system", "client_id": self.client.client_id, "name": self.client.name}
        if self.patient is not None:
            return {"kind": "patient-app", "token": str(self.token.public_id), "name": self.token.name}
        return {"kind": "api-token", "token": str(self.token.public_id), "name": self.token.name}

    def allows(self, resource_type, interaction):
        """Tell whether the caller's scopes allow an interaction ("read" or "search") on a resource type."""
        return self.scopes is None or _scopes_allow(tuple(self.scopes), resource_type, interaction)


@lru_cache(maxsize=1024)
def _scopes_allow(scopes, resource_type, interaction):
    """`scopes_allow`, remembered: a token's scopes are parsed once, not on every request."""
    return scopes_allow(scopes, resource_type, interaction)


class FhirAuthError(Exception):
    """Refuse a request that is not authenticated (401) or lacks the scope it needs (403)."""

    def __init__(self, *, code, message, status):
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)


def fhir_caller(request):
    """Return the caller of a FHIR request, from its bearer token or its signed-in session."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return _token_caller(request, header)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise FhirAuthError(code="login", status=401, message=_("Sign in, or send a valid bearer token."))
    # The second-factor middleware already stops these; checked again so this API never depends on its order.
    if is_staff_user(user) and not getattr(user, "is_verified", lambda: False)():
        raise FhirAuthError(code="login", status=401, message=_("Give your second factor first."))
    return FhirCaller(user=user)


def _token_caller(request, header):
    scheme, _sep, raw = header.partition(" ")
    raw = raw.strip() if scheme.lower() == "bearer" else ""
    if raw.startswith(TOKEN_PREFIX):
        return _smart_caller(request, smart_token_authenticate(raw))
    token = api_token_authenticate(raw) if raw else None
    if token is None:
        raise FhirAuthError(code="login", status=401, message=_("Sign in, or send a valid bearer token."))
    if FHIR_SCOPE not in (token.scopes or []):
        raise FhirAuthError(code="forbidden", status=403,
                            message=_("This token does not carry the scope this operation needs."))
    # The audit log names the organisation of a system's request from here.
    request.api_organisation = token.organisation
    request.api_token = token
    return FhirCaller(organisation=token.organisation, scopes=LEGACY_SCOPES, token=token)


def _smart_caller(request, token):
    if token is None:
        raise FhirAuthError(code="login", status=401, message=_("Sign in, or send a valid bearer token."))
    request.smart_token = token
    if token.patient_id is not None:
        return FhirCaller(user=token.user, patient=token.patient, scopes=tuple(token.scopes), token=token)
    request.api_organisation = token.organisation
    # Operations that check a system token's scopes themselves ($ips-import needs system/Bundle.write) read them here.
    request.api_token = token
    return FhirCaller(organisation=token.organisation, scopes=tuple(token.scopes), client=token.client, token=token)


def scope_check(caller, resource_type, interaction):
    """Refuse (403) an interaction the caller's scopes do not allow on this resource type."""
    if not caller.allows(resource_type, interaction):
        raise FhirAuthError(code="forbidden", status=403,
                            message=_("This token does not carry the scope this operation needs."))
