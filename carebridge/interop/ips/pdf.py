"""The IPS as a readable PDF: the documents app renders it (WeasyPrint) with a verification code, like every
document the hospital issues; the sections are the summary's own narratives, in the patient's language and English."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carebridge.documents.services import document_render_sync, document_request
from carebridge.interop.ips.narrative import narrative_languages

KIND = "patient_summary"
TEMPLATE = "interop/ips/summary_pdf.html"
TITLE = _("International Patient Summary")


def ips_pdf_issue(*, patient, bundle, language, issued_by, request=None):
    """Record and render (now) the PDF of an exported summary; return the ready Document."""
    composition = bundle["entry"][0]["resource"]
    custodian_ref = (composition.get("custodian") or {}).get("reference")
    languages = narrative_languages(language)
    second = languages[0]
    with translation.override(second):
        title_second = str(TITLE)
    context = {
        "title_primary": "国际患者摘要",
        "title_second": title_second,
        "title_lang": second,
        "patient_name": f"{patient.family_name} {patient.given_names}".strip(),
        "native_name": patient.native_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "bundle_identifier": bundle["identifier"]["value"],
        "sections": [{"title": section["title"], "div": section["text"]["div"]}
                     for section in composition["section"]],
    }
    from carebridge.accounts.models import Organisation

    issuer = Organisation.objects.get(public_id=custodian_ref.removeprefix("urn:uuid:"))
    document = document_request(kind=KIND, title=str(TITLE), issuer=issuer, patient_public_id=patient.public_id,
                                template=TEMPLATE, context=context, languages=["zh-hans", second],
                                issued_by=issued_by, request=request)
    return document_render_sync(document_id=document.pk)
