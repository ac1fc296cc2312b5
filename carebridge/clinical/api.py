"""API of the clinical record: visits, orders, reports and results, diagnoses, medicines, translations, the portal."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record_reads
from carebridge.catalog.models import Service
from carebridge.clinical import selectors, services
from carebridge.clinical.access import (
    clinical_hospitals,
    clinical_patient_get,
    encounter_get_for_clinician,
    report_get_for_user,
    translation_get_for_translator,
)
from carebridge.clinical.forms import machine_draft
from carebridge.clinical.models import (
    AllergyIntolerance,
    Condition,
    Encounter,
    Immunization,
    MedicationRequest,
    MedicationStatement,
    Observation,
    Order,
    Procedure,
    TextTranslation,
)
from carebridge.clinical.views import TRANSLATION_OPEN, coded_label
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import Conflict, NotFound
from carebridge.core.schemas import ErrorOut
from carebridge.patients.selectors import patients_at, portal_patients
from carebridge.scheduling.models import Appointment

router = Router(tags=["clinical"], auth=SessionAuth())

READ = {200: None, 401: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------------------------


class LabelOut(Schema):
    text: str = Field(description="The name in the caller's language; English when there is none; or as recorded")
    language: str
    fallback: bool = Field(description="True when English is shown because the caller's language has no name")
    as_recorded: bool


class ObservationIn(Schema):
    code: str = Field("", max_length=64, description="LOINC code")
    display: str = Field("", max_length=300)
    value: Decimal | None = None
    value_text: str = Field("", max_length=300)
    unit: str = Field("", max_length=40, description="UCUM unit")
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None
    flag: str = Field("", max_length=2, description="N, L, H, LL, HH or A; worked out from the range when empty")


class ObservationOut(Schema):
    id: UUID
    category: str
    code: str
    display: str
    label: LabelOut
    value: Decimal | None
    value_text: str
    unit: str
    reference_low: Decimal | None
    reference_high: Decimal | None
    flag: str
    flag_display: str
    effective_at: dt.datetime


class ConditionOut(Schema):
    id: UUID
    code_system: str
    code: str
    display: str
    label: LabelOut
    clinical_status: str
    onset: dt.date | None
    is_primary: bool
    encounter_id: UUID | None


class CodedOut(Schema):
    id: UUID
    code_system: str
    code: str
    display: str


class AllergyOut(CodedOut):
    criticality: str
    reaction: str
    is_active: bool


class PrescriptionOut(CodedOut):
    dosage: str
    quantity: str
    status: str
    authored_at: dt.datetime


class MedicationStatementOut(CodedOut):
    dosage: str
    is_active: bool
    source: str


class ImmunizationOut(CodedOut):
    vaccine_key: str
    dose_number: int | None
    occurred_on: dt.date
    country: str
    given_here: bool


class ProcedureOut(CodedOut):
    performed_on: dt.date


class OrderOut(Schema):
    id: UUID
    encounter_id: UUID
    patient_id: UUID
    patient_name: str
    service_id: UUID
    service_name: str
    category: str
    status: str
    priority: str
    note: str
    ordered_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    report_id: UUID | None
    preparation_for_patient: str = Field(description="The service's preparation in the patient's language")


class EncounterIn(Schema):
    patient_id: UUID | None = Field(None, description="For a walk-in; leave out with appointment_id")
    appointment_id: UUID | None = Field(None, description="A checked-in appointment of the caller's hospital")
    kind: str = Field(Encounter.Kind.OUTPATIENT, description="outpatient, inpatient or checkup")
    reason: str = Field("", max_length=300)


class EncounterOut(Schema):
    id: UUID
    patient_id: UUID
    hospital_id: UUID
    appointment_id: UUID | None
    kind: str
    status: str
    reason: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    orders: list[OrderOut]
    conditions: list[ConditionOut]
    vital_signs: list[ObservationOut]
    prescriptions: list[PrescriptionOut]


class OrderIn(Schema):
    service_id: UUID
    priority: str = Order.Priority.ROUTINE
    note: str = Field("", max_length=2000)


class VersionOut(Schema):
    version: int
    status: str
    findings: str
    conclusion: str
    observations: list[dict]
    replaced_at: dt.datetime
    reason: str


class TranslationOut(Schema):
    id: UUID
    report_id: UUID
    field: str
    source_language: str
    target_language: str
    source_text: str
    text: str
    status: str
    machine: bool
    translator_name: str | None
    reviewer_name: str | None
    machine_draft: str | None = Field(None, description="A machine draft to start from, when a backend is set")


class ConclusionTranslationOut(Schema):
    language: str
    text: str
    translator_name: str | None
    reviewer_name: str | None
    machine: bool


class AttachmentOut(Schema):
    id: UUID
    title: str
    content_type: str
    size: int


class ReportOut(Schema):
    id: UUID
    patient_id: UUID
    hospital_id: UUID
    encounter_id: UUID | None
    order_id: UUID | None
    category: str
    code: str
    display: str
    status: str
    version: int
    findings: str
    conclusion: str
    conclusion_language: str
    conclusion_translation: ConclusionTranslationOut | None = Field(
        description="The approved translation into the caller's language, when there is one")
    issued_at: dt.datetime | None
    finalised_at: dt.datetime | None
    observations: list[ObservationOut]
    attachments: list[AttachmentOut]
    versions: list[VersionOut] = Field(description="What the report said before each amendment (staff only)")


class ReportWriteIn(Schema):
    findings: str | None = None
    conclusion: str | None = None
    conclusion_language: str | None = Field(None, max_length=35)
    observations: list[ObservationIn] | None = Field(None, description="Replaces every result when given")
    preliminary: bool = Field(False, description="Save as preliminary (issued, not final)")


class AmendIn(Schema):
    reason: str = Field(max_length=300)
    findings: str | None = None
    conclusion: str | None = None
    observations: list[ObservationIn] | None = None


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class VitalSignsIn(Schema):
    rows: list[ObservationIn]


class ConditionIn(Schema):
    code: str = Field(max_length=10, description="WHO ICD-10 code")
    display: str = Field("", max_length=300)
    onset: dt.date | None = None
    is_primary: bool = False
    clinical_status: str = Condition.ClinicalStatus.ACTIVE


class AllergyIn(Schema):
    display: str = Field(max_length=300)
    code: str = Field("", max_length=64)
    criticality: str = AllergyIntolerance.Criticality.UNABLE
    reaction: str = Field("", max_length=300)


class PrescriptionIn(Schema):
    atc_code: str = Field("", max_length=10)
    display: str = Field("", max_length=300)
    dosage: str = Field(max_length=300)
    quantity: str = Field("", max_length=60)


class MedicationStatementIn(Schema):
    display: str = Field(max_length=300)
    atc_code: str = Field("", max_length=10)
    dosage: str = Field("", max_length=300)
    is_active: bool = True
    source: str = Field("", max_length=200)


class ImmunizationIn(Schema):
    vaccine: str = Field(max_length=40, description="Vaccine key, CVX or ATC code")
    occurred_on: dt.date
    dose_number: int | None = Field(None, ge=1, le=20)
    country: str = Field("", max_length=2)
    given_here: bool = False
    source: str = Field("", max_length=200)


class ProcedureIn(Schema):
    display: str = Field(max_length=300)
    code: str = Field("", max_length=64)
    performed_on: dt.date


class TranslationRequestIn(Schema):
    target_language: str | None = Field(None, max_length=35, description="The patient's language when left out")


class TranslationSubmitIn(Schema):
    text: str = Field(max_length=20000)
    machine: bool = Field(False, description="True when the text began as the machine draft")


class ReviewIn(Schema):
    approve: bool


class PortalReportOut(Schema):
    id: UUID
    patient_id: UUID
    patient_name: str
    hospital_name: str
    display: str
    status: str
    finalised_at: dt.datetime | None


# --- Helpers -----------------------------------------------------------------------------------------------------


def _label(system, code, display, known=True):
    label = coded_label(system, code, display, get_language(), known=known)
    return {"text": label.text, "language": label.language, "fallback": label.fallback,
            "as_recorded": label.as_recorded}


def _observation_out(o):
    return {"id": o.public_id, "category": o.category, "code": o.code, "display": o.display,
            "label": _label(o.code_system, o.code, o.display, o.code_known), "value": o.value_quantity, "value_text": o.value_text,
            "unit": o.unit, "reference_low": o.reference_low, "reference_high": o.reference_high, "flag": o.flag,
            "flag_display": str(o.get_flag_display()) if o.flag else "", "effective_at": o.effective_at}


def _condition_out(c):
    return {"id": c.public_id, "code_system": c.code_system, "code": c.code, "display": c.display,
            "label": _label(c.code_system, c.code, c.display, c.code_known), "clinical_status": c.clinical_status, "onset": c.onset,
            "is_primary": c.is_primary, "encounter_id": c.encounter.public_id if c.encounter_id else None}


def _coded(obj, **extra):
    return {"id": obj.public_id, "code_system": obj.code_system, "code": obj.code, "display": obj.display, **extra}


def _allergy_out(a):
    return _coded(a, criticality=a.criticality, reaction=a.reaction, is_active=a.is_active)


def _prescription_out(p):
    return _coded(p, dosage=p.dosage, quantity=p.quantity, status=p.status, authored_at=p.authored_at)


def _statement_out(m):
    return _coded(m, dosage=m.dosage, is_active=m.is_active, source=m.source)


def _immunization_out(i):
    return _coded(i, vaccine_key=i.vaccine_key, dose_number=i.dose_number, occurred_on=i.occurred_on,
                  country=i.country, given_here=i.given_here)


def _procedure_out(p):
    return _coded(p, performed_on=p.performed_on)


def _order_out(o, now=None):
    now = now or timezone.now()
    report = getattr(o, "report", None)
    return {"id": o.public_id, "encounter_id": o.encounter.public_id, "patient_id": o.patient.public_id,
            "patient_name": o.patient.display_name, "service_id": o.service.public_id,
            "service_name": o.service.translated("name"), "category": o.category, "status": o.status,
            "priority": o.priority, "note": o.note, "ordered_at": o.ordered_at, "due_at": o.due_at,
            "overdue": o.status == Order.Status.ACTIVE and o.due_at < now,
            "report_id": report.public_id if report else None,
            "preparation_for_patient": o.service.translated("preparation", o.patient.preferred_language or "en")}


def _encounter_out(e):
    return {"id": e.public_id, "patient_id": e.patient.public_id, "hospital_id": e.hospital.public_id,
            "appointment_id": e.appointment.public_id if e.appointment_id else None, "kind": e.kind,
            "status": e.status, "reason": e.reason, "started_at": e.started_at, "ended_at": e.ended_at,
            "orders": [_order_out(o) for o in e.orders.select_related("service", "patient", "encounter", "report")],
            "conditions": [_condition_out(c) for c in e.conditions.select_related("encounter")],
            "vital_signs": [_observation_out(o) for o in e.observations.filter(
                category=Observation.Category.VITAL_SIGNS)],
            "prescriptions": [_prescription_out(p) for p in e.prescriptions.all()]}


def _person(user):
    return user.get_full_name() if user is not None else None


def _report_out(report):
    shown = selectors.translation_shown(report, get_language())
    return {
        "id": report.public_id, "patient_id": report.patient.public_id, "hospital_id": report.hospital.public_id,
        "encounter_id": report.encounter.public_id if report.encounter_id else None,
        "order_id": report.order.public_id if report.order_id else None, "category": report.category,
        "code": report.code, "display": report.display, "status": report.status, "version": report.version,
        "findings": report.findings, "conclusion": report.conclusion,
        "conclusion_language": report.conclusion_language,
        "conclusion_translation": {"language": shown.target_language, "text": shown.text,
                                   "translator_name": _person(shown.translator),
                                   "reviewer_name": _person(shown.reviewer), "machine": shown.machine}
        if shown else None,
        "issued_at": report.issued_at, "finalised_at": report.finalised_at,
        "observations": [_observation_out(o) for o in report.observations.all()],
        "attachments": [{"id": a.public_id, "title": a.title, "content_type": a.content_type, "size": a.size}
                        for a in report.attachments.all()],
        "versions": [{"version": v.version, "status": v.status, "findings": v.findings, "conclusion": v.conclusion,
                      "observations": v.observations, "replaced_at": v.replaced_at, "reason": v.reason}
                     for v in report.versions.order_by("-version")] if report.relation == "clinician" else [],
    }


def _translation_out(t, *, draft=False):
    return {"id": t.public_id, "report_id": t.report.public_id, "field": t.field,
            "source_language": t.source_language, "target_language": t.target_language,
            "source_text": t.source_text, "text": t.text, "status": t.status, "machine": t.machine,
            "translator_name": _person(t.translator), "reviewer_name": _person(t.reviewer),
            "machine_draft": machine_draft(t) if draft and t.status == TextTranslation.Review.REQUESTED else None}


def _rows(rows):
    return [row.dict() for row in rows]


def _encounter(request, encounter_id):
    return encounter_get_for_clinician(user=request.auth, public_id=encounter_id, request=request)


def _managed_report(request, report_id):
    return report_get_for_user(user=request.auth, public_id=report_id, request=request, manage=True)


def _hospital(request, hospital_id=None):
    hospitals = clinical_hospitals(request.auth)
    if hospital_id is not None:
        hospitals = [h for h in hospitals if h.public_id == hospital_id]
    if not hospitals:
        raise NotFound()
    return hospitals[0]


# --- Encounters --------------------------------------------------------------------------------------------------


@router.post("/encounters", response={201: EncounterOut, **WRITE}, summary="Open a visit")
def encounters_open(request, payload: EncounterIn):
    """Open a visit from a checked-in appointment (the same visit again if open), or a walk-in visit."""
    hospitals = clinical_hospitals(request.auth)
    if payload.appointment_id:
        appointment = Appointment.objects.select_related("patient", "hospital", "service").filter(
            public_id=payload.appointment_id).first()
        if appointment is None or appointment.hospital not in hospitals:
            raise NotFound()
        if appointment.status != Appointment.Status.CHECKED_IN:
            raise Conflict(_("Open the visit once the patient has checked in."), code="not_checked_in")
        kind = Encounter.Kind.CHECKUP if appointment.service.kind == Service.Kind.CHECKUP_PACKAGE else payload.kind
        encounter = services.encounter_open(patient=appointment.patient, hospital=appointment.hospital, kind=kind,
                                            opened_by=request.auth, appointment=appointment,
                                            reason=payload.reason or appointment.note[:300], request=request)
    else:
        if payload.patient_id is None or not hospitals:
            raise NotFound()
        patient = clinical_patient_get(user=request.auth, public_id=payload.patient_id, request=request)
        hospital = next((h for h in hospitals if patients_at(h).filter(pk=patient.pk).exists()), None)
        if hospital is None:
            raise NotFound()
        encounter = services.encounter_open(patient=patient, hospital=hospital, kind=payload.kind,
                                            opened_by=request.auth, reason=payload.reason, request=request)
    return Status(201, _encounter_out(encounter))


@router.get("/encounters/{encounter_id}", response={200: EncounterOut, 401: ErrorOut, 404: ErrorOut},
            summary="A visit")
def encounters_read(request, encounter_id: UUID):
    """Return a visit of the caller's hospital with its orders, diagnoses, vital signs and prescriptions."""
    return _encounter_out(_encounter(request, encounter_id))


