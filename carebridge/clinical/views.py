"""Clinical pages: the clinician's workspace and visit, reports, the overdue queue, translations, the portal's reports."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from babel.numbers import format_percent
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record, audit_record_reads
from carebridge.catalog.models import Service
from carebridge.clinical import forms, selectors, services
from carebridge.clinical.access import (
    clinical_hospitals,
    clinical_patient_get,
    encounter_get_for_clinician,
    report_get_for_user,
    translation_get_for_translator,
)
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    DiagnosticReport,
    Encounter,
    Immunization,
    MedicationStatement,
    Observation,
    Procedure,
    ReportAttachment,
    TextTranslation,
)
from carebridge.clinical.terminology.concept import VACCINE_KEY_SYSTEM
from carebridge.core import i18n
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.notifications.models import InAppMessage
from carebridge.patients.selectors import patient_search, patients_at, portal_patients
from carebridge.scheduling.models import Appointment
from carebridge.scheduling.selectors import appointments_on_day

# The statuses of translation requests an interpreter still has work on.
TRANSLATION_OPEN = (TextTranslation.Review.REQUESTED, TextTranslation.Review.REJECTED,
                    TextTranslation.Review.TRANSLATED)


# --- Coded concepts shown in the viewer's language -------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A coded concept's name for one viewer: the text, its language, and whether it fell back."""

    text: str
    language: str
    fallback: bool = False  # English shown because the viewer's language has no name for the code
    as_recorded: bool = False  # the words the source gave (an unknown code, or none)


def _base(language):
    return (language or "en").split("-")[0].lower()


def coded_label(system, code, recorded, language=None, *, known=True):
    """Name a coded concept (ICD-10, LOINC, vaccines...) in a language, falling back to English, then as recorded."""
    from carebridge.clinical.terminology import Concept, display, normalise_language

    language = language or get_language() or "en"
    if not code or not known or not system:
        return Label(recorded, "", as_recorded=True)
    text, used = display(Concept(system, code, recorded, ""), language)
    if not text:
        return Label(recorded, "", as_recorded=True)
    wanted = normalise_language(language) or "en"
    return Label(text, used, fallback=used != wanted)


def number(value, language=None):
    """Format a stored decimal for the viewer's locale, without trailing zeros."""
    if value is None:
        return ""
    return i18n.format_number(value.normalize(), language=language)


# How UCUM codes are printed for people (the code stays in the record and the API).
UCUM_PRINT = {"Cel": "°C", "[degF]": "°F", "mm[Hg]": "mmHg", "10*9/L": "×10⁹/L", "10*12/L": "×10¹²/L",
              "umol/L": "µmol/L", "ug/L": "µg/L", "ug/dL": "µg/dL", "[IU]/L": "IU/L", "m[IU]/L": "mIU/L",
              "u[IU]/mL": "µIU/mL", "/[HPF]": "/HPF", "[in_i]": "in", "[lb_av]": "lb"}


def unit_label(unit):
    """Print a UCUM unit the way people write it ("Cel" → "°C")."""
    return UCUM_PRINT.get(unit, unit)


def observation_rows(observations, language=None):
    """Return results ready to show: label, value, unit, range and flag in the viewer's language."""
    rows = []
    for o in observations:
        low, high = number(o.reference_low, language), number(o.reference_high, language)
        rows.append({
            "observation": o, "label": coded_label(o.code_system, o.code, o.display, language, known=o.code_known),
            "value": number(o.value_quantity, language) if o.value_quantity is not None else o.value_text,
            "unit": unit_label(o.unit), "range": f"{low}–{high}" if low and high else (f"≥ {low}" if low else (
                f"≤ {high}" if high else "")),
            "flag": o.get_flag_display() if o.flag else "", "abnormal": o.flag not in ("", Observation.Flag.NORMAL),
        })
    return rows


