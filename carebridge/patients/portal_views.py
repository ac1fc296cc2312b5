"""The patient portal: register from a passport, then see and keep the record, for oneself or a child."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.audit.models import ConsentKind
from carebridge.audit.selectors import consents_of
from carebridge.audit.services import consent_give, consent_withdraw
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.forms import form_add_service_errors
from carebridge.patients import registration
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.forms import DetailsForm, DocumentUploadForm, InsurancePolicyForm, PassportForm
from carebridge.patients.mrz import MrzError
from carebridge.patients.selectors import portal_patients
from carebridge.patients.services import insurance_policy_add, patient_document_upload


def _patient_or_404(request, public_id, *, manage=False, purpose="portal"):
    try:
        return patient_get_for_user(user=request.user, public_id=public_id, request=request, manage=manage,
                                    purpose=purpose)
    except NotFound:
        raise Http404 from None


@login_required
def portal_home(request):
    """Show the chosen record (own or a child's) with documents, consents and insurance."""
    patients = list(portal_patients(request.user))
    chosen = request.GET.get("patient")
    if not chosen and not patients:
        return render(request, "patients/portal_empty.html")
    chosen = chosen or str(patients[0].public_id)
    if chosen not in {str(p.public_id) for p in patients}:
        # The portal shows only one's own and one's wards' records; staff use the desk.
        try:
            deny(user=request.user, request=request, object_type="patient", object_id=chosen, reason="not_holder")
        except NotFound:
            raise Http404 from None
    patient = _patient_or_404(request, chosen)
    consents = list(consents_of(subject_public_ids=[patient.public_id]))
    active = {c.kind for c in consents if c.is_active}
    context = {
        "patients": patients,
        "patient": patient,
        "identity_documents": patient.documents_of_identity.all(),
        "record_numbers": patient.record_numbers.select_related("hospital"),
        "documents": patient.uploaded_documents.all(),
        "policies": patient.insurance_policies.select_related("payer"),
        "guardianships": patient.guardianships.filter(ended_at__isnull=True).select_related("guardian"),
        "consents": consents,
        "missing_consents": [ConsentKind(k) for k in ConsentKind.values if k not in active],
        "upload_form": DocumentUploadForm(),
        "policy_form": InsurancePolicyForm(),
    }
    return render(request, "patients/portal_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def register_passport(request):
    """Step one: read the passport's MRZ, pasted or from a photo."""
    form = PassportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            _text, data = registration.mrz_read(text=form.cleaned_data["mrz"], photo=form.cleaned_data["photo"])
        except MrzError as exc:
            form.add_error("mrz" if form.cleaned_data["mrz"] else "photo", str(exc.message))
        else:
            initial = registration.details_initial(data, acting_as=form.cleaned_data["acting_as"], user=request.user)
            details = DetailsForm(initial=initial)
            return render(request, "patients/register_details.html", {
                "form": details, "mrz_data": data, "expiry": registration.expiry_warning(data),
                "action": reverse("patients:register_details"),
            })
    return render(request, "patients/register_passport.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def register_details(request):
    """Step two: confirm the details and consents, then create (or link) the record."""
    form = DetailsForm(request.POST)
    data = None
    if form.is_valid():
        acting_as = form.cleaned_data["acting_as"] if form.cleaned_data["acting_as"] in ("self", "guardian") else None
        try:
            data = registration.mrz_read(text=form.cleaned_data["mrz"])[1]
            if acting_as is None:
                form.add_error(None, _("Choose who is registering."))
            else:
                patient, _created = registration.register_from_details(
                    cleaned=form.cleaned_data, user=request.user, hospital=form.cleaned_data["hospital"],
                    acting_as=acting_as, request=request)
                messages.success(request, _("The record is saved. The hospital will see it before you arrive."))
                problem = registration.expiry_warning(data, form.cleaned_data.get("planned_visit"))
                if problem == "expired":
                    messages.warning(request, _("This passport has expired. You will need a valid passport to "
                                                "travel and to be admitted."))
                elif problem == "expires_before_visit":
                    messages.warning(request, _("This passport expires before the planned visit. Renew it before "
                                                "you travel."))
                return redirect(f"{reverse('patients:portal_home')}?patient={patient.public_id}")
        except MrzError as exc:
            form.add_error(None, str(exc.message))
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
    elif form.data.get("mrz"):
        try:
            data = registration.mrz_read(text=form.data["mrz"])[1]
        except MrzError:
            data = None
    visit = getattr(form, "cleaned_data", {}).get("planned_visit")
    return render(request, "patients/register_details.html", {
        "form": form, "mrz_data": data, "expiry": registration.expiry_warning(data, visit) if data else None,
        "action": reverse("patients:register_details"),
    }, status=400)


@login_required
@require_POST
def document_upload(request, public_id):
    """Add a prior record (PDF or image) to a record the user manages."""
    patient = _patient_or_404(request, public_id, manage=True)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            patient_document_upload(patient=patient, actor=request.user, upload=form.cleaned_data["file"],
                                    kind=form.cleaned_data["kind"], language=form.cleaned_data["language"],
                                    title=form.cleaned_data["title"], request=request)
            messages.success(request, _("The document is uploaded."))
        except CareBridgeError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('patients:portal_home')}?patient={patient.public_id}")


@login_required
@require_POST
def policy_add(request, public_id):
    """Add an insurance policy, with photos of the card."""
    patient = _patient_or_404(request, public_id, manage=True)
    form = InsurancePolicyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                policy = insurance_policy_add(
                    patient=patient, actor=request.user, payer=data["payer"], payer_name=data["payer_name"],
                    member_id=data["member_id"], policy_number=data["policy_number"], plan_name=data["plan_name"],
                    valid_from=data["valid_from"], valid_to=data["valid_to"],
                    direct_billing_requested=data["direct_billing_requested"], request=request)
                for side in ("card_front", "card_back"):
                    if data.get(side):
                        patient_document_upload(patient=patient, actor=request.user, upload=data[side],
                                                kind="insurance_card", policy=policy, request=request)
            messages.success(request, _("The insurance policy is saved."))
        except CareBridgeError as exc:
            messages.error(request, " ".join(str(e) for errors in exc.details.values() for e in errors)
                           if exc.details else exc.message)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('patients:portal_home')}?patient={patient.public_id}")


@login_required
@require_POST
def consent_change(request, public_id):
    """Give or withdraw one of the patient's consents (the patient, or a guardian for a child)."""
    patient = _patient_or_404(request, public_id, manage=True)
    relation = "self" if patient.account_id == request.user.pk else "guardian"
    try:
        if request.POST.get("withdraw"):
            consent = next((c for c in consents_of(subject_public_ids=[patient.public_id])
                            if str(c.public_id) == request.POST["withdraw"]), None)
            if consent is None:
                raise Http404
            consent_withdraw(consent=consent, withdrawn_by=request.user, request=request)
            messages.success(request, _("Your consent is withdrawn."))
        elif request.POST.get("kind") in ConsentKind.values:
            consent_give(subject_public_id=patient.public_id, kind=request.POST["kind"], given_by=request.user,
                         given_as=relation, language=request.LANGUAGE_CODE, request=request)
            messages.success(request, _("Thank you. Your consent is recorded."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('patients:portal_home')}?patient={patient.public_id}#consents")

