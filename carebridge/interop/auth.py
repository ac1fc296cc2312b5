"""Who is calling the FHIR API: a signed-in person, or an organisation's system with a bearer token."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from carebridge.accounts.selectors import is_staff_user
from carebridge.accounts.services import api_token_authenticate

FHIR_SCOPE = "fhir:read"


@dataclass(frozen=True)
class FhirCaller:
    """The person (session) or the organisation (bearer token) a FHIR request acts for."""

    user: object = None
    organisation: object = None

    @property
    def is_system(self):
        return self.user is None


class FhirAuthError(Exception):
    """Refuse a request that is not authenticated (401) or lacks the FHIR scope (403)."""

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
    token = api_token_authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise FhirAuthError(code="login", status=401, message=_("Sign in, or send a valid bearer token."))
    if FHIR_SCOPE not in (token.scopes or []):
        raise FhirAuthError(code="forbidden", status=403,
                            message=_("This token does not carry the scope this operation needs."))
    # The audit log names the organisation of a system's request from here.
    request.api_organisation = token.organisation
    request.api_token = token
    return FhirCaller(organisation=token.organisation)
