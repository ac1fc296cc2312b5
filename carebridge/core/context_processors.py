"""Template context shared by every page."""

from django.conf import settings
from django.utils import timezone, translation

from carebridge.core.i18n import is_rtl


def locale(request):
    """Expose the language, its direction and the viewer's time zone to templates."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "LANGUAGE_DIR": "rtl" if is_rtl(language) else "ltr",
        "UI_LANGUAGES": settings.LANGUAGES,
        "VIEWER_TIME_ZONE": timezone.get_current_timezone_name(),
    }
