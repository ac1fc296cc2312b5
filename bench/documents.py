"""PDF rendering of bilingual documents, each as a ratio to the same HTML in Latin script only, in one run.

Prints:
  BENCH documents_certificate_p95 <ms> ms     p95 of rendering a 2-page Chinese + Arabic certificate to PDF
  BENCH documents_certificate_ratio <x> x     that p95 divided by the p95 of the same HTML in Latin script only
  BENCH documents_10_pages_p95 <ms> ms        p95 of rendering a 10-page Chinese + English document
  BENCH documents_10_pages_ratio <x> x        that p95 divided by the p95 of the same HTML in Latin script only

The Latin baseline is the very same HTML (same structure, QR code and CSS) with every Chinese, Arabic or other
non-Latin letter replaced by Latin letters and the lang/dir attributes set to English: the ratio is the cost
of shaping, subsetting and embedding the CJK and Arabic fonts.
"""

import re
import uuid

from support import bench_line, django_setup, p95, timed

# A CJK character is about two Latin letters wide; Arabic, Thai and Cyrillic letters about one.
_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_OTHER = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0e00-\u0e7f]")


def latinise(html):
    """Return the same HTML with Latin letters in place of every other script, all marked as English."""
    counter = iter(range(10**9))

    def cjk(_match):
        return "xi " if next(counter) % 2 else "mo"

    html = _CJK.sub(cjk, html)
    html = _OTHER.sub("a", html)
    html = re.sub(r'lang="[^"]*"', 'lang="en"', html)
    return html.replace('dir="rtl"', 'dir="ltr"')


def main():
    settings = django_setup()
    from django.utils import timezone

    from carebridge.accounts.models import Organisation
    from carebridge.documents.codes import code_generate
    from carebridge.documents.models import Document
    from carebridge.documents.rendering import document_html, render_pdf
    from carebridge.documents.tests.support import TEMPLATES_DIR, sample_context

    settings.TEMPLATES[0]["DIRS"].append(TEMPLATES_DIR)  # before the first template is loaded
    hospital = Organisation.objects.create(slug="bench-hospital", name="Haikou International Hospital",
                                           name_local="海口国际医院", kind="hospital", country="CN")

    def html_of(second, pages):
        document = Document(kind="certificate", title="Medical certificate", issuer=hospital,
                            patient_public_id=uuid.uuid4(), languages=["zh-hans", second],
                            template="documents_tests/sample.html", verification_code=code_generate(),
                            issued_at=timezone.now())
        return document_html(document=document, template=document.template,
                             context=sample_context(second, pages=pages), base_url="https://carebridge.example")

    def measure(name, html, rounds):
        latin = latinise(html)
        assert not _CJK.search(latin) and not _OTHER.search(latin)
        for source in (html, latin):  # warm up: fonts loaded, pages counted
            render_pdf(source)
        # Interleaved, so that whatever else the machine does weighs on both series alike.
        scripts, baseline = [], []
        for _ in range(rounds):
            scripts += timed(lambda: render_pdf(html), 1)
            baseline += timed(lambda: render_pdf(latin), 1)
        bench_line(f"{name}_p95", p95(scripts), "ms")
        bench_line(f"{name}_ratio", p95(scripts) / p95(baseline), "x")

    measure("documents_certificate", html_of("ar", pages=2), rounds=30)
    measure("documents_10_pages", html_of("en", pages=10), rounds=12)


if __name__ == "__main__":
    main()
