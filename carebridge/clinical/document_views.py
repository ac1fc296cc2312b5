"""Clinical documents' pages: a clinician requests one from a visit or a report, follows its progress and downloads
it; the patient or guardian lists their documents in the portal and downloads them."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from carebridge.clinical import documents
from carebridge.clinical.access import encounter_get_for_clinician, report_get_for_user
from carebridge.clinical.models import Condition, DiagnosticReport, Encounter
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.documents.selectors import document_file_response, document_progress

# --- Forms ---------------------------------------------------------------------------------------------------------


def _language_choices():
    return [(code, name) for code, name in settings.LANGUAGES if not code.startswith("zh")]


class LanguageForm(forms.Form):
    second_language = forms.ChoiceField(label=_("Language beside Chinese"), choices=_language_choices)


class MedicalCertificateForm(LanguageForm):
    diagnoses = forms.MultipleChoiceField(label=_("Diagnoses to certify"), widget=forms.CheckboxSelectMultiple)
    rest_days = forms.IntegerField(label=_("Recommended rest (days)"), min_value=0,
                                   max_value=documents.MAX_REST_DAYS, initial=0)
    advice = forms.CharField(label=_("Advice (in Chinese)"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False, max_length=2000)
    advice_second = forms.CharField(label=_("Advice in the patient's language"),
                                    widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["diagnoses"].choices = [(str(c.public_id), f"{c.code} {c.display}".strip()) for c in conditions]


class DischargeSummaryForm(LanguageForm):
    course = forms.CharField(label=_("Course in hospital (in Chinese)"), widget=forms.Textarea(attrs={"rows": 4}),
                             required=False, max_length=6000)
    course_second = forms.CharField(label=_("Course in hospital in the patient's language"),
                                    widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=6000)
    advice = forms.CharField(label=_("Advice on discharge (in Chinese)"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False, max_length=3000)
    advice_second = forms.CharField(label=_("Advice on discharge in the patient's language"),
                                    widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=3000)


class CheckupReportForm(LanguageForm):
    summary = forms.CharField(label=_("Doctor's summary (in Chinese)"), widget=forms.Textarea(attrs={"rows": 4}),
                              required=False, max_length=6000)
    summary_second = forms.CharField(label=_("Doctor's summary in the patient's language"),
                                     widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=6000)


ENCOUNTER_KINDS = {
    documents.MEDICAL_CERTIFICATE: MedicalCertificateForm,
    documents.DISCHARGE_SUMMARY: DischargeSummaryForm,
    documents.CHECKUP_REPORT: CheckupReportForm,
}


def _kinds_for(encounter):
    """Return the documents a visit can give: a certificate always; a discharge summary or check-up report by kind."""
    kinds = [documents.MEDICAL_CERTIFICATE]
    if encounter.kind == Encounter.Kind.INPATIENT:
        kinds.append(documents.DISCHARGE_SUMMARY)
    if encounter.kind == Encounter.Kind.CHECKUP:
        kinds.append(documents.CHECKUP_REPORT)
    return kinds


def _encounter_form(kind, encounter, data=None):
    initial = {"second_language": documents.second_language_for(encounter.patient)}
    if kind == documents.MEDICAL_CERTIFICATE:
        conditions = Condition.objects.filter(patient=encounter.patient).order_by("-is_primary", "-created_at")
        return MedicalCertificateForm(data, prefix=kind, initial=initial, conditions=conditions)
    return ENCOUNTER_KINDS[kind](data, prefix=kind, initial=initial)


def _request_from_form(kind, encounter, form, request):
    data = form.cleaned_data
    common = {"encounter": encounter, "issued_by": request.user, "second_language": data["second_language"],
              "request": request}
    if kind == documents.MEDICAL_CERTIFICATE:
        return documents.medical_certificate_request(diagnosis_ids=data["diagnoses"], rest_days=data["rest_days"],
                                                     advice=data["advice"], advice_second=data["advice_second"],
                                                     **common)
    if kind == documents.DISCHARGE_SUMMARY:
        return documents.discharge_summary_request(course=data["course"], course_second=data["course_second"],
                                                   advice=data["advice"], advice_second=data["advice_second"],
                                                   **common)
    return documents.checkup_report_request(summary=data["summary"], summary_second=data["summary_second"], **common)


# --- Access --------------------------------------------------------------------------------------------------------


def _encounter(request, public_id):
    try:
        return encounter_get_for_clinician(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None


def _report(request, public_id):
    try:
        return report_get_for_user(user=request.user, public_id=public_id, request=request, manage=True)
    except NotFound:
        raise Http404 from None


def _clinician_document(request, public_id):
    try:
        return documents.clinical_document_get_for_clinician(user=request.user, public_id=public_id,
                                                             request=request)
    except NotFound:
        raise Http404 from None


def _portal_document(request, public_id):
    try:
        return documents.clinical_document_get_for_portal(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None


def _issued(patient, hospital):
    rows = list(documents.clinical_documents_of_patient(patient=patient, hospital=hospital)[:50])
    for row in rows:
        row.kind_title = documents.kind_title(row.kind)
    return rows


# --- The clinician's pages -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def encounter_request(request, public_id):
    """Offer the documents of a visit (certificate, discharge summary, check-up report) and request one."""
    encounter = _encounter(request, public_id)
    kinds = _kinds_for(encounter)
    page_forms = {kind: _encounter_form(kind, encounter) for kind in kinds}
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in kinds:
            raise Http404
        form = _encounter_form(kind, encounter, request.POST)
        page_forms[kind] = form
        if form.is_valid():
            try:
                document = _request_from_form(kind, encounter, form, request)
            except CareBridgeError as exc:
                _form_errors(form, exc)
            else:
                return redirect("clinical_documents:document", public_id=document.public_id)
        status = 400
    return render(request, "clinical_documents/request_encounter.html", {
        "encounter": encounter, "patient": encounter.patient,
        "forms": [(kind, documents.kind_title(kind), page_forms[kind]) for kind in kinds],
        "issued": _issued(encounter.patient, encounter.hospital),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_request(request, public_id):
    """Request the PDF of a released report (a preliminary one cannot be put in a document)."""
    report = _report(request, public_id)
    form = LanguageForm(request.POST or None,
                        initial={"second_language": documents.second_language_for(report.patient)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                document = documents.exam_report_request(report=report, issued_by=request.user,
                                                         second_language=form.cleaned_data["second_language"],
                                                         request=request)
            except CareBridgeError as exc:
                _form_errors(form, exc)
            else:
                return redirect("clinical_documents:document", public_id=document.public_id)
        status = 400
    return render(request, "clinical_documents/request_report.html", {
        "report": report, "patient": report.patient, "form": form,
        "released": report.status in DiagnosticReport.RELEASED,
        "issued": [d for d in _issued(report.patient, report.hospital) if d.kind == documents.EXAM_REPORT],
    }, status=status)


def _form_errors(form, exc):
    for field, errors in (exc.details or {}).items():
        target = field if field in form.fields else None
        for error in errors if isinstance(errors, list | tuple) else [errors]:
            form.add_error(target, str(error))
    if not exc.details:
        form.add_error(None, str(exc.message))


def _progress_context(document, *, portal=False):
    namespace = "clinical_documents:portal_" if portal else "clinical_documents:"
    return {
        "document": document, "progress": document_progress(document),
        "progress_url": reverse(f"{namespace}progress", args=[document.public_id]),
        "download_url": reverse(f"{namespace}pdf", args=[document.public_id]),
    }


@login_required
@require_GET
def document_detail(request, public_id):
    """Show a requested document: what it is, its progress, and the download once it is ready."""
    document = _clinician_document(request, public_id)
    return render(request, "clinical_documents/document.html", {
        **_progress_context(document), "kind_title": documents.kind_title(document.kind),
    })


@login_required
@require_GET
def document_progress_partial(request, public_id):
    """Return the progress partial again (htmx polls it) after the access check."""
    document = _clinician_document(request, public_id)
    return render(request, "documents/progress.html", _progress_context(document))


@login_required
@require_GET
def document_pdf(request, public_id):
    """Stream the PDF to a clinician of the issuing hospital; every download is audited."""
    document = _clinician_document(request, public_id)
    try:
        response = document_file_response(document)
    except NotFound:
        raise Http404 from None
    documents.document_read_audit(document=document, user=request.user, request=request, purpose="care")
    return response


# --- The portal ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def portal_documents(request):
    """List the documents issued about oneself and one's wards."""
    rows = documents.portal_documents(request.user)
    for row in rows:
        row.kind_title = documents.kind_title(row.kind)
        row.progress = document_progress(row)
    return render(request, "clinical_documents/portal_documents.html", {"documents": rows})


@login_required
@require_GET
def portal_progress_partial(request, public_id):
    """Return the progress partial of one's own document."""
    document = _portal_document(request, public_id)
    return render(request, "documents/progress.html", _progress_context(document, portal=True))


@login_required
@require_GET
def portal_pdf(request, public_id):
    """Stream one's own (or one's ward's) document; every download is audited."""
    document = _portal_document(request, public_id)
    try:
        response = document_file_response(document)
    except NotFound:
        raise Http404 from None
    documents.document_read_audit(document=document, user=request.user, request=request, purpose="portal")
    return response