def condition_rows(conditions, language=None):
    return [{"condition": c, "label": coded_label(c.code_system, c.code, c.display, language, known=c.code_known)}
            for c in conditions]


# --- Access ------------------------------------------------------------------------------------------------------


def _not_found(request, object_type, object_id="", reason="not_in_care"):
    try:
        deny(user=request.user, request=request, object_type=object_type, object_id=object_id, reason=reason)
    except NotFound:
        raise Http404 from None


def _clinician_hospital(request):
    hospitals = clinical_hospitals(request.user)
    if not hospitals:
        _not_found(request, "clinical_workspace", request.path, reason="not_clinician")
    return hospitals[0]


def _encounter(request, public_id):
    try:
        return encounter_get_for_clinician(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None


def _report(request, public_id, *, manage=False, purpose="care"):
    try:
        return report_get_for_user(user=request.user, public_id=public_id, request=request, manage=manage,
                                   purpose=purpose)
    except NotFound:
        raise Http404 from None


def _translation(request, public_id):
    try:
        return translation_get_for_translator(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None


# --- The clinician's workspace -----------------------------------------------------------------------------------


@login_required
def workspace(request):
    """Show today's checked-in patients, the open visits, and find a patient for a walk-in visit."""
    hospital = _clinician_hospital(request)
    today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(hospital.time_zone))
    arrivals = list(appointments_on_day(hospital=hospital, day=today).filter(status=Appointment.Status.CHECKED_IN))
    opened = {e.appointment_id: e for e in Encounter.objects.filter(appointment__in=arrivals)}
    for appointment in arrivals:
        appointment.open_encounter = opened.get(appointment.pk)
    open_visits = list(Encounter.objects.filter(hospital=hospital, status=Encounter.Status.IN_PROGRESS)
                       .select_related("patient", "attending").order_by("started_at")[:200])
    query = request.GET.get("q", "").strip()
    found = list(patient_search(hospital=hospital, query=query)) if query else None
    audit_record_reads(actor=request.user, request=request, organisation=hospital,
                       patients=[a.patient for a in arrivals] + [e.patient for e in open_visits] + (found or []),
                       purpose="care")
    return render(request, "clinical/workspace.html", {
        "hospital": hospital, "today": today, "arrivals": arrivals, "open_visits": open_visits, "query": query,
        "found": found, "walk_in_form": forms.WalkInForm(),
    })


def _kind_for(appointment):
    return Encounter.Kind.CHECKUP if appointment.service.kind == Service.Kind.CHECKUP_PACKAGE else (
        Encounter.Kind.OUTPATIENT)


@login_required
@require_POST
def encounter_open_from_appointment(request, public_id):
    """Open the visit of a checked-in appointment (the same visit again if it is already open)."""
    hospitals = clinical_hospitals(request.user)
    appointment = Appointment.objects.select_related("patient", "hospital", "service", "clinician").filter(
        public_id=public_id).first()
    if appointment is None or appointment.hospital not in hospitals:
        _not_found(request, "appointment", public_id)
    if appointment.status != Appointment.Status.CHECKED_IN:
        messages.error(request, _("Open the visit once the patient has checked in."))
        return redirect("clinical:workspace")
    encounter = services.encounter_open(patient=appointment.patient, hospital=appointment.hospital,
                                        kind=_kind_for(appointment), opened_by=request.user,
                                        appointment=appointment, reason=appointment.note[:300], request=request)
    return redirect("clinical:encounter_detail", public_id=encounter.public_id)


@login_required
@require_POST
def encounter_walk_in(request):
    """Open a visit for a patient of the hospital who came without an appointment."""
    hospital = _clinician_hospital(request)
    form = forms.WalkInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the patient and the kind of visit."))
        return redirect("clinical:workspace")
    patient = patients_at(hospital).filter(public_id=form.cleaned_data["patient"]).first()
    if patient is None:
        _not_found(request, "patient", form.cleaned_data["patient"])
    try:
        clinical_patient_get(user=request.user, public_id=patient.public_id, request=request)
    except NotFound:
        raise Http404 from None
    try:
        encounter = services.encounter_open(patient=patient, hospital=hospital, kind=form.cleaned_data["kind"],
                                            opened_by=request.user, reason=form.cleaned_data["reason"],
                                            request=request)
    except CareBridgeError as exc:
        messages.error(request, exc.message)
        return redirect("clinical:workspace")
    return redirect("clinical:encounter_detail", public_id=encounter.public_id)


# --- A visit -----------------------------------------------------------------------------------------------------

ENCOUNTER_FORMS = {
    "order": forms.OrderForm, "condition": forms.ConditionForm, "vitals": forms.VitalSignsForm,
    "allergy": forms.AllergyForm, "prescription": forms.PrescriptionForm,
    "medication": forms.MedicationStatementForm, "immunization": forms.ImmunizationForm,
    "procedure": forms.ProcedureForm,
}


def _encounter_form(name, encounter, data=None):
    if name == "order":
        return forms.OrderForm(data, hospital=encounter.hospital, prefix=name)
    return ENCOUNTER_FORMS[name](data, prefix=name)


def _encounter_context(request, encounter, bound=None):
    patient = encounter.patient
    language = get_language()
    patient_language = patient.preferred_language or "en"
    services_offered = [{"service": s, "name": s.translated("name"),
                         "preparation": s.translated("preparation", patient_language)}
                        for s in forms.orderable_services(encounter.hospital)]
    orders = list(encounter.orders.select_related("service", "report").order_by("ordered_at"))
    for order in orders:
        order.preparation_for_patient = order.service.translated("preparation", patient_language)
    page_forms = {name: _encounter_form(name, encounter) for name in ENCOUNTER_FORMS}
    if bound is not None:
        page_forms[bound[0]] = bound[1]
    return {
        "encounter": encounter, "patient": patient, "patient_language": patient_language,
        "orders": orders, "services_offered": services_offered, "now": timezone.now(),
        "conditions": condition_rows(Condition.objects.filter(patient=patient).order_by("-created_at"), language),
        "vital_signs": observation_rows(encounter.observations.filter(
            category=Observation.Category.VITAL_SIGNS).order_by("-effective_at"), language),
        "allergies": AllergyIntolerance.objects.filter(patient=patient, is_active=True),
        "prescriptions": encounter.prescriptions.order_by("-authored_at"),
        "medications": MedicationStatement.objects.filter(patient=patient),
        "immunizations": [{"immunization": i, "label": coded_label(
            VACCINE_KEY_SYSTEM if i.vaccine_key else "", i.vaccine_key, i.display, language)}
            for i in Immunization.objects.filter(patient=patient)],
        "procedures": Procedure.objects.filter(patient=patient).order_by("-performed_on"),
        "forms": page_forms, "is_open": encounter.status == Encounter.Status.IN_PROGRESS,
    }


@login_required
def encounter_detail(request, public_id):
    """Show a visit: orders with their preparation, diagnoses, vital signs, allergies, medicines, vaccines."""
    encounter = _encounter(request, public_id)
    return render(request, "clinical/encounter.html", _encounter_context(request, encounter))


def _record(name, form, encounter, request):
    """Call the service a visit's form stands for; raise CareBridgeError on refusal."""
    data, patient, user = form.cleaned_data, encounter.patient, request.user
    if name == "order":
        return services.order_place(encounter=encounter, service=data["service"], ordered_by=user,
                                    priority=data["priority"], note=data["note"], request=request)
    if name == "condition":
        return services.condition_record(patient=patient, actor=user, code=data["code"], display=data["display"],
                                         encounter=encounter, onset=data["onset"], is_primary=data["is_primary"],
                                         clinical_status=data["clinical_status"], request=request)
    if name == "vitals":
        rows = form.rows()
        try:
            return services.vital_signs_record(encounter=encounter, actor=user, request=request,
                                               rows=[{k: v for k, v in r.items() if k != "field"} for r in rows])
        except CareBridgeError as exc:
            # Name the measurement, not the row number, so the form shows the error beside the field.
            exc.details = {(rows[int(k.split(".")[1])]["field"] if k.startswith("observations.") else k): v
                           for k, v in exc.details.items()}
            raise
    if name == "allergy":
        return services.allergy_record(patient=patient, actor=user, display=data["display"], code=data["code"],
                                       criticality=data["criticality"], reaction=data["reaction"], request=request)
    if name == "prescription":
        return services.prescription_write(patient=patient, prescriber=user, atc_code=data["atc_code"].strip().upper(),
                                           dosage=data["dosage"], display=data["display"], quantity=data["quantity"],
                                           encounter=encounter, request=request)
    if name == "medication":
        return services.medication_statement_record(patient=patient, actor=user, display=data["display"],
                                                    atc_code=data["atc_code"].strip().upper(),
                                                    dosage=data["dosage"], is_active=data["is_active"],
                                                    source=data["source"], request=request)
    if name == "immunization":
        return services.immunization_record(patient=patient, actor=user, vaccine=data["vaccine"].strip(),
                                            occurred_on=data["occurred_on"], dose_number=data["dose_number"],
                                            country=data["country"], given_here=data["given_here"],
                                            source=data["source"], request=request)
    return services.procedure_record(patient=patient, actor=user, display=data["display"], code=data["code"],
                                     performed_on=data["performed_on"], encounter=encounter, request=request)


SAVED = {
    "order": gettext_lazy("The order is placed."), "condition": gettext_lazy("The diagnosis is recorded."),
    "vitals": gettext_lazy("The vital signs are recorded."), "allergy": gettext_lazy("The allergy is recorded."),
    "prescription": gettext_lazy("The prescription is written."), "medication": gettext_lazy("The medicine is recorded."),
    "immunization": gettext_lazy("The vaccination is recorded."), "procedure": gettext_lazy("The procedure is recorded."),
}


@login_required
@require_POST
def encounter_add(request, public_id, what):
    """Add one entry to a visit (an order, a diagnosis, vital signs...) through its service."""
    if what not in ENCOUNTER_FORMS:
        raise Http404
    encounter = _encounter(request, public_id)
    form = _encounter_form(what, encounter, request.POST)
    if form.is_valid():
        try:
            _record(what, form, encounter, request)
        except CareBridgeError as exc:
            forms.split_errors(form, exc)
        else:
            messages.success(request, str(SAVED[what]))
            return redirect(f"{reverse('clinical:encounter_detail', args=[encounter.public_id])}#{what}")
    return render(request, "clinical/encounter.html", _encounter_context(request, encounter, bound=(what, form)),
                  status=400)


@login_required
@require_POST
def encounter_finish(request, public_id):
    """Close the visit."""
    encounter = _encounter(request, public_id)
    try:
        services.encounter_finish(encounter=encounter, actor=request.user, request=request)
        messages.success(request, _("The visit is finished."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("clinical:encounter_detail", public_id=encounter.public_id)


@login_required
@require_GET
def icd10_search(request):
    """Return ICD-10 codes matching the text, named in the viewer's language (an htmx fragment)."""
    from carebridge.clinical.terminology import icd10_search as search

    _clinician_hospital(request)
    query = request.GET.get("q") or request.GET.get("condition-code") or ""
    language = get_language()
    results = [{"code": c.code, "label": coded_label(c.system, c.code, c.display, language)}
               for c in search(query.strip()[:100], language=language, limit=15)] if query.strip() else []
    return render(request, "clinical/_icd10_results.html", {"results": results, "query": query})


# --- Reports -----------------------------------------------------------------------------------------------------


def _report_context(report, *, form=None, amend_form=None, rows=None, row_errors=None):
    editable = report.status in (DiagnosticReport.Status.REGISTERED, DiagnosticReport.Status.PRELIMINARY)
    released = report.status in DiagnosticReport.RELEASED
    stored_rows = forms.rows_from_report(report)
    language = get_language()
    return {
        "report": report, "patient": report.patient, "editable": editable, "released": released,
        "form": form or forms.ReportForm(initial={"findings": report.findings, "conclusion": report.conclusion,
                                                  "conclusion_language": report.conclusion_language}),
        "amend_form": amend_form or forms.AmendForm(initial={"findings": report.findings,
                                                             "conclusion": report.conclusion}),
        "cancel_form": forms.CancelForm(), "attachment_form": forms.AttachmentForm(),
        "rows": forms.rows_with_blanks(rows if rows is not None else stored_rows, row_errors),
        "flags": forms.OBSERVATION_FLAGS, "results": observation_rows(report.observations.all(), language),
        "versions": report.versions.order_by("-version"), "attachments": report.attachments.all(),
        "translations": report.translations.select_related("translator", "reviewer"),
        "patient_language": report.patient.preferred_language,
        "can_request_translation": bool(report.conclusion.strip()) and _base(report.patient.preferred_language)
        != _base(report.conclusion_language) and report.status != DiagnosticReport.Status.CANCELLED,
        "order": report.order,
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, public_id):
    """Write a report (save as preliminary, or make it final) with findings, conclusion and results."""
    report = _report(request, public_id, manage=True)
    if request.method == "GET":
        return render(request, "clinical/report.html", _report_context(report))
    form = forms.ReportForm(request.POST)
    rows = forms.rows_from_post(request.POST)
    row_errors = {}
    if form.is_valid():
        finalise = request.POST.get("action") == "finalise"
        try:
            # Written and made final together, or neither: a refused finalisation leaves the report as it was.
            with transaction.atomic():
                services.report_write(report=report, actor=request.user, findings=form.cleaned_data["findings"],
                                      conclusion=form.cleaned_data["conclusion"],
                                      conclusion_language=form.cleaned_data["conclusion_language"],
                                      observations=forms.rows_for_service(rows), preliminary=not finalise,
                                      request=request)
                if finalise:
                    services.report_finalise(report=report, actor=request.user, request=request)
        except CareBridgeError as exc:
            report.refresh_from_db()
            row_errors = forms.split_errors(form, exc)
        else:
            messages.success(request, _("The report is final. The patient is told.") if finalise
                             else _("The report is saved as preliminary."))
            return redirect("clinical:report_detail", public_id=report.public_id)
    return render(request, "clinical/report.html", _report_context(report, form=form, rows=rows,
                                                                    row_errors=row_errors), status=400)


@login_required
@require_POST
def report_amend(request, public_id):
    """Amend a final report: the reason is required and what it said before is kept."""
    report = _report(request, public_id, manage=True)
    form = forms.AmendForm(request.POST)
    rows = forms.rows_from_post(request.POST)
    row_errors = {}
    if form.is_valid():
        data = form.cleaned_data
        # Only what changed is passed on: an unchanged conclusion keeps its approved translations.
        unchanged_rows = [{k: row.get(k, "") for k in forms.ROW_FIELDS} for row in forms.rows_from_report(report)]
        try:
            services.report_amend(
                report=report, actor=request.user, reason=data["reason"],
                findings=data["findings"] if data["findings"] != report.findings else None,
                conclusion=data["conclusion"] if data["conclusion"] != report.conclusion else None,
                observations=forms.rows_for_service(rows) if rows != unchanged_rows else None, request=request)
        except CareBridgeError as exc:
            report.refresh_from_db()
            row_errors = forms.split_errors(form, exc)
        else:
            messages.success(request, _("The report is amended. The patient is told."))
            return redirect("clinical:report_detail", public_id=report.public_id)
    return render(request, "clinical/report.html", _report_context(report, amend_form=form, rows=rows,
                                                                    row_errors=row_errors), status=400)


@login_required
@require_POST
def report_cancel(request, public_id):
    """Cancel a report (the exam was not done, or it was entered in error)."""
    report = _report(request, public_id, manage=True)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for cancelling."))
    else:
        try:
            services.report_cancel(report=report, actor=request.user, reason=form.cleaned_data["reason"],
                                   request=request)
            messages.success(request, _("The report is cancelled."))
        except CareBridgeError as exc:
            messages.error(request, exc.message)
    return redirect("clinical:report_detail", public_id=report.public_id)


@login_required
@require_POST
def report_attach(request, public_id):
    """Attach a PDF or an image to a report being written."""
    report = _report(request, public_id, manage=True)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            forms.attachment_add(report=report, actor=request.user, upload=form.cleaned_data["file"],
                                 title=form.cleaned_data["title"], request=request)
            messages.success(request, _("The file is attached."))
        except CareBridgeError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('clinical:report_detail', args=[report.public_id])}#attachments")


@login_required
def attachment_download(request, public_id):
    """Serve a report's attachment to whoever may read the report (patients: released reports only)."""
    attachment = ReportAttachment.objects.select_related("report").filter(public_id=public_id).first()
    if attachment is None:
        _not_found(request, "report_attachment", public_id)
    _report(request, attachment.report.public_id)
    audit_record(action="report_attachment.read", actor=request.user, request=request,
                 organisation=attachment.report.hospital, object_type="report_attachment",
                 object_id=attachment.public_id, patient_public_id=attachment.report.patient.public_id, purpose="care")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{attachment.public_id}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def translation_ask(request, public_id):
    """Ask the language pool to translate the conclusion into the patient's language."""
    report = _report(request, public_id, manage=True)
    language = request.POST.get("language") or report.patient.preferred_language
    try:
        services.translation_request(report=report, target_language=language, actor=request.user, request=request)
        messages.success(request, _("The translation is requested."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('clinical:report_detail', args=[report.public_id])}#translations")


# --- The overdue queue and turnaround ------------------------------------------------------------------------------


@login_required
def queue(request):
    """List open orders by due time, overdue ones marked, and the turnaround of each service."""
    hospital = _clinician_hospital(request)
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 365))
    except ValueError:
        days = 30
    now = timezone.now()
    orders = list(selectors.orders_open(hospital=hospital)[:500])
    for order in orders:
        order.overdue = order.due_at < now
    audit_record_reads(actor=request.user, request=request, organisation=hospital,
                       patients=[o.patient for o in orders], purpose="care")
    turnaround = [{"service": service, "reports": count, "median": round(median),
                   "on_time": format_percent(share, locale=i18n.babel_locale())}
                  for service, count, median, share in selectors.turnaround_by_service(
                      hospital=hospital, since=now - dt.timedelta(days=days))]
    return render(request, "clinical/queue.html", {
        "hospital": hospital, "orders": orders, "overdue_count": sum(1 for o in orders if o.overdue),
        "turnaround": turnaround, "days": days,
    })


# --- Translations --------------------------------------------------------------------------------------------------


def _translation_hospitals(user):
    return organisations_with_role(user, Role.INTERPRETER, Role.CLINICIAN)


@login_required
def translation_list(request):
    """List the translation requests of the hospitals where one interprets (or treats)."""
    hospitals = _translation_hospitals(request.user)
    if not hospitals:
        _not_found(request, "translation_list", request.path, reason="not_translator")
    translations = list(TextTranslation.objects.filter(report__hospital__in=hospitals, status__in=TRANSLATION_OPEN)
                        .select_related("report__patient", "report__hospital", "translator")
                        .order_by("created_at")[:300])
    done = list(TextTranslation.objects.filter(report__hospital__in=hospitals, status=TextTranslation.Review.APPROVED)
                .select_related("report__patient", "translator", "reviewer").order_by("-updated_at")[:50])
    return render(request, "clinical/translation_list.html", {"translations": translations, "done": done})


@login_required
@require_http_methods(["GET", "POST"])
def translation_detail(request, public_id):
    """Show the source text and take the translation (a machine draft first, when a backend is set)."""
    translation = _translation(request, public_id)
    form = None
    if request.method == "POST":
        form = forms.TranslationForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.translation_submit(translation=translation, translator=request.user,
                                                text=form.cleaned_data["text"], request=request)
                    # translation_submit has no say on machine drafts; the flag follows how this text began.
                    TextTranslation.objects.filter(pk=translation.pk).update(machine=form.cleaned_data["machine"])
            except CareBridgeError as exc:
                forms.split_errors(form, exc)
            else:
                messages.success(request, _("The translation is sent for review."))
                return redirect("clinical:translation_detail", public_id=translation.public_id)
    if form is None:
        draft = None
        if not translation.text and translation.status == TextTranslation.Review.REQUESTED:
            draft = forms.machine_draft(translation)
        form = forms.TranslationForm(initial={"text": draft or translation.text, "machine": bool(draft)})
    can_review = (translation.status == TextTranslation.Review.TRANSLATED
                  and translation.translator_id != request.user.pk)
    return render(request, "clinical/translation.html", {
        "translation": translation, "form": form, "can_review": can_review,
        "can_submit": translation.status != TextTranslation.Review.APPROVED,
    }, status=400 if form.is_bound else 200)


@login_required
@require_POST
def translation_review(request, public_id):
    """Approve a translation (the patient then sees it) or send it back to the translator."""
    translation = _translation(request, public_id)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Approve or send back."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.translation_review(translation=translation, reviewer=request.user, approve=approve,
                                        request=request)
            messages.success(request, _("The translation is approved.") if approve else
                             _("The translation is sent back."))
        except CareBridgeError as exc:
            messages.error(request, exc.message)
    return redirect("clinical:translation_detail", public_id=translation.public_id)


