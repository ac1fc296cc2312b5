"""HTML to PDF with WeasyPrint: fonts from fontconfig (Debian's Noto), nothing fetched from the network."""

import functools
import logging
import zoneinfo
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from carebridge.core.i18n import format_date, is_rtl

logger = logging.getLogger(__name__)
# WeasyPrint reports each step of every render at INFO ("Step 2 - Fetching and parsing CSS"): noise in our logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# The footer's words in base_document.html, as gettext sees them.
FOOTER_MSGID = "Verification code %(code)s · Page %(page)s of %(pages)s"
PRIMARY_LANGUAGE = "zh-hans"  # documents issued in China carry Chinese beside the patient's language


def html_lang(code):
    """Return the BCP 47 tag of a Django language code for a `lang` attribute (zh-hans → zh-Hans)."""
    if code.lower() == "zh-hans":
        return "zh-Hans"
    return code


def text_dir(code):
    """Return "rtl" for Arabic and Urdu, "ltr" otherwise."""
    return "rtl" if is_rtl(code) else "ltr"


def _static_roots():
    roots = [Path(directory) for directory in getattr(settings, "STATICFILES_DIRS", [])]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


@functools.cache
def _url_fetcher_class():
    # Imported here: WeasyPrint and Pango take a moment to load, and only renders need them.
    from weasyprint.urls import URLFetcher, URLFetchingError

    class LocalOnlyURLFetcher(URLFetcher):
        """Fetch data: URLs and files under the static directories; refuse everything else (no network)."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme.lower() == "data":
                return super().fetch(url, headers)
            if parts.scheme.lower() == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in _static_roots()):
                    return super().fetch(url, headers)
            logger.warning("document rendering refused to fetch %s", url[:200])
            raise URLFetchingError(f"documents fetch only data: URLs and static files, not {url[:200]}")

    return LocalOnlyURLFetcher


def render_pdf(html, *, base_url=None):
    """Render an HTML string to PDF bytes (A4 as the document's CSS says), with local resources only."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=_url_fetcher_class()()).write_pdf()


def qr_data_uri(url):
    """Return a QR code of a URL as an SVG data: URI (no file, no network)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def verification_url(code, *, base_url):
    """Return the public URL that verifies a code, e.g. https://host/verify/K7QX-9M2P-4D/."""
    return base_url.rstrip("/") + reverse("documents:verify_code", args=[code])


def document_html(*, document, template, context, base_url):
    """Render a caller app's template (extending documents/base_document.html) for a document."""
    second = document.second_language
    verify = verification_url(document.verification_code, base_url=base_url)
    zone = document.issuer.time_zone
    issued_local = document.issued_at.astimezone(zoneinfo.ZoneInfo(zone))
    full_context = {
        **context,
        "document": document,
        "issuer": document.issuer,
        "verification_code": document.verification_code,
        "verification_url": verify,
        "qr_data_uri": qr_data_uri(verify),
        "primary_language": PRIMARY_LANGUAGE,
        "primary_lang": html_lang(PRIMARY_LANGUAGE),
        "second_language": second,
        "second_lang": html_lang(second),
        "second_dir": text_dir(second),
        "issued_on_primary": format_date(issued_local.date(), language=PRIMARY_LANGUAGE, format="long"),
        # Marked with its language: the words around it may print in English until translated.
        "issued_on_second": format_html('<span lang="{}" dir="{}">{}</span>', html_lang(second), text_dir(second),
                                        format_date(issued_local.date(), language=second, format="long")),
        # Filled in by the page counters of the CSS in every page's footer.
        "page_number": mark_safe('<span class="page-number"></span>'),  # noqa: S308 - a constant
        "page_count": mark_safe('<span class="page-count"></span>'),  # noqa: S308 - a constant
        "verification_code_html": format_html('<span class="code" dir="ltr">{}</span>', document.verification_code),
    }
    with translation.override(second):
        # Until the footer's words are translated into the second language they print in English, left to right.
        translated = translation.gettext(FOOTER_MSGID) != FOOTER_MSGID or second.startswith("en")
        full_context["labels_lang"] = html_lang(second) if translated else "en"
        full_context["labels_dir"] = text_dir(second) if translated else "ltr"
        return render_to_string(template, full_context)
