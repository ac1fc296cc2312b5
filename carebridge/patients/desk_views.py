"""The coordinators' registration desk: search, the queue, walk-in registration, duplicates and merges."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.audit.services import audit_record, audit_record_reads
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.forms import form_add_service_errors
from carebridge.patients import registration
from carebridge.patients.access import desk_hospitals, duplicate_get_for_user, patient_get_for_user
from carebridge.patients.forms import DetailsForm, PassportForm
from carebridge.patients.models import PatientDocument
from carebridge.patients.mrz import MrzError
from carebridge.patients.selectors import patient_search, record_number_at, registration_queue
from carebridge.patients.services import duplicate_dismiss, patient_merge


def _desk_hospital(request):
    hospitals = desk_hospitals(request.user)
    if not hospitals:
        try:
            deny(user=request.user, request=request, object_type="desk", object_id=request.path, reason="not_desk")
        except NotFound:
            raise Http404 from None
    return hospitals[0]


@login_required
def desk_home(request):
    """Search the hospital's patients and see the registration queue."""
    hospital = _desk_hospital(request)
    query = request.GET.get("q", "").strip()
    results = list(patient_search(hospital=hospital, query=query)) if query else None
    if query:
        with transaction.atomic():
            audit_record(action="patient.searched", actor=request.user, request=request, organisation=hospital,
                         object_type="patient_search", details={"results": len(results)})
            audit_record_reads(actor=request.user, request=request, organisation=hospital, patients=results,
                               purpose="registration")
    for patient in results or []:
        patient.mrn_here = record_number_at(patient, hospital)
    return render(request, "patients/desk_home.html", {
        "hospital": hospital, "query": query, "results": results, "queue": registration_queue(hospital=hospital),
    })


@login_required
def desk_patient(request, public_id):
    """Show one patient's record at the desk."""
    hospital = _desk_hospital(request)
    try:
        patient = patient_get_for_user(user=request.user, public_id=public_id, request=request, purpose="registration")
    except NotFound:
        raise Http404 from None
    return render(request, "patients/desk_patient.html", {
        "hospital": hospital, "patient": patient, "mrn": record_number_at(patient, hospital),
        "identity_documents": patient.documents_of_identity.all(),
        "documents": patient.uploaded_documents.all(),
        "policies": patient.insurance_policies.select_related("payer"),
        "guardianships": patient.guardianships.filter(ended_at__isnull=True).select_related("guardian"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def desk_register(request):
    """Register a walk-in patient from the passport, the same way the portal does."""
    hospital = _desk_hospital(request)
    form = PassportForm(request.POST or None, request.FILES or None, initial={"acting_as": "self"})
    if request.method == "POST" and form.is_valid():
        try:
            _text, data = registration.mrz_read(text=form.cleaned_data["mrz"], photo=form.cleaned_data["photo"])
        except MrzError as exc:
            form.add_error("mrz" if form.cleaned_data["mrz"] else "photo", str(exc.message))
        else:
            initial = registration.details_initial(data, acting_as="staff", user=request.user)
            initial["hospital"] = hospital.public_id
            return render(request, "patients/register_details.html", {
                "form": DetailsForm(initial=initial, hospitals=_only(hospital)), "mrz_data": data,
                "expiry": registration.expiry_warning(data), "action": reverse("patients:desk_register_details"),
                "at_desk": True,
            })
    return render(request, "patients/register_passport.html", {"form": form, "at_desk": True},
                  status=400 if form.errors else 200)


def _only(hospital):
    return type(hospital).objects.filter(pk=hospital.pk)


@login_required
@require_POST
def desk_register_details(request):
    """Create the walk-in's record, or link the existing one and give it this hospital's number."""
    hospital = _desk_hospital(request)
    form = DetailsForm(request.POST, hospitals=_only(hospital))
    data = None
    if form.is_valid():
        try:
            data = registration.mrz_read(text=form.cleaned_data["mrz"])[1]
            patient, created = registration.register_from_details(
                cleaned=form.cleaned_data, user=request.user, hospital=hospital, acting_as="staff", request=request)
            messages.success(request, _("The patient is registered.") if created else
                             _("This passport was already on the platform: the record is linked to this hospital."))
            return redirect("patients:desk_patient", public_id=patient.public_id)
        except MrzError as exc:
            form.add_error(None, str(exc.message))
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
    return render(request, "patients/register_details.html", {
        "form": form, "mrz_data": data, "action": reverse("patients:desk_register_details"), "at_desk": True,
    }, status=400)


@login_required
@require_POST
def duplicate_resolve(request, public_id):
    """Merge a likely duplicate into the record chosen to keep, or say they are different people."""
    try:
        candidate = duplicate_get_for_user(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    try:
        if request.POST.get("decision") == "dismiss":
            duplicate_dismiss(candidate=candidate, actor=request.user, request=request)
            messages.success(request, _("Marked as different people."))
        elif request.POST.get("keep") in (str(candidate.patient.public_id), str(candidate.other.public_id)):
            keep, merge = ((candidate.patient, candidate.other)
                           if request.POST["keep"] == str(candidate.patient.public_id)
                           else (candidate.other, candidate.patient))
            patient_merge(keep=keep, merge=merge, actor=request.user, request=request)
            messages.success(request, _("The records are merged. Nothing was lost: everything is on the kept record."))
            return redirect("patients:desk_patient", public_id=keep.public_id)
        else:
            messages.error(request, _("Choose the record to keep."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("patients:desk_home")


@login_required
def document_download(request, public_id):
    """Serve an uploaded document to someone who may see the patient's record, and audit it."""
    document = PatientDocument.objects.select_related("patient").filter(public_id=public_id).first()
    if document is None:
        raise Http404
    try:
        patient_get_for_user(user=request.user, public_id=document.patient.public_id, request=request,
                             purpose="document")
    except NotFound:
        raise Http404 from None
    audit_record(action="patient_document.read", actor=request.user, request=request,
                 object_type="patient_document", object_id=document.public_id,
                 patient_public_id=document.patient.public_id)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.public_id}"'
    response["Cache-Control"] = "private, no-store"
    return response
