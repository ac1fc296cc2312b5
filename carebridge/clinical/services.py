"""Writes of the clinical record: encounters, orders, reports and results, diagnoses, medicines, translations."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.audit.services import audit_record
from carebridge.catalog.models import Service
from carebridge.clinical import signals
from carebridge.clinical.models import (
    ATC,
    CVX,
    ICD10,
    LOINC,
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
    ReportVersion,
    TextTranslation,
)
from carebridge.clinical.notify import report_released_notify
from carebridge.core.errors import Conflict, ValidationFailed

CATEGORY_OF_SERVICE = {
    Service.Kind.IMAGING: Order.Category.IMAGING,
    Service.Kind.LAB_PANEL: Order.Category.LAB,
}


def _audit(action, *, actor, obj, patient, request=None, details=None, organisation=None):
    audit_record(action=action, actor=actor, request=request, organisation=organisation,
                 object_type=type(obj).__name__.lower(), object_id=obj.public_id,
                 patient_public_id=patient.public_id, purpose="care", details=details or {})


def encounter_open(*, patient, hospital, kind, opened_by, appointment=None, attending=None, reason="", request=None):
    """Open an encounter, from an appointment (once per appointment) or for a walk-in."""
    if kind not in Encounter.Kind.values:
        raise ValidationFailed(details={"kind": [str(_("Choose outpatient, inpatient or check-up."))]})
    if appointment is not None:
        if appointment.patient_id != patient.pk or appointment.hospital_id != hospital.pk:
            raise ValidationFailed(_("This appointment belongs to another patient or hospital."),
                                   code="appointment_mismatch")
        existing = Encounter.objects.filter(appointment=appointment).first()
        if existing:
            return existing
        attending = attending or appointment.clinician
    try:
        with transaction.atomic():
            encounter = Encounter.objects.create(patient=patient, hospital=hospital, kind=kind,
                                                 appointment=appointment, attending=attending, reason=reason[:300],
                                                 started_at=timezone.now(), opened_by=opened_by)
            _audit("encounter.opened", actor=opened_by, obj=encounter, patient=patient, request=request,
                   organisation=hospital)
    except IntegrityError:
        # Opened at the same moment from another screen (a double click): the visit is the same one.
        return Encounter.objects.get(appointment=appointment)
    return encounter


def _open_visit(encounter):
    if encounter is not None and encounter.status != Encounter.Status.IN_PROGRESS:
        raise Conflict(_("This visit is already closed."), code="encounter_closed")


def encounter_finish(*, encounter, actor, request=None):
    """Close an encounter."""
    if encounter.status != Encounter.Status.IN_PROGRESS:
        raise Conflict(_("This visit is already closed."), code="encounter_closed")
    with transaction.atomic():
        encounter.status = Encounter.Status.FINISHED
        encounter.ended_at = timezone.now()
        encounter.save(update_fields=["status", "ended_at", "updated_at"])
        _audit("encounter.finished", actor=actor, obj=encounter, patient=encounter.patient, request=request)
    return encounter


def order_place(*, encounter, service, ordered_by, priority=Order.Priority.ROUTINE, note="", request=None):
    """Order an exam or test; its report falls due after the service's turnaround target."""
    if encounter.status != Encounter.Status.IN_PROGRESS:
        raise Conflict(_("This visit is already closed."), code="encounter_closed")
    if service.hospital_id != encounter.hospital_id or not service.is_active:
        raise ValidationFailed(_("This service is not offered at this hospital."), code="service_not_offered")
    if priority not in Order.Priority.values:
        raise ValidationFailed(details={"priority": [str(_("Choose a priority from the list."))]})
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.create(
            encounter=encounter, patient=encounter.patient, service=service,
            category=CATEGORY_OF_SERVICE.get(service.kind, Order.Category.PROCEDURE), priority=priority,
            note=note, ordered_by=ordered_by, ordered_at=now, due_at=now + dt.timedelta(hours=service.report_target_hours))
        DiagnosticReport.objects.create(
            hospital=encounter.hospital, patient=encounter.patient, encounter=encounter, order=order,
            category=order.category, code_system="", code=service.code, display=service.name)
        _audit("order.placed", actor=ordered_by, obj=order, patient=encounter.patient, request=request,
               organisation=encounter.hospital)
    return order


