"""Pages of referrals: the two hospitals' lists and the referral itself (refer, accept, decline, cancel, the attached
records once released), and the portal, where the patient or guardian follows them and decides on the records."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record_reads
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.forms import form_add_service_errors
from carebridge.documents.selectors import document_file_response
from carebridge.interop.referrals import selectors, services
from carebridge.interop.referrals.access import (
    STAFF_ROLES,
    referral_get_for_decision,
    referral_get_for_patient,
    referral_get_for_sender,
    referral_get_for_user,
    referral_records_get,
    referring_hospitals,
)
from carebridge.interop.referrals.forms import AcceptForm, DeclineForm, ReferralForm
from carebridge.interop.sharing.display import ips_sections
from carebridge.interop.sharing.selectors import shareable_documents
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.selectors import patients_at, portal_patients


def _or_404(function, **kwargs):
    try:
        return function(**kwargs)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def referral_list(request):
    """List the referrals the user's hospitals received and sent."""
    hospitals = organisations_with_role(request.user, *STAFF_ROLES)
    if not hospitals:
        raise Http404
    incoming = list(selectors.referrals_incoming(hospitals)[:200])
    outgoing = list(selectors.referrals_outgoing(hospitals)[:200])
    audit_record_reads(actor=request.user, request=request, patients=[r.patient for r in incoming + outgoing],
                       purpose="referral")
    return render(request, "interop/referrals/list.html", {"incoming": incoming, "outgoing": outgoing})


def _new_context(patient, hospital, form):
    return {"patient": patient, "hospital": hospital, "form": form}


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request):
    """Refer one of the hospital's patients to another hospital on the platform."""
    patient_id = request.GET.get("patient") or request.POST.get("patient")
    hospitals = referring_hospitals(request.user)
    patient = _or_404(patient_get_for_user, user=request.user, public_id=patient_id, request=request,
                      purpose="referral")
    hospital = next((h for h in hospitals if patients_at(h).filter(pk=patient.pk).exists()), None)
    if hospital is None:
        raise Http404
    documents = list(shareable_documents(patient))
    form = ReferralForm(request.POST or None, from_hospital=hospital, documents=documents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                patient=patient, from_hospital=hospital, to_hospital=data["to_hospital"], requested_by=request.user,
                reason=data["reason"], reason_code=data["reason_code"], priority=data["priority"],
                document_ids=data["document_ids"], consent_attested=data["consent_attested"], request=request)
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The referral is sent."))
            return redirect("referrals:detail", referral.public_id)
    return render(request, "interop/referrals/new.html", _new_context(patient, hospital, form),
                  status=400 if form.errors else 200)


@login_required
@require_GET
def referral_detail(request, public_id):
    """Show a referral to either hospital: status, reason, and what each side may do."""
    referral = _or_404(referral_get_for_user, user=request.user, public_id=public_id, request=request,
                       as_=("sender", "receiver"))
    deciders = organisations_with_role(request.user, Role.COORDINATOR)
    return render(request, "interop/referrals/detail.html", {
        "referral": referral, "documents": selectors.referral_documents(referral),
        "can_decide": referral.relation == "receiver" and referral.to_hospital in deciders
        and referral.status == referral.Status.REQUESTED,
        "can_cancel": referral.relation == "sender" and referral.status == referral.Status.REQUESTED,
        "can_read_records": referral.relation == "sender" or referral.records_released,
        "accept_form": AcceptForm(), "decline_form": DeclineForm(),
    })


@login_required
@require_POST
def referral_accept(request, public_id):
    """Accept a referral (coordinators of the receiving hospital)."""
    referral = _or_404(referral_get_for_decision, user=request.user, public_id=public_id, request=request)
    form = AcceptForm(request.POST)
    form.is_valid()
    try:
        referral = services.referral_accept(referral=referral, decided_by=request.user,
                                            register_patient=form.cleaned_data.get("register_patient", False),
                                            request=request)
        messages.success(request, _("The referral is accepted. The patient is told."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("referrals:detail", referral.public_id)


@login_required
@require_POST
def referral_decline(request, public_id):
    """Decline a referral with a reason (coordinators of the receiving hospital)."""
    referral = _or_404(referral_get_for_decision, user=request.user, public_id=public_id, request=request)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the referral is declined."))
        return redirect("referrals:detail", referral.public_id)
    try:
        services.referral_decline(referral=referral, decided_by=request.user, reason=form.cleaned_data["reason"],
                                  request=request)
        messages.success(request, _("The referral is declined. The patient and the referring hospital are told."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("referrals:detail", referral.public_id)


@login_required
@require_POST
def referral_cancel(request, public_id):
    """Withdraw a waiting referral (staff of the referring hospital)."""
    referral = _or_404(referral_get_for_sender, user=request.user, public_id=public_id, request=request)
    try:
        services.referral_cancel(referral=referral, cancelled_by=request.user, request=request)
        messages.success(request, _("The referral is withdrawn."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("referrals:detail", referral.public_id)


@login_required
@require_GET
def referral_records(request, public_id):
    """Read the attached records: the receiving hospital only after accepting, and only with the patient's consent."""
    referral = _or_404(referral_records_get, user=request.user, public_id=public_id, request=request)
    bundle = selectors.referral_ips(referral, language=request.LANGUAGE_CODE, request=request)
    return render(request, "interop/referrals/records.html", {
        "referral": referral, "ips": ips_sections(bundle), "documents": selectors.referral_documents(referral)})


@login_required
@require_GET
def referral_document(request, public_id, document_id):
    """Download an attached document, under the same rule as the records."""
    referral = _or_404(referral_records_get, user=request.user, public_id=public_id, request=request)
    document = next((d for d in selectors.referral_documents(referral) if str(d.public_id) == str(document_id)), None)
    if document is None:
        raise Http404
    return document_file_response(document, filename=f"{document.kind}.pdf")


# --- The portal ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def portal_referrals(request):
    """Show the patient or guardian the referrals of the records they hold, and ask for the records consent."""
    referrals = list(selectors.referrals_of_patients(portal_patients(request.user)))
    for referral in referrals:
        referral.consent_wording = services.consent_wording(referral, request.LANGUAGE_CODE)
        referral.attached = selectors.referral_documents(referral)
    return render(request, "interop/referrals/portal.html", {"referrals": referrals})


@login_required
@require_POST
def portal_consent(request, public_id):
    """Give or withdraw the consent to send the records to the receiving hospital."""
    referral = _or_404(referral_get_for_patient, user=request.user, public_id=public_id, request=request)
    relation = "self" if referral.patient.account_id == request.user.pk else "guardian"
    try:
        if request.POST.get("withdraw"):
            services.referral_consent_withdraw(referral=referral, withdrawn_by=request.user, request=request)
            messages.success(request, _("Your consent is withdrawn. The receiving hospital can no longer open the "
                                        "records."))
        else:
            services.referral_consent_give(referral=referral, given_by=request.user, given_as=relation,
                                           language=request.LANGUAGE_CODE, request=request)
            messages.success(request, _("Thank you. Your consent is recorded."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("referrals:portal_list")
