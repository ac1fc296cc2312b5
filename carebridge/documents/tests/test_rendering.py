"""A bilingual document prints every script with its own embedded font, and every page carries its code."""

import logging
import re
import unicodedata

import pytest

from carebridge.documents.models import Document
from carebridge.documents.services import document_render_sync
from carebridge.documents.tests.support import TEXTS, pdf_fonts, pdf_pages, pdf_text

# The font each language must be printed in (pdffonts names, without the subset prefix).
FONTS = {
    "zh-hans": "Noto-Sans-CJK-SC",
    "ar": "Noto-Naskh-Arabic",
    "th": "Noto-Sans-Thai",
    "mn": "Noto-Sans",
    "ja": "Noto-Sans-CJK-JP",
    "ru": "Noto-Sans",
    "en": "Noto-Sans",
    "ur": "Noto-Nastaliq-Urdu",
}
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _words(text):
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return set(re.findall(r"\w+", text))


def _squeezed(text):
    """Drop spaces, line breaks and punctuation: the reading order of those differs between PDF readers."""
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "P")


def _rendered(request_document, second, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        document = request_document(second)
    document_render_sync(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    return document, document.file.path


@pytest.mark.parametrize("second", ["ar", "th", "mn", "ja", "ru", "en"])
def test_a_two_page_bilingual_document_reads_back_in_both_languages(
    second, request_document, django_capture_on_commit_callbacks, caplog
):
    # Given a document in Chinese and the patient's language, when it is rendered
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document, path = _rendered(request_document, second, django_capture_on_commit_callbacks)

    # Then it has two pages, and the text of both languages comes back out of the PDF
    assert pdf_pages(path) == 2
    heading_zh, text_zh = TEXTS["zh-hans"]
    heading, text = TEXTS[second]
    extracted = pdf_text(path, raw=second == "th")  # Thai extracts in order only in raw mode (STACK.md)
    for phrase in (heading_zh, text_zh):
        assert _squeezed(phrase) in _squeezed(extracted)
    if second in ("th", "ja"):  # no spaces between words: compare the text, whatever the line breaks
        for phrase in (heading, text):
            assert _squeezed(phrase) in _squeezed(extracted)
    else:  # Arabic clauses may be reordered around punctuation: compare words, not lines (STACK.md)
        assert _words(heading) | _words(text) <= _words(extracted)

    # And no glyph was missing: nothing was logged, every font is embedded, and each language has its font
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    fonts = pdf_fonts(path)
    assert fonts and all(embedded for _name, embedded in fonts)
    names = {name.removesuffix("-Bold") for name, _embedded in fonts}
    assert FONTS["zh-hans"] in names and FONTS[second] in names
    assert names <= {FONTS["zh-hans"], FONTS[second], "Noto-Sans"}, names  # no fallback font crept in
    if second != "ja":
        assert "Noto-Sans-CJK-JP" not in names  # Chinese never falls back to Japanese glyph forms


def test_the_verification_code_and_page_number_are_in_every_page_footer(
    request_document, django_capture_on_commit_callbacks
):
    document, path = _rendered(request_document, "en", django_capture_on_commit_callbacks)

    pages = [page for page in pdf_text(path).split("\f") if page.strip()]

    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert document.verification_code in page
        assert f"Page {number} of 2" in page
        assert _squeezed(f"第 {number} 页，共 2 页") in _squeezed(page)
        assert f"/verify/{document.verification_code}/" in page


def test_the_header_names_the_issuer_in_both_languages_and_the_title_in_both(
    request_document, django_capture_on_commit_callbacks
):
    document, path = _rendered(request_document, "ru", django_capture_on_commit_callbacks)

    first_page = pdf_text(path).split("\f")[0]

    assert "海口国际医院" in first_page and "Haikou International Hospital" in first_page
    assert "测试文件" in first_page and "Test summary" in first_page


def test_an_urdu_document_is_set_in_nastaliq_with_its_font_embedded(
    request_document, django_capture_on_commit_callbacks
):
    # Nastaliq does not extract cleanly (STACK.md): check the font, not the text.
    document, path = _rendered(request_document, "ur", django_capture_on_commit_callbacks)

    fonts = pdf_fonts(path)

    assert ("Noto-Nastaliq-Urdu", True) in fonts
    assert all(embedded for _name, embedded in fonts)


def test_rendering_fetches_nothing_from_the_network(request_document, django_capture_on_commit_callbacks, caplog):
    from carebridge.documents.rendering import render_pdf

    html = '<html><body><img src="https://example.com/tracker.png"><p>Offline</p></body></html>'

    with caplog.at_level(logging.WARNING):
        pdf = render_pdf(html)

    assert pdf.startswith(b"%PDF")
    assert "refused to fetch https://example.com/tracker.png" in caplog.text