def _observations_clean(rows, *, category):
    """Check result rows against the terminology (units, plausible values); return cleaned rows or raise."""
    from carebridge.clinical.terminology import observation_check

    errors, cleaned = {}, []
    for index, row in enumerate(rows):
        code = (row.get("code") or "").strip()
        display = (row.get("display") or "").strip()
        unit = (row.get("unit") or "").strip()
        value_text = (row.get("value_text") or "").strip()
        value = row.get("value")
        if value not in (None, ""):
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError):
                errors[f"observations.{index}.value"] = [str(_("Enter a number."))]
                continue
        else:
            value = None
        if value is None and not value_text:
            errors[f"observations.{index}.value"] = [str(_("Enter a value."))]
            continue
        problems = observation_check(code, value, unit) if code else []
        blocking = [p for p in problems if not str(p).startswith("unknown")]
        if blocking:
            errors[f"observations.{index}"] = [str(p) for p in blocking]
            continue
        known = not any(str(p).startswith("unknown") for p in problems)
        if not display:
            from carebridge.clinical.terminology import loinc_lookup

            concept = loinc_lookup(code) if code else None
            display = concept.display if concept else ""
        if not display:
            errors[f"observations.{index}.display"] = [str(_("Name the result."))]
            continue
        cleaned.append({
            "code_system": LOINC if code else "", "code": code, "display": display[:300], "category": category,
            "value_quantity": value, "unit": unit, "value_text": value_text[:300],
            "reference_low": _decimal(row.get("reference_low")), "reference_high": _decimal(row.get("reference_high")),
            "flag": _flag(row.get("flag"), value, _decimal(row.get("reference_low")),
                          _decimal(row.get("reference_high"))), "code_known": known,
        })
    if errors:
        raise ValidationFailed(_("Some results are not possible. Check the units and values."),
                               code="observation_invalid", details=errors)
    return cleaned


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _flag(given, value, low, high):
    if given in Observation.Flag.values:
        return given
    if value is None:
        return ""
    if low is not None and value < low:
        return Observation.Flag.LOW
    if high is not None and value > high:
        return Observation.Flag.HIGH
    return Observation.Flag.NORMAL if (low is not None or high is not None) else ""


def _observations_snapshot(report):
    return [{"code": o.code, "display": o.display, "value": str(o.value_quantity) if o.value_quantity is not None
             else o.value_text, "unit": o.unit, "flag": o.flag} for o in report.observations.all()]


def report_write(*, report, actor, findings=None, conclusion=None, conclusion_language=None, observations=None,
                 preliminary=False, request=None):
    """Write a report's findings, conclusion and results while it is registered or preliminary."""
    if report.status not in (DiagnosticReport.Status.REGISTERED, DiagnosticReport.Status.PRELIMINARY):
        raise Conflict(_("A released or cancelled report cannot be edited; amend it instead."),
                       code="report_not_editable")
    category = Observation.Category.LABORATORY if report.category == "lab" else Observation.Category.IMAGING
    cleaned = _observations_clean(observations, category=category) if observations is not None else None
    with transaction.atomic():
        _report_fill(report, findings=findings, conclusion=conclusion, conclusion_language=conclusion_language,
                     observations=cleaned, actor=actor)
        if preliminary:
            report.status = DiagnosticReport.Status.PRELIMINARY
            report.issued_at = report.issued_at or timezone.now()
        report.performer = actor
        report.save()
        _audit("report.written", actor=actor, obj=report, patient=report.patient, request=request,
               organisation=report.hospital, details={"status": report.status})
    return report


def _report_fill(report, *, findings, conclusion, conclusion_language, observations, actor):
    if findings is not None:
        report.findings = findings
    if conclusion is not None:
        report.conclusion = conclusion
    if conclusion_language:
        report.conclusion_language = conclusion_language
    if observations is not None:
        # Results keep their identity across edits and amendments (others may hold references to them):
        # a row with the same code (or name, when uncoded) is updated in place; only dropped rows are removed.
        existing = {(o.code or o.display): o for o in report.observations.all()}
        kept = set()
        for row in observations:
            key = row["code"] or row["display"]
            current = existing.get(key)
            if current is None:
                Observation.objects.create(patient=report.patient, report=report, encounter=report.encounter,
                                           effective_at=timezone.now(), recorded_by=actor, **row)
                continue
            for field, value in row.items():
                setattr(current, field, value)
            current.recorded_by = actor
            current.save()
            kept.add(current.pk)
        report.observations.exclude(pk__in=kept).filter(
            pk__in=[o.pk for o in existing.values()]).delete()