@router.post("/encounters/{encounter_id}/finish", response={200: EncounterOut, **WRITE}, summary="Finish a visit")
def encounters_finish(request, encounter_id: UUID):
    """Close a visit; 409 `encounter_closed` when it is already closed."""
    encounter = _encounter(request, encounter_id)
    return _encounter_out(services.encounter_finish(encounter=encounter, actor=request.auth, request=request))


# --- Orders ------------------------------------------------------------------------------------------------------


@router.post("/encounters/{encounter_id}/orders", response={201: OrderOut, **WRITE}, summary="Order an exam or test")
def orders_place(request, encounter_id: UUID, payload: OrderIn):
    """Order one of the hospital's services; its report falls due after the service's turnaround target."""
    encounter = _encounter(request, encounter_id)
    service = Service.objects.filter(public_id=payload.service_id, hospital=encounter.hospital).first()
    if service is None:
        raise NotFound()
    order = services.order_place(encounter=encounter, service=service, ordered_by=request.auth,
                                 priority=payload.priority, note=payload.note, request=request)
    return Status(201, _order_out(order))


@router.get("/orders", response={200: list[OrderOut], 401: ErrorOut, 404: ErrorOut}, summary="Open orders")
def orders_list(request, overdue: bool = False, hospital_id: UUID | None = None):
    """List the hospital's open orders, soonest due first; with overdue=true only those past their due time."""
    hospital = _hospital(request, hospital_id)
    qs = selectors.orders_overdue(hospital=hospital) if overdue else selectors.orders_open(hospital=hospital)
    orders = list(qs.select_related("encounter", "report")[:500])
    audit_record_reads(actor=request.auth, request=request, organisation=hospital,
                       patients=[o.patient for o in orders], purpose="care")
    now = timezone.now()
    return [_order_out(o, now) for o in orders]


