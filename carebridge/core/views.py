"""The home page, the language switch, and error pages."""

import sys

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from carebridge.core.i18n import LANGUAGE_CODES
from carebridge.core.middleware import database_unavailable_response, is_database_unavailable


def home(request):
    """Explain the service to a visitor in the visitor's language."""
    return render(request, "home.html")


@require_POST
def language_set(request):
    """Switch the page language; remember it on the account of a signed-in user."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in LANGUAGE_CODES:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/404.html", status=404)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # A lost database connection in a middleware (the session, the user) is a 503 to retry, not a 500.
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return render(request, "errors/500.html", status=500)
