"""Per-user language and time zone, and the second factor that staff must use."""

import zoneinfo

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carebridge.accounts.selectors import is_staff_user

TIME_ZONE_COOKIE = "cb_tz"


class UserLocaleMiddleware:
    """Use a signed-in user's language and time zone; a visitor's browser language and cookie zone otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone_name = settings.HOSPITAL_TIME_ZONE
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            zone_name = user.time_zone or zone_name
        else:
            zone_name = request.COOKIES.get(TIME_ZONE_COOKIE, zone_name)
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.HOSPITAL_TIME_ZONE))
        return self.get_response(request)


# Paths a staff member may reach before the second factor: setting it up, giving it, leaving.
SECOND_FACTOR_EXEMPT_NAMES = ("accounts:otp_setup", "accounts:otp_verify", "accounts:sign_out", "language_set")


class StaffSecondFactorMiddleware:
    """Keep staff who signed in with a password alone away from every page and API until they give a TOTP code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        needs_factor = user is not None and user.is_authenticated and is_staff_user(user) and not user.is_verified()
        if needs_factor and not self._exempt(request.path):
            if request.path.startswith("/fhir/"):
                body = {"resourceType": "OperationOutcome", "issue": [
                    {"severity": "error", "code": "login", "diagnostics": _("Give your second factor first.")}]}
                return JsonResponse(body, status=401, content_type="application/fhir+json")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "second_factor_required", "message": _("Give your second factor first."), "details": {}},
                    status=401,
                )
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _exempt(path):
        if path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL):
            return True
        return any(path == reverse(name) for name in SECOND_FACTOR_EXEMPT_NAMES)