# --- Reports -----------------------------------------------------------------------------------------------------


@router.get("/reports/{report_id}", response={200: ReportOut, 401: ErrorOut, 404: ErrorOut}, summary="A report")
def reports_read(request, report_id: UUID):
    """Return a report: staff of its hospital see every state; patients and guardians released reports only."""
    return _report_out(report_get_for_user(user=request.auth, public_id=report_id, request=request))


@router.put("/reports/{report_id}", response={200: ReportOut, **WRITE}, summary="Write a report")
def reports_write(request, report_id: UUID, payload: ReportWriteIn):
    """Write findings, conclusion and results while registered or preliminary; refused results save nothing."""
    report = _managed_report(request, report_id)
    services.report_write(report=report, actor=request.auth, findings=payload.findings,
                          conclusion=payload.conclusion, conclusion_language=payload.conclusion_language,
                          observations=_rows(payload.observations) if payload.observations is not None else None,
                          preliminary=payload.preliminary, request=request)
    return _report_out(report)


@router.post("/reports/{report_id}/finalise", response={200: ReportOut, **WRITE}, summary="Make a report final")
def reports_finalise(request, report_id: UUID):
    """Make the report final: the order is complete and the patient is told (a link only, no results)."""
    report = _managed_report(request, report_id)
    return _report_out(services.report_finalise(report=report, actor=request.auth, request=request))


