"""Shared pieces of the JSON API: authentication, the uniform error body, pagination."""

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from carebridge.core.errors import CareBridgeError


class SessionAuth(APIKeyCookie):
    """Authenticate a browser by its session cookie, checking CSRF on writes."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.api_organisation = None
            return user
        return None


class BearerTokenAuth(HttpBearer):
    """Authenticate an organisation's system by a hashed bearer token carrying the needed scope."""

    def __init__(self, scope=None):
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token):
        from carebridge.accounts.services import api_token_authenticate

        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        if self.scope and self.scope not in api_token.scopes:
            raise CareBridgeError(_("This token does not carry the scope this operation needs."),
                                  code="insufficient_scope", status=403, details={"scope": self.scope})
        request.api_organisation = api_token.organisation
        request.api_token = api_token
        return api_token


def error_response(api, request, *, code, message, status, details=None):
    return api.create_response(request, {"code": code, "message": str(message), "details": details or {}},
                               status=status)


def install_error_handlers(api):
    """Answer every failure with the uniform error body, its message in the caller's language."""

    @api.exception_handler(CareBridgeError)
    def carebridge_error(request, exc):
        return error_response(api, request, code=exc.code, message=exc.message, status=exc.status,
                              details=exc.details)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc):
        details = {}
        for error in exc.errors:
            loc = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query", "path")]
            details.setdefault(".".join(loc) or "request", []).append(error.get("msg", ""))
        return error_response(api, request, code="validation_error",
                              message=_("Some of the information given is not valid."), status=400,
                              details=details)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return error_response(api, request, code="not_authenticated",
                              message=_("Sign in, or send a valid API token."), status=401)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, code="not_found", message=_("Not found."), status=404)

    def database_unavailable(request, exc):
        # Not left to Django: under DEBUG ninja would answer an unhandled error with its traceback.
        from carebridge.core.middleware import database_unavailable_response

        return database_unavailable_response(request)

    api.add_exception_handler(OperationalError, database_unavailable)
    api.add_exception_handler(InterfaceError, database_unavailable)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        code = {400: "bad_request", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "payload_too_large", 429: "too_many_requests"}.get(exc.status_code, "error")
        message = {400: _("The request could not be read.")}.get(exc.status_code, str(exc))
        return error_response(api, request, code=code, message=message, status=exc.status_code)