def report_finalise(*, report, actor, request=None):
    """Make a report final: the order is complete, turnaround is measured, the patient is told in their language."""
    if report.status not in (DiagnosticReport.Status.REGISTERED, DiagnosticReport.Status.PRELIMINARY):
        raise Conflict(_("Only a registered or preliminary report can be made final."), code="report_not_finalisable")
    if not (report.conclusion.strip() or report.findings.strip() or report.observations.exists()):
        raise ValidationFailed(_("Write the findings, the conclusion or the results first."), code="report_empty")
    now = timezone.now()
    with transaction.atomic():
        report.status = DiagnosticReport.Status.FINAL
        report.finalised_at = now
        report.issued_at = report.issued_at or now
        report.performer = report.performer or actor
        report.save()
        if report.order_id:
            Order.objects.filter(pk=report.order_id).update(status=Order.Status.COMPLETED, updated_at=now)
        _audit("report.finalised", actor=actor, obj=report, patient=report.patient, request=request,
               organisation=report.hospital, details={"turnaround_minutes": report_turnaround_minutes(report)})
        signals.report_released.send(sender=DiagnosticReport, report=report, request=request)
        transaction.on_commit(lambda: report_released_notify(report))
    return report


def report_turnaround_minutes(report):
    """Minutes from the order to the final report, or None."""
    if not (report.order_id and report.finalised_at):
        return None
    return int((report.finalised_at - report.order.ordered_at).total_seconds() // 60)


def report_amend(*, report, actor, reason, findings=None, conclusion=None, observations=None, request=None):
    """Amend a released report; what it said before is kept as a version, and the patient is told again."""
    if report.status == DiagnosticReport.Status.CANCELLED:
        raise Conflict(_("A cancelled report cannot be amended."), code="report_cancelled")
    if report.status not in DiagnosticReport.RELEASED:
        raise Conflict(_("Only a final report can be amended; edit it instead."), code="report_not_released")
    if not (reason or "").strip():
        raise ValidationFailed(details={"reason": [str(_("Give the reason for the amendment."))]})
    category = Observation.Category.LABORATORY if report.category == "lab" else Observation.Category.IMAGING
    cleaned = _observations_clean(observations, category=category) if observations is not None else None
    with transaction.atomic():
        conclusion_before = report.conclusion
        ReportVersion.objects.create(report=report, version=report.version, status=report.status,
                                     findings=report.findings, conclusion=report.conclusion,
                                     observations=_observations_snapshot(report), replaced_at=timezone.now(),
                                     replaced_by=actor, reason=reason[:300])
        _report_fill(report, findings=findings, conclusion=conclusion, conclusion_language=None,
                     observations=cleaned, actor=actor)
        conclusion_changed = conclusion is not None and conclusion != conclusion_before
        report.status = DiagnosticReport.Status.AMENDED
        report.version += 1
        report.save()
        if conclusion_changed:
            # The translations described the old wording; they are asked for again.
            report.translations.update(status=TextTranslation.Review.REQUESTED, source_text=report.conclusion,
                                       text="", translator=None, reviewer=None, machine=False,
                                       updated_at=timezone.now())
        _audit("report.amended", actor=actor, obj=report, patient=report.patient, request=request,
               organisation=report.hospital, details={"version": report.version, "reason": reason[:300]})
        signals.report_released.send(sender=DiagnosticReport, report=report, request=request)
        transaction.on_commit(lambda: report_released_notify(report))
    return report


def report_cancel(*, report, actor, reason, request=None):
    """Cancel a report (an exam not done, or entered in error); it cannot come back."""
    if report.status == DiagnosticReport.Status.CANCELLED:
        raise Conflict(_("This report is already cancelled."), code="report_cancelled")
    if not (reason or "").strip():
        raise ValidationFailed(details={"reason": [str(_("Give the reason for cancelling."))]})
    with transaction.atomic():
        report.status = DiagnosticReport.Status.CANCELLED
        report.save(update_fields=["status", "updated_at"])
        if report.order_id:
            Order.objects.filter(pk=report.order_id).update(status=Order.Status.REVOKED, updated_at=timezone.now())
        _audit("report.cancelled", actor=actor, obj=report, patient=report.patient, request=request,
               organisation=report.hospital, details={"reason": (reason or "")[:300]})
    return report


def vital_signs_record(*, encounter, actor, rows, request=None):
    """Record vital signs measured at a visit (LOINC-coded, checked like results)."""
    _open_visit(encounter)
    cleaned = _observations_clean(rows, category=Observation.Category.VITAL_SIGNS)
    with transaction.atomic():
        created = Observation.objects.bulk_create([
            Observation(patient=encounter.patient, encounter=encounter, effective_at=timezone.now(), recorded_by=actor,
                        **row) for row in cleaned])
        audit_record(action="vital_signs.recorded", actor=actor, request=request, object_type="encounter",
                     object_id=encounter.public_id, patient_public_id=encounter.patient.public_id, purpose="care",
                     details={"count": len(created)})
    return created


def _coded(*, system, code, display, validator, lookup, source):
    """Return (system, code, display, known) for an entry; codes from outside keep their original display."""
    code = (code or "").strip()
    display = (display or "").strip()
    if code and validator(code):
        concept = lookup(code)
        return system, getattr(concept, "code", code), display or getattr(concept, "display", code), True
    if code and not source:
        raise ValidationFailed(details={"code": [str(_("This code is not in the classification."))]},
                               code="unknown_code")
    if not display:
        raise ValidationFailed(details={"display": [str(_("Give the name as written in the source."))]})
    return (system if code else ""), code, display, False


def condition_record(*, patient, actor, code, display="", encounter=None, onset=None, is_primary=False,
                     clinical_status=Condition.ClinicalStatus.ACTIVE, source="", request=None):
    """Record a diagnosis coded in WHO ICD-10 (an unknown code is accepted only from an outside source)."""
    from carebridge.clinical.terminology import icd10_lookup, icd10_validate

    _open_visit(encounter)
    system, code, display, known = _coded(system=ICD10, code=code, display=display, validator=icd10_validate,
                                          lookup=icd10_lookup, source=source)
    if clinical_status not in Condition.ClinicalStatus.values:
        raise ValidationFailed(details={"clinical_status": [str(_("Choose a status from the list."))]})
    with transaction.atomic():
        if is_primary and encounter is not None:
            Condition.objects.filter(encounter=encounter, is_primary=True).update(is_primary=False,
                                                                                  updated_at=timezone.now())
        condition = Condition.objects.create(patient=patient, encounter=encounter, code_system=system, code=code,
                                             display=display[:300], onset=onset, is_primary=is_primary,
                                             clinical_status=clinical_status, recorded_by=actor, source=source[:200],
                                             code_known=known)
        _audit("condition.recorded", actor=actor, obj=condition, patient=patient, request=request)
    return condition


def allergy_record(*, patient, actor, display, code="", code_system="",
                   criticality=AllergyIntolerance.Criticality.UNABLE, reaction="", source="", request=None):
    """Record an allergy or intolerance."""
    if not (display or "").strip():
        raise ValidationFailed(details={"display": [str(_("Name the substance."))]})
    if criticality not in AllergyIntolerance.Criticality.values:
        raise ValidationFailed(details={"criticality": [str(_("Choose a level from the list."))]})
    with transaction.atomic():
        allergy = AllergyIntolerance.objects.create(patient=patient, code=code, code_system=code_system if code else "",
                                                    display=display[:300],
                                                    criticality=criticality, reaction=reaction[:300],
                                                    recorded_by=actor, source=source[:200])
        _audit("allergy.recorded", actor=actor, obj=allergy, patient=patient, request=request)
    return allergy


def prescription_write(*, patient, prescriber, atc_code, dosage, display="", quantity="", encounter=None, request=None):
    """Prescribe a medicine (ATC-coded); the dosage is written for the patient."""
    from carebridge.clinical.terminology import atc_lookup

    _open_visit(encounter)
    concept = atc_lookup(atc_code) if atc_code else None
    if atc_code and concept is None:
        raise ValidationFailed(details={"atc_code": [str(_("This code is not in the ATC classification."))]},
                               code="unknown_code")
    if not (dosage or "").strip():
        raise ValidationFailed(details={"dosage": [str(_("Write how to take it."))]})
    display = display or (concept.display if concept else "")
    if not display:
        raise ValidationFailed(details={"display": [str(_("Name the medicine."))]})
    with transaction.atomic():
        prescription = MedicationRequest.objects.create(
            patient=patient, encounter=encounter, code_system=ATC if atc_code else "", code=atc_code or "",
            display=display[:300], dosage=dosage[:300], quantity=quantity[:60], prescriber=prescriber,
            authored_at=timezone.now())
        _audit("prescription.written", actor=prescriber, obj=prescription, patient=patient, request=request)
    return prescription


def medication_statement_record(*, patient, actor, display, atc_code="", dosage="", is_active=True, source="",
                                request=None):
    """Record a medicine the patient takes (told by the patient, or from a summary from home)."""
    if not (display or "").strip():
        raise ValidationFailed(details={"display": [str(_("Name the medicine."))]})
    with transaction.atomic():
        statement = MedicationStatement.objects.create(
            patient=patient, code_system=ATC if atc_code else "", code=atc_code, display=display[:300],
            dosage=dosage[:300], is_active=is_active, source=source[:200], recorded_by=actor)
        _audit("medication_statement.recorded", actor=actor, obj=statement, patient=patient, request=request)
    return statement


def immunization_record(*, patient, actor, vaccine, occurred_on, dose_number=None, country="", given_here=False,
                        source="", request=None):
    """Record a vaccine dose (from the home record or given here); vaccines are known by key, CVX or ATC code."""
    from carebridge.clinical.terminology import vaccine_lookup

    concept = vaccine_lookup(vaccine)
    if concept is None:
        raise ValidationFailed(details={"vaccine": [str(_("Choose a vaccine from the list."))]}, code="unknown_code")
    if not isinstance(occurred_on, dt.date) or occurred_on > timezone.localdate():
        raise ValidationFailed(details={"occurred_on": [str(_("The date cannot be in the future."))]})
    if occurred_on < patient.date_of_birth:
        raise ValidationFailed(details={"occurred_on": [str(_("The date is before the patient was born."))]})
    with transaction.atomic():
        immunization = Immunization.objects.create(
            patient=patient, vaccine_key=concept.key, code_system=CVX if getattr(concept, "cvx", "") else "",
            code=getattr(concept, "cvx", "") or "", display=concept.display, dose_number=dose_number,
            occurred_on=occurred_on, country=(country or "").upper()[:2], given_here=given_here, recorded_by=actor,
            source=source[:200])
        _audit("immunization.recorded", actor=actor, obj=immunization, patient=patient, request=request)
    return immunization


def procedure_record(*, patient, actor, display, performed_on, code="", code_system="", encounter=None, source="",
                     request=None):
    """Record a procedure done here or before."""
    if not (display or "").strip():
        raise ValidationFailed(details={"display": [str(_("Name the procedure."))]})
    with transaction.atomic():
        procedure = Procedure.objects.create(patient=patient, encounter=encounter, code=code,
                                             code_system=code_system if code else "", display=display[:300],
                                             performed_on=performed_on, recorded_by=actor, source=source[:200])
        _audit("procedure.recorded", actor=actor, obj=procedure, patient=patient, request=request)
    return procedure


def translation_request(*, report, target_language, actor, request=None):
    """Ask the language pool to translate a report's conclusion into the patient's (or another) language."""
    if not report.conclusion.strip():
        raise ValidationFailed(_("There is no conclusion to translate yet."), code="nothing_to_translate")
    if target_language.split("-")[0] == report.conclusion_language.split("-")[0]:
        raise ValidationFailed(_("The conclusion is already in this language."), code="same_language")
    with transaction.atomic():
        translation, created = TextTranslation.objects.get_or_create(
            report=report, field="conclusion", target_language=target_language,
            defaults={"source_language": report.conclusion_language, "source_text": report.conclusion})
        if created:
            signals.translation_requested.send(sender=TextTranslation, translation=translation)
            _audit("translation.requested", actor=actor, obj=translation, patient=report.patient, request=request)
    return translation


def translation_submit(*, translation, translator, text, request=None):
    """Store a translator's text beside the original, for review."""
    if not (text or "").strip():
        raise ValidationFailed(details={"text": [str(_("Write the translation."))]})
    if translation.status == TextTranslation.Review.APPROVED:
        raise Conflict(_("This translation is already checked."), code="translation_approved")
    if translation.status == TextTranslation.Review.TRANSLATED and translation.translator_id != translator.pk:
        raise Conflict(_("Another translator's text is waiting for review."), code="translation_waiting")
    with transaction.atomic():
        translation.text = text
        translation.translator = translator
        translation.status = TextTranslation.Review.TRANSLATED
        translation.save()
        _audit("translation.submitted", actor=translator, obj=translation, patient=translation.report.patient,
               request=request)
    return translation


def translation_review(*, translation, reviewer, approve, request=None):
    """Approve a translation (the patient then sees it) or send it back."""
    if translation.status != TextTranslation.Review.TRANSLATED:
        raise Conflict(_("There is no translation waiting for review."), code="translation_not_waiting")
    if translation.translator_id == reviewer.pk:
        raise Conflict(_("Someone other than the translator must check the translation."), code="review_by_other")
    with transaction.atomic():
        translation.status = TextTranslation.Review.APPROVED if approve else TextTranslation.Review.REJECTED
        translation.reviewer = reviewer
        translation.save()
        _audit("translation.reviewed", actor=reviewer, obj=translation, patient=translation.report.patient,
               request=request, details={"approved": bool(approve)})
    return translation