@router.post("/reports/{report_id}/amend", response={200: ReportOut, **WRITE}, summary="Amend a final report")
def reports_amend(request, report_id: UUID, payload: AmendIn):
    """Amend a released report with a reason; the previous version is kept. 409 for a cancelled report."""
    report = _managed_report(request, report_id)
    services.report_amend(report=report, actor=request.auth, reason=payload.reason, findings=payload.findings,
                          conclusion=payload.conclusion,
                          observations=_rows(payload.observations) if payload.observations is not None else None,
                          request=request)
    return _report_out(report)


@router.post("/reports/{report_id}/cancel", response={200: ReportOut, **WRITE}, summary="Cancel a report")
def reports_cancel(request, report_id: UUID, payload: ReasonIn):
    """Cancel a report; a cancelled report stays cancelled."""
    report = _managed_report(request, report_id)
    return _report_out(services.report_cancel(report=report, actor=request.auth, reason=payload.reason,
                                              request=request))


# --- The record written during a visit ------------------------------------------------------------------------


@router.post("/encounters/{encounter_id}/vital-signs", response={201: list[ObservationOut], **WRITE},
             summary="Record vital signs")
def vital_signs_record(request, encounter_id: UUID, payload: VitalSignsIn):
    """Record LOINC-coded vital signs; an impossible unit or value refuses them all (details name the row)."""
    encounter = _encounter(request, encounter_id)
    created = services.vital_signs_record(encounter=encounter, actor=request.auth, rows=_rows(payload.rows),
                                          request=request)
    return Status(201, [_observation_out(o) for o in created])


