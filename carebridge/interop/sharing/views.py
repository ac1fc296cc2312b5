"""Pages of share links: the portal (create, see, revoke, QR code, who opened it) and the doctor's page, plus the
SMART Health Links manifest and file endpoints for health apps. Every use is logged, audited and shown to the patient."""

import io
import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.audit.consent_texts import consent_text
from carebridge.audit.models import ConsentKind
from carebridge.audit.selectors import consent_is_active
from carebridge.audit.services import consent_give
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.forms import form_add_service_errors
from carebridge.documents.selectors import document_file_response
from carebridge.interop.sharing import selectors, services
from carebridge.interop.sharing.access import share_link_by_token, share_link_get_for_user
from carebridge.interop.sharing.display import ips_sections
from carebridge.interop.sharing.forms import OpenForm, ShareLinkForm
from carebridge.interop.sharing.models import ShareLinkAccess
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import portal_patients

FILE_URL_SECONDS = 3600
GRANT_SECONDS = 3600
SESSION_GRANTS = "shl_grants"
FILE_SALT = "carebridge.shl.file"


def _patient(request, public_id, *, manage=False):
    try:
        return patient_get_for_user(user=request.user, public_id=public_id, request=request, manage=manage,
                                    purpose="share-link")
    except NotFound:
        raise Http404 from None


def _link(request, public_id, *, manage=False):
    try:
        return share_link_get_for_user(user=request.user, public_id=public_id, request=request, manage=manage)
    except NotFound:
        raise Http404 from None


def _chosen_patient(request):
    patients = list(portal_patients(request.user))
    chosen = request.GET.get("patient") or request.POST.get("patient") or (str(patients[0].public_id)
                                                                         if patients else None)
    if chosen is None:
        return patients, None
    if chosen not in {str(p.public_id) for p in patients}:
        try:
            deny(user=request.user, request=request, object_type="patient", object_id=chosen, reason="not_holder")
        except NotFound:
            raise Http404 from None
    return patients, _patient(request, chosen)


def _list_context(request, patients, patient, form=None, refusal=None):
    documents = list(selectors.shareable_documents(patient))
    version, text = consent_text(ConsentKind.CROSS_BORDER_TRANSFER)
    links = list(selectors.share_links_of(patient))
    now = timezone.now()
    for link in links:
        link.current_state = link.state(now)
    return {"patients": patients, "patient": patient, "links": links,
            "form": form or ShareLinkForm(documents=documents),
            "has_consent": consent_is_active(subject_public_id=patient.public_id,
                                             kind=ConsentKind.CROSS_BORDER_TRANSFER),
            "consent_text": text, "refusal": refusal}


@login_required
@require_http_methods(["GET", "POST"])
def share_list(request):
    """List a record's share links and create one (only with the cross-border transfer consent)."""
    patients, patient = _chosen_patient(request)
    if patient is None:
        return render(request, "interop/sharing/list.html", {"patients": [], "patient": None})
    if request.method == "GET":
        return render(request, "interop/sharing/list.html", _list_context(request, patients, patient))
    patient = _patient(request, patient.public_id, manage=True)
    documents = list(selectors.shareable_documents(patient))
    form = ShareLinkForm(request.POST, documents=documents)
    if form.is_valid():
        data = form.cleaned_data
        try:
            link = services.share_link_create(patient=patient, created_by=request.user, label=data["label"],
                                              expires_in_days=data["expires_in_days"], passcode=data["passcode"],
                                              document_ids=data["document_ids"], request=request)
        except services.ShareConsentRequired as exc:
            return render(request, "interop/sharing/list.html",
                          _list_context(request, patients, patient, form=form, refusal=exc), status=exc.status)
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The link is ready. Give it to your doctor, with the passcode if you set one."))
            return redirect("sharing:detail", link.public_id)
    return render(request, "interop/sharing/list.html", _list_context(request, patients, patient, form=form),
                  status=400)


