"""Reads of the clinical record: overdue reports, turnaround, a patient's record and released reports."""

from django.db.models import F, Q
from django.utils import timezone

from carebridge.clinical.models import (
    ICD10,
    AllergyIntolerance,
    Condition,
    DiagnosticReport,
    Encounter,
    Immunization,
    MedicationRequest,
    MedicationStatement,
    Observation,
    Order,
    Procedure,
    TextTranslation,
)


def orders_overdue(*, hospital, now=None):
    """Return the hospital's open orders whose report is past its due time, most overdue first."""
    now = now or timezone.now()
    return Order.objects.filter(encounter__hospital=hospital, status=Order.Status.ACTIVE, due_at__lt=now).select_related(
        "patient", "service").order_by("due_at")


def orders_open(*, hospital):
    """Return the hospital's open orders, soonest due first."""
    return Order.objects.filter(encounter__hospital=hospital, status=Order.Status.ACTIVE).select_related(
        "patient", "service", "report").order_by("due_at")


def turnaround_by_service(*, hospital, since):
    """Return [(service, reports, median minutes, share on time)] for reports made final since a moment."""
    rows = {}
    reports = DiagnosticReport.objects.filter(hospital=hospital, finalised_at__gte=since, order__isnull=False).annotate(
        ordered_at=F("order__ordered_at"), due_at=F("order__due_at")).select_related("order__service")
    for report in reports:
        minutes = (report.finalised_at - report.ordered_at).total_seconds() / 60
        rows.setdefault(report.order.service, []).append((minutes, report.finalised_at <= report.due_at))
    result = []
    for service, values in rows.items():
        minutes = sorted(m for m, _on_time in values)
        result.append((service, len(values), minutes[len(minutes) // 2], sum(1 for _m, ok in values if ok) / len(values)))
    return sorted(result, key=lambda row: row[0].name)


def reports_released_of(patients):
    """Return the final and amended reports of the given patients, newest first."""
    return DiagnosticReport.objects.filter(patient__in=patients, status__in=DiagnosticReport.RELEASED).select_related(
        "hospital", "order__service").order_by("-finalised_at")


def translation_shown(report, language):
    """Return the approved translation of the conclusion for a language, or None."""
    base = (language or "").split("-")[0]
    for translation in report.translations.filter(status=TextTranslation.Review.APPROVED):
        if translation.target_language.split("-")[0] == base:
            return translation
    return None


def clinical_summary(patient):
    """Return the pieces of the record an International Patient Summary is built from."""
    return {
        "conditions": Condition.objects.filter(patient=patient).order_by("-created_at"),
        "allergies": AllergyIntolerance.objects.filter(patient=patient, is_active=True),
        "prescriptions": MedicationRequest.objects.filter(patient=patient).order_by("-authored_at"),
        "medications": MedicationStatement.objects.filter(patient=patient),
        "immunizations": Immunization.objects.filter(patient=patient),
        "procedures": Procedure.objects.filter(patient=patient),
        "vital_signs": Observation.objects.filter(patient=patient, category=Observation.Category.VITAL_SIGNS),
        "results": Observation.objects.filter(patient=patient, report__status__in=DiagnosticReport.RELEASED),
        "encounters": Encounter.objects.filter(patient=patient),
    }


def billing_diagnoses(*, patient, hospital, encounter=None):
    """Return the ICD-10 diagnoses an invoice carries: the encounter's, else the patient's active ones at the hospital.

    [{"code": "J44.9", "display": "..."}], main diagnosis first, each code once.
    """
    conditions = Condition.objects.filter(patient=patient, code_system=ICD10).exclude(code="")
    if encounter is not None:
        conditions = conditions.filter(encounter=encounter)
    else:
        conditions = conditions.filter(clinical_status=Condition.ClinicalStatus.ACTIVE).filter(
            Q(encounter__hospital=hospital) | Q(encounter__isnull=True))
    seen, found = set(), []
    for condition in conditions.order_by("-is_primary", "created_at"):
        if condition.code not in seen:
            seen.add(condition.code)
            found.append({"code": condition.code, "display": condition.display})
    return found