@router.post("/encounters/{encounter_id}/conditions", response={201: ConditionOut, **WRITE},
             summary="Record a diagnosis")
def conditions_record(request, encounter_id: UUID, payload: ConditionIn):
    """Record a diagnosis coded in WHO ICD-10."""
    encounter = _encounter(request, encounter_id)
    condition = services.condition_record(patient=encounter.patient, actor=request.auth, code=payload.code,
                                          display=payload.display, encounter=encounter, onset=payload.onset,
                                          is_primary=payload.is_primary, clinical_status=payload.clinical_status,
                                          request=request)
    return Status(201, _condition_out(condition))


@router.post("/encounters/{encounter_id}/allergies", response={201: AllergyOut, **WRITE},
             summary="Record an allergy")
def allergies_record(request, encounter_id: UUID, payload: AllergyIn):
    """Record an allergy or intolerance of the visit's patient."""
    encounter = _encounter(request, encounter_id)
    return Status(201, _allergy_out(services.allergy_record(
        patient=encounter.patient, actor=request.auth, display=payload.display, code=payload.code,
        criticality=payload.criticality, reaction=payload.reaction, request=request)))


@router.post("/encounters/{encounter_id}/prescriptions", response={201: PrescriptionOut, **WRITE},
             summary="Write a prescription")
