"""The summary's page: download the IPS as JSON or PDF, upload one from abroad and see its problems, past imports.

The same page serves the portal (patient, guardian) and staff (from the patient's record): clinicians download,
coordinators upload, the patient's own people do both.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.clinical.access import clinical_hospitals
from carebridge.core.errors import NotFound
from carebridge.core.ids import is_uuid
from carebridge.documents.selectors import document_file_response
from carebridge.interop.ips.access import ips_export_patient_get, ips_import_patient_get
from carebridge.interop.ips.export import ips_bundle_build
from carebridge.interop.ips.forms import IpsUploadForm
from carebridge.interop.ips.importer import IpsRejected, ips_import
from carebridge.interop.ips.models import IpsImport
from carebridge.interop.ips.pdf import ips_pdf_issue
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.models import MedicalRecordNumber, Patient
from carebridge.patients.selectors import portal_patients


def _rights(user, public_id):
    """Return (may export, may import, held) for a user and a record, without reading it."""
    patient = Patient.objects.filter(public_id=public_id, merged_into__isnull=True).first() if is_uuid(
        str(public_id)) else None
    if patient is None:
        return False, False, False
    held = portal_patients(user).filter(pk=patient.pk).exists()
    registered = set(MedicalRecordNumber.objects.filter(patient=patient).values_list("hospital_id", flat=True))
    clinician = any(hospital.pk in registered for hospital in clinical_hospitals(user))
    coordinator = any(hospital.pk in registered for hospital in organisations_with_role(user, Role.COORDINATOR))
    return held or clinician, held or coordinator, held


def _page(request, public_id, *, form=None, problems=None, status=200, imported=None):
    may_export, may_import, held = _rights(request.user, public_id)
    if not (may_export or may_import):
        try:
            deny(user=request.user, request=request, object_type="patient", object_id=public_id, reason="not_in_care")
        except NotFound:
            raise Http404 from None
    patient = patient_get_for_user(user=request.user, public_id=public_id, request=request, purpose="ips")
    context = {
        "patient": patient, "may_export": may_export, "may_import": may_import, "held": held,
        "form": form or IpsUploadForm(staff=not held),
        "problems": problems, "imported": imported,
        "imports": IpsImport.objects.filter(patient=patient).select_related("imported_by")[:20],
    }
    return render(request, "interop/ips/summary.html", context, status=status)


@login_required
@require_GET
def summary_page(request, public_id):
    """Show what can be done with a patient's summary."""
    return _page(request, public_id)


def _export(request, public_id):
    try:
        patient = ips_export_patient_get(user=request.user, public_id=str(public_id), request=request)
    except NotFound:
        raise Http404 from None
    held = portal_patients(request.user).filter(pk=patient.pk).exists()
    # The narratives are in the patient's language; a guardian's page language if the patient has none of ours.
    language = patient.preferred_language or get_language()
    bundle = ips_bundle_build(patient=patient, language=language, requested_by=request.user, request=request,
                              purpose="portal" if held else "care")
    return patient, bundle, language


@login_required
@require_GET
def summary_json(request, public_id):
    """Download the summary as FHIR JSON."""
    patient, bundle, _language = _export(request, public_id)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2),
                            content_type="application/fhir+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ips-{patient.public_id}.json"'
    return response


@login_required
@require_POST
def summary_pdf(request, public_id):
    """Issue the summary as a bilingual PDF with a verification code, and download it."""
    patient, bundle, language = _export(request, public_id)
    document = ips_pdf_issue(patient=patient, bundle=bundle, language=language, issued_by=request.user,
                             request=request)
    response = document_file_response(document, filename=f"ips-{patient.public_id}.pdf", as_attachment=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def summary_import(request, public_id):
    """Upload a summary from abroad; show every problem (nothing is written) or what was added."""
    if request.method == "GET":
        return redirect(reverse("ips:summary", args=[public_id]))
    try:
        patient, via = ips_import_patient_get(user=request.user, public_id=str(public_id), request=request)
    except NotFound:
        raise Http404 from None
    form = IpsUploadForm(request.POST, request.FILES, staff=via == IpsImport.Via.DESK)
    if not form.is_valid():
        return _page(request, public_id, form=form, status=400)
    try:
        record, created = ips_import(patient=patient, raw=form.cleaned_data["file"], imported_by=request.user,
                                     via=via, identity_confirmed=form.cleaned_data.get("identity_confirmed", False),
                                     request=request)
    except IpsRejected as exc:
        return _page(request, public_id, form=form, problems=exc.issues, status=exc.status)
    return _page(request, public_id, imported={"record": record, "created": created})
