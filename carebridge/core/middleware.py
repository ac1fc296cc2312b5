"""Answer a request that cannot reach the database with 503 and Retry-After, never with a traceback.

While PostgreSQL restarts (or SQLite stays locked past its timeout) a request fails with Django's
OperationalError or InterfaceError. The caller gets a clean "try again shortly": the API's error body
{code: "service_unavailable", message, details} under /api, an OperationOutcome (issue code "transient")
under /fhir, and a translated page otherwise. Once the database is back, Django's connection health
check (CONN_HEALTH_CHECKS) opens a fresh connection on the next request: no restart of the app is needed.

The middleware catches the failures of views; `carebridge.core.views.server_error` (handler500) sends the
failures of other middleware (a session or user looked up before the view) through the same answer.
"""

import json
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(exc):
    """True when `exc` (or what it was raised from) is a lost or refused database connection."""
    while exc is not None:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable_response(request):
    """The 503 answer for a request the database could not serve, in the form its path calls for."""
    message = _("The service is briefly unavailable. Please try again in a moment.")
    path = getattr(request, "path_info", "") or ""
    if path.startswith("/api/"):
        body = json.dumps({"code": "service_unavailable", "message": message, "details": {}}, ensure_ascii=False)
        response = HttpResponse(body, status=503, content_type="application/json; charset=utf-8")
    elif path.startswith("/fhir/"):
        outcome = {"resourceType": "OperationOutcome",
                   "issue": [{"severity": "error", "code": "transient", "diagnostics": message}]}
        response = HttpResponse(json.dumps(outcome, ensure_ascii=False), status=503,
                                content_type="application/fhir+json; charset=utf-8")
    else:
        # Rendered without the request: context processors could need the database that is gone.
        response = HttpResponse(render_to_string("core/unavailable.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a view's lost database connection into a clean 503 (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)