def prescriptions_write(request, encounter_id: UUID, payload: PrescriptionIn):
    """Prescribe a medicine coded in ATC."""
    encounter = _encounter(request, encounter_id)
    return Status(201, _prescription_out(services.prescription_write(
        patient=encounter.patient, prescriber=request.auth, atc_code=payload.atc_code.strip().upper(),
        dosage=payload.dosage, display=payload.display, quantity=payload.quantity, encounter=encounter,
        request=request)))


@router.post("/encounters/{encounter_id}/medication-statements", response={201: MedicationStatementOut, **WRITE},
             summary="Record a medicine the patient takes")
def medication_statements_record(request, encounter_id: UUID, payload: MedicationStatementIn):
    """Record a medicine the patient takes or took."""
    encounter = _encounter(request, encounter_id)
    return Status(201, _statement_out(services.medication_statement_record(
        patient=encounter.patient, actor=request.auth, display=payload.display,
        atc_code=payload.atc_code.strip().upper(), dosage=payload.dosage, is_active=payload.is_active,
        source=payload.source, request=request)))


@router.post("/encounters/{encounter_id}/immunizations", response={201: ImmunizationOut, **WRITE},
             summary="Record a vaccination")
def immunizations_record(request, encounter_id: UUID, payload: ImmunizationIn):
    """Record a vaccine dose, given here or from the home country's record."""
    encounter = _encounter(request, encounter_id)
    return Status(201, _immunization_out(services.immunization_record(
        patient=encounter.patient, actor=request.auth, vaccine=payload.vaccine, occurred_on=payload.occurred_on,
        dose_number=payload.dose_number, country=payload.country, given_here=payload.given_here,
        source=payload.source, request=request)))


@router.post("/encounters/{encounter_id}/procedures", response={201: ProcedureOut, **WRITE},
             summary="Record a procedure")
def procedures_record(request, encounter_id: UUID, payload: ProcedureIn):
    """Record a procedure done here or before."""
    encounter = _encounter(request, encounter_id)
    return Status(201, _procedure_out(services.procedure_record(
        patient=encounter.patient, actor=request.auth, display=payload.display, performed_on=payload.performed_on,
        code=payload.code, encounter=encounter, request=request)))


@router.get("/encounters/{encounter_id}/record", response={200: dict, 401: ErrorOut, 404: ErrorOut},
            summary="The visit's patient's allergies, medicines, vaccinations and procedures")