# --- The portal ----------------------------------------------------------------------------------------------------


@login_required
def portal_reports(request):
    """List the released reports of one's own and one's wards' records, with one's messages."""
    reports = list(selectors.reports_released_of(portal_patients(request.user)).select_related("patient")[:300])
    audit_record_reads(actor=request.user, request=request, patients={r.patient for r in reports}, purpose="portal")
    inbox = list(InAppMessage.objects.filter(recipient=request.user).order_by("-created_at")[:50])
    return render(request, "clinical/portal_reports.html", {
        "reports": reports, "inbox": inbox, "unread": sum(1 for m in inbox if m.read_at is None),
    })


@login_required
def portal_report(request, public_id):
    """Show a released report in the viewer's language, the conclusion as written and as translated."""
    report = _report(request, public_id, purpose="portal")
    language = get_language()
    link = reverse("clinical:portal_report", args=[report.public_id])
    InAppMessage.objects.filter(recipient=request.user, link=link, read_at__isnull=True).update(
        read_at=timezone.now())
    conditions = Condition.objects.filter(encounter=report.encounter) if report.encounter_id else Condition.objects.none()
    return render(request, "clinical/portal_report.html", {
        "report": report, "patient": report.patient, "results": observation_rows(report.observations.all(), language),
        "translation": selectors.translation_shown(report, language),
        "conditions": condition_rows(conditions, language), "attachments": report.attachments.all(),
        "same_language": _base(language) == _base(report.conclusion_language),
    })


@login_required
def message_open(request, public_id):
    """Mark one's in-app message read and follow its link."""
    message = InAppMessage.objects.filter(public_id=public_id, recipient=request.user).first()
    if message is None:
        _not_found(request, "in_app_message", public_id, reason="not_recipient")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at", "updated_at"])
    if message.link and url_has_allowed_host_and_scheme(message.link, {request.get_host()}, request.is_secure()):
        return redirect(message.link)
    return redirect("clinical:portal_reports")
