"""Pages of the claim pack: the family (in the portal) or the desk downloads it, and sends it to the insurer only
with the patient's consent to cross-border transfer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.audit.consent_texts import consent_text
from carebridge.audit.models import ConsentKind
from carebridge.audit.services import consent_give
from carebridge.billing.access import invoice_get_for_user
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.documents.selectors import document_file_response, document_progress
from carebridge.insurance import claim_pack
from carebridge.patients.selectors import portal_patients


def _invoice(request, public_id):
    try:
        return invoice_get_for_user(user=request.user, public_id=str(public_id), request=request)
    except NotFound:
        raise Http404 from None


def _page(request, invoice, *, refusal=None, address="", status=200):
    _payer, claims_email = claim_pack.default_address(invoice)
    version, text = consent_text(ConsentKind.CROSS_BORDER_TRANSFER)
    return render(request, "insurance/documents/page.html", {
        "invoice": invoice, "has_consent": claim_pack.cross_border_consent(invoice.patient) is not None,
        "consent_text": text, "claims_email": claims_email, "address": address or claims_email,
        "refusal": refusal, "is_family": portal_patients(request.user).filter(pk=invoice.patient_id).exists(),
    }, status=status)


@login_required
@require_GET
def claim_pack_page(request, public_id):
    """Show what the claim pack holds, its download, and sending it to the insurer."""
    return _page(request, _invoice(request, public_id))


@login_required
@require_GET
def claim_pack_pdf(request, public_id):
    """Give the family or the desk the claim pack PDF (prepared in the background; the download audited)."""
    invoice = _invoice(request, public_id)
    try:
        document = claim_pack.claim_pack_document(invoice=invoice, requested_by=request.user, request=request)
    except CareBridgeError as exc:
        messages.error(request, exc.message)
        return redirect("insurance:claim_pack", invoice.public_id)
    if document.status == document.Status.READY and request.GET.get("progress") != "1":
        claim_pack.claim_pack_read_audit(document=document, user=request.user, request=request)
        return document_file_response(document, filename=f"claim-pack-{invoice.number}.pdf")
    context = {"document": document, "progress": document_progress(document),
               "progress_url": f"{request.path}?progress=1", "download_url": request.path,
               "page_title": _("Insurance claim pack")}
    if request.GET.get("progress") == "1":
        return render(request, "documents/progress.html", context)
    return render(request, "billing/documents/preparing.html", context)


@login_required
@require_http_methods(["POST"])
def claim_pack_send(request, public_id):
    """Send the pack to the insurer's claims e-mail (or the address given) — refused, offering consent, without it."""
    invoice = _invoice(request, public_id)
    address = request.POST.get("address", "").strip()
    try:
        send = claim_pack.claim_pack_send(invoice=invoice, requested_by=request.user, address=address,
                                          request=request)
    except claim_pack.ClaimPackConsentRequired as exc:
        return _page(request, invoice, refusal=exc, address=address, status=exc.status)
    except CareBridgeError as exc:
        messages.error(request, exc.message)
        return _page(request, invoice, address=address, status=exc.status)
    messages.success(request, _("The claim pack is on its way to %(address)s.") % {"address": send.address})
    return redirect("insurance:claim_pack", invoice.public_id)


@login_required
@require_POST
def claim_pack_consent(request, public_id):
    """Let the patient or a guardian give the cross-border transfer consent here, then come back to send."""
    invoice = _invoice(request, public_id)
    patient = invoice.patient
    if not portal_patients(request.user).filter(pk=patient.pk).exists():
        raise Http404  # only the patient's own people consent for them
    relation = "self" if patient.account_id == request.user.pk else "guardian"
    try:
        consent_give(subject_public_id=patient.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                     given_by=request.user, given_as=relation, language=request.LANGUAGE_CODE, request=request)
        messages.success(request, _("Thank you. Your consent is recorded."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("insurance:claim_pack", args=[invoice.public_id]))