def encounter_record(request, encounter_id: UUID):
    """Return what is known of the visit's patient beyond this visit."""
    patient = _encounter(request, encounter_id).patient
    return {
        "allergies": [_allergy_out(a) for a in AllergyIntolerance.objects.filter(patient=patient)],
        "medication_statements": [_statement_out(m) for m in MedicationStatement.objects.filter(patient=patient)],
        "prescriptions": [_prescription_out(p) for p in MedicationRequest.objects.filter(patient=patient)],
        "immunizations": [_immunization_out(i) for i in Immunization.objects.filter(patient=patient)],
        "procedures": [_procedure_out(p) for p in Procedure.objects.filter(patient=patient)],
        "conditions": [_condition_out(c) for c in Condition.objects.filter(patient=patient).select_related(
            "encounter")],
    }


# --- Translations --------------------------------------------------------------------------------------------------


@router.post("/reports/{report_id}/translations", response={201: TranslationOut, **WRITE},
             summary="Ask for a translation of the conclusion")
def translations_request(request, report_id: UUID, payload: TranslationRequestIn):
    """Ask the language pool to translate the conclusion (into the patient's language unless told)."""
    report = _managed_report(request, report_id)
    translation = services.translation_request(
        report=report, target_language=payload.target_language or report.patient.preferred_language,
        actor=request.auth, request=request)
    return Status(201, _translation_out(translation))


@router.get("/translations", response={200: list[TranslationOut], 401: ErrorOut}, summary="Translations to do")
def translations_list(request, mine: bool = False):
    """List the open translation requests of the caller's hospitals; with mine=true, those one translated."""
    hospitals = organisations_with_role(request.auth, Role.INTERPRETER, Role.CLINICIAN)
    qs = TextTranslation.objects.filter(report__hospital__in=hospitals).select_related(
        "report", "translator", "reviewer")
    qs = qs.filter(translator=request.auth) if mine else qs.filter(status__in=TRANSLATION_OPEN)
    return [_translation_out(t) for t in qs.order_by("created_at")[:300]]


@router.get("/translations/{translation_id}", response={200: TranslationOut, 401: ErrorOut, 404: ErrorOut},
            summary="A translation request")
def translations_read(request, translation_id: UUID):
    """Return a translation request with its source text (and a machine draft when a backend is set)."""
    translation = translation_get_for_translator(user=request.auth, public_id=translation_id, request=request)
    return _translation_out(translation, draft=True)


@router.post("/translations/{translation_id}/submit", response={200: TranslationOut, **WRITE},
             summary="Submit a translation")
def translations_submit(request, translation_id: UUID, payload: TranslationSubmitIn):
    """Store the translation for review by someone else."""
    translation = translation_get_for_translator(user=request.auth, public_id=translation_id, request=request)
    with transaction.atomic():
        services.translation_submit(translation=translation, translator=request.auth, text=payload.text,
                                    request=request)
        TextTranslation.objects.filter(pk=translation.pk).update(machine=payload.machine)
    translation.refresh_from_db()
    return _translation_out(translation)


@router.post("/translations/{translation_id}/review", response={200: TranslationOut, **WRITE},
             summary="Approve or send back a translation")
def translations_review(request, translation_id: UUID, payload: ReviewIn):
    """Approve (the patient then sees it) or send back; 409 `review_by_other` for the translator themself."""
    translation = translation_get_for_translator(user=request.auth, public_id=translation_id, request=request)
    return _translation_out(services.translation_review(translation=translation, reviewer=request.auth,
                                                        approve=payload.approve, request=request))


# --- The portal ----------------------------------------------------------------------------------------------------


@router.get("/portal/reports", response={200: list[PortalReportOut], 401: ErrorOut},
            summary="Released reports of one's own and one's wards' records")
def portal_reports_list(request):
    """List the final and amended reports of the caller's own and wards' records, newest first."""
    reports = list(selectors.reports_released_of(portal_patients(request.auth)).select_related("patient")[:300])
    audit_record_reads(actor=request.auth, request=request, patients={r.patient for r in reports}, purpose="portal")
    return [{"id": r.public_id, "patient_id": r.patient.public_id, "patient_name": r.patient.display_name,
             "hospital_name": r.hospital.name,
             "display": r.order.service.translated("name") if r.order_id else r.display, "status": r.status,
             "finalised_at": r.finalised_at} for r in reports]