@login_required
@require_POST
def share_consent(request, public_id):
    """Give the cross-border transfer consent from the share page, then come back to it."""
    patient = _patient(request, public_id, manage=True)
    relation = "self" if patient.account_id == request.user.pk else "guardian"
    try:
        consent_give(subject_public_id=patient.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                     given_by=request.user, given_as=relation, language=request.LANGUAGE_CODE, request=request)
        messages.success(request, _("Thank you. Your consent is recorded."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('sharing:list')}?patient={patient.public_id}")


@login_required
@require_GET
def share_detail(request, public_id):
    """Show a link: its URL, QR code and shlink, its state, and every access to it."""
    link = _link(request, public_id)
    return render(request, "interop/sharing/detail.html", {
        "link": link, "state": services.share_link_state(link), "url": selectors.share_link_url(link),
        "shlink": selectors.share_link_shlink(link), "documents": selectors.share_link_documents(link),
        "accesses": selectors.share_link_accesses(link)[:500], "max_attempts": services.PASSCODE_ATTEMPTS,
    })


@login_required
@require_GET
def share_qr(request, public_id):
    """Serve the link's QR code as SVG (made here, nothing fetched from elsewhere)."""
    link = _link(request, public_id)
    buffer = io.BytesIO()
    segno.make(selectors.share_link_url(link), error="m").save(buffer, kind="svg", scale=4, border=2,
                                                                 title=link.label)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def share_revoke(request, public_id):
    """Revoke a link at once."""
    link = _link(request, public_id, manage=True)
    try:
        services.share_link_revoke(link=link, revoked_by=request.user, request=request)
        messages.success(request, _("The link is revoked. Nobody can open it any more."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("sharing:detail", link.public_id)


# --- The doctor's side: no account ---------------------------------------------------------------------------


def _public_link(token):
    link = share_link_by_token(token)
    if link is None:
        raise Http404
    return link


def _gone(request, link, exc, *, channel=None):
    if channel is not None:
        grant = request.session.get(SESSION_GRANTS, {}).get(link.token) or {}
        services.share_access_record(link=link, channel=channel, outcome=ShareLinkAccess.Outcome.REFUSED,
                                     recipient=grant.get("recipient", ""), what=exc.details.get("state", ""),
                                     request=request)
    return render(request, "interop/sharing/gone.html", {"state": exc.details.get("state")}, status=exc.status)


def _grant(request, link):
    grant = request.session.get(SESSION_GRANTS, {}).get(link.token)
    if not grant or grant["until"] < timezone.now().timestamp():
        return None
    return grant


@never_cache
@require_http_methods(["GET", "POST"])
def shl_page(request, token):
    """The home doctor's page: say who you are (and the passcode), then read the summary and the documents."""
    link = _public_link(token)
    state = services.share_link_state(link)
    if state != "active":
        return _gone(request, link, services.ShareLinkInactive(details={"state": state}),
                     channel=ShareLinkAccess.Channel.PAGE)
    grant = _grant(request, link)
    form = OpenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        recipient = form.cleaned_data["recipient"]
        try:
            services.share_link_unlock(link=link, recipient=recipient, passcode=form.cleaned_data["passcode"],
                                       channel=ShareLinkAccess.Channel.PAGE, what="page", request=request)
        except services.WrongPasscode as exc:
            remaining = exc.details["remaining_attempts"]
            if remaining == 0:
                return _gone(request, link, services.ShareLinkInactive(details={"state": "locked"}))
            form.add_error("passcode", _("The passcode is not correct. Attempts left: %(count)s.")
                           % {"count": remaining})
            status = 401
        except services.ShareLinkInactive as exc:
            return _gone(request, link, exc)
        else:
            grants = request.session.get(SESSION_GRANTS, {})
            grants[link.token] = {"recipient": recipient, "until": timezone.now().timestamp() + GRANT_SECONDS}
            request.session[SESSION_GRANTS] = grants
            return redirect("shl:page", link.token)
    elif request.method == "POST":
        status = 400
    if grant is None or request.method == "POST":
        return render(request, "interop/sharing/open.html", {"link": link, "form": form}, status=status)
    # Each showing of the content is one logged access.
    services.share_access_record(link=link, channel=ShareLinkAccess.Channel.PAGE,
                                 outcome=ShareLinkAccess.Outcome.GRANTED, recipient=grant["recipient"], what="ips",
                                 request=request)
    bundle = selectors.share_link_ips(link, language=request.LANGUAGE_CODE, request=request)
    return render(request, "interop/sharing/page.html", {
        "link": link, "ips": ips_sections(bundle), "documents": selectors.share_link_documents(link),
        "recipient": grant["recipient"],
    })


@never_cache
@require_GET
def shl_document(request, token, document_id):
    """Download one of the link's documents, once the doctor has opened the link in this browser."""
    link = _public_link(token)
    state = services.share_link_state(link)
    if state != "active":
        return _gone(request, link, services.ShareLinkInactive(details={"state": state}),
                     channel=ShareLinkAccess.Channel.DOCUMENT)
    grant = _grant(request, link)
    if grant is None:
        return redirect("shl:page", link.token)
    document = next((d for d in selectors.share_link_documents(link) if str(d.public_id) == str(document_id)), None)
    if document is None:
        raise Http404
    services.share_access_record(link=link, channel=ShareLinkAccess.Channel.DOCUMENT,
                                 outcome=ShareLinkAccess.Outcome.GRANTED, recipient=grant["recipient"],
                                 what=str(document.public_id), request=request)
    return document_file_response(document, filename=f"{document.kind}.pdf")


def _json(body, status=200):
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # called by health apps with a JSON body, never by a browser session
@require_POST
def shl_manifest(request, token):
    """SMART Health Links manifest: POST {recipient, passcode?, embeddedLengthMax?} → {files: [...]}."""
    link = share_link_by_token(token)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("recipient"), str) or not body["recipient"].strip():
        return _json({"code": "invalid_request", "message": _("Send JSON with the recipient's name.")}, status=400)
    if link is None:
        return _json({"code": "not_found", "message": _("This link does not exist.")}, status=404)
    try:
        services.share_link_unlock(link=link, recipient=body["recipient"], passcode=str(body.get("passcode") or ""),
                                   channel=ShareLinkAccess.Channel.MANIFEST, what="manifest", request=request)
    except services.WrongPasscode as exc:
        return _json({"code": exc.code, "message": str(exc.message),
                      "remainingAttempts": exc.details["remaining_attempts"]}, status=401)
    except services.ShareLinkInactive as exc:
        # The SHL spec answers an inactive link 404, like an unknown one.
        return _json({"code": exc.code, "message": str(exc.message)}, status=404)
    embed_max = body.get("embeddedLengthMax")
    signer = signing.TimestampSigner(salt=FILE_SALT)
    files = []
    for file_id in selectors.share_link_files(link):
        entry = {"contentType": selectors.FHIR_JSON}
        if isinstance(embed_max, int) and embed_max > 0:
            jwe_text = selectors.share_link_encrypted_file(link, file_id, language=request.LANGUAGE_CODE,
                                                           request=request)
            if jwe_text is not None and len(jwe_text) <= embed_max:
                services.share_access_record(link=link, channel=ShareLinkAccess.Channel.FILE,
                                             outcome=ShareLinkAccess.Outcome.GRANTED,
                                             recipient=body["recipient"], what=file_id, request=request)
                files.append({**entry, "embedded": jwe_text})
                continue
        ticket = signer.sign_object({"t": link.token, "f": file_id, "r": body["recipient"][:200]})
        entry["location"] = request.build_absolute_uri(reverse("shl:file", args=[link.token, ticket]))
        files.append(entry)
    return _json({"status": "can-change", "files": files})


@never_cache
@require_GET
def shl_file(request, token, ticket):
    """One file of a manifest, as a JWE under the link's key; its location is valid for an hour."""
    link = share_link_by_token(token)
    try:
        claim = signing.TimestampSigner(salt=FILE_SALT).unsign_object(ticket, max_age=FILE_URL_SECONDS)
    except signing.BadSignature:
        claim = None
    if link is None or claim is None or claim.get("t") != link.token:
        raise Http404
    try:
        _file_gate(link=link, claim=claim, request=request)
    except services.ShareLinkInactive:
        raise Http404 from None
    content = selectors.share_link_encrypted_file(link, claim["f"], language=request.LANGUAGE_CODE, request=request)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/jose")
    response["Cache-Control"] = "no-store"
    return response


def _file_gate(*, link, claim, request):
    """A file location is handed out only after the manifest's gate: check the link is still active, then log."""
    state = services.share_link_state(link)
    if state != "active":
        services.share_access_record(link=link, channel=ShareLinkAccess.Channel.FILE,
                                     outcome=ShareLinkAccess.Outcome.REFUSED, recipient=claim.get("r", ""),
                                     what=state, request=request)
        raise services.ShareLinkInactive(details={"state": state})
    services.share_access_record(link=link, channel=ShareLinkAccess.Channel.FILE,
                                 outcome=ShareLinkAccess.Outcome.GRANTED, recipient=claim.get("r", ""),
                                 what=claim["f"], request=request)
