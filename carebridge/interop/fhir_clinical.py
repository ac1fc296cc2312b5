"""Encounter, ServiceRequest, DiagnosticReport and Observation: visits, orders, reports and their results.

Codes keep the display recorded with them: a code this server does not know keeps the words its source gave,
in both the coding's display and the concept's text.
"""

from decimal import Decimal

from django.db.models import Q
from django.utils import translation

from carebridge.clinical.models import LOINC, UCUM, DiagnosticReport, Encounter, Observation, Order
from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_healthcare_service import service_type
from carebridge.interop.fhir_organization import organization_reference
from carebridge.interop.fhir_practitioner import practitioner_reference
from carebridge.interop.fhir_schedule import utc
from carebridge.interop.fhir_search import NOTHING, SearchParam, any_of, reference_id, token

V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ENCOUNTER_KIND_SYSTEM = "urn:carebridge:encounter-kind"
REPORT_STATUS = "http://hl7.org/fhir/diagnostic-report-status"
OBSERVATION_STATUS = "http://hl7.org/fhir/observation-status"

PATIENT_PARAMS = {
    "patient": SearchParam("reference", "The patient (Patient/<id>)."),
    "subject": SearchParam("reference", "The patient (Patient/<id>); the same as patient."),
}
ENCOUNTER_SEARCH_PARAMS = dict(PATIENT_PARAMS)
SERVICE_REQUEST_SEARCH_PARAMS = dict(PATIENT_PARAMS)
DIAGNOSTIC_REPORT_SEARCH_PARAMS = {
    **PATIENT_PARAMS,
    "status": SearchParam("token", "registered, preliminary, final, amended, cancelled."),
    "category": SearchParam("token", "http://terminology.hl7.org/CodeSystem/v2-0074|LAB (laboratory), RAD (imaging) "
                                     "or OTH (procedure)."),
}
OBSERVATION_SEARCH_PARAMS = {
    **PATIENT_PARAMS,
    "category": SearchParam("token", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory, "
                                     "vital-signs or imaging."),
    "code": SearchParam("token", "The result's code, e.g. http://loinc.org|8867-4; system|code, code, |code or "
                                 "system|."),
    "date": SearchParam("date", "When the result was taken; prefixes eq, ne, lt, gt, ge, le. A date or a time "
                                "without a UTC offset is read in the time zone of the hospital concerned."),
}

ENCOUNTER_STATUS = {
    Encounter.Status.IN_PROGRESS: "in-progress",
    Encounter.Status.FINISHED: "finished",
    Encounter.Status.CANCELLED: "cancelled",
}
ENCOUNTER_CLASS = {
    Encounter.Kind.OUTPATIENT: ("AMB", "ambulatory"),
    Encounter.Kind.CHECKUP: ("AMB", "ambulatory"),
    Encounter.Kind.INPATIENT: ("IMP", "inpatient encounter"),
}
ORDER_STATUS = {Order.Status.ACTIVE: "active", Order.Status.COMPLETED: "completed", Order.Status.REVOKED: "revoked"}
# The SNOMED CT concepts of FHIR's servicerequest-category value set.
ORDER_CATEGORY = {
    Order.Category.IMAGING: ("363679005", "Imaging"),
    Order.Category.LAB: ("108252007", "Laboratory procedure"),
    Order.Category.PROCEDURE: ("387713003", "Surgical procedure"),
}
REPORT_STATUSES = {
    DiagnosticReport.Status.REGISTERED: "registered",
    DiagnosticReport.Status.PRELIMINARY: "preliminary",
    DiagnosticReport.Status.FINAL: "final",
    DiagnosticReport.Status.AMENDED: "amended",
    DiagnosticReport.Status.CANCELLED: "cancelled",
}
REPORT_CATEGORY = {
    Order.Category.LAB: ("LAB", "Laboratory"),
    Order.Category.IMAGING: ("RAD", "Radiology"),
    Order.Category.PROCEDURE: ("OTH", "Other"),
}
# A result has the status of its report; a vital sign (no report) is final when recorded.
OBSERVATION_STATUSES = {
    DiagnosticReport.Status.REGISTERED: "registered",
    DiagnosticReport.Status.PRELIMINARY: "preliminary",
    DiagnosticReport.Status.FINAL: "final",
    DiagnosticReport.Status.AMENDED: "amended",
    DiagnosticReport.Status.CANCELLED: "cancelled",
}
OBSERVATION_CATEGORIES = {
    Observation.Category.LABORATORY: "Laboratory",
    Observation.Category.VITAL_SIGNS: "Vital Signs",
    Observation.Category.IMAGING: "Imaging",
}
INTERPRETATIONS = {
    Observation.Flag.NORMAL: "Normal",
    Observation.Flag.LOW: "Low",
    Observation.Flag.HIGH: "High",
    Observation.Flag.CRITICAL_LOW: "Critical low",
    Observation.Flag.CRITICAL_HIGH: "Critical high",
    Observation.Flag.ABNORMAL: "Abnormal",
}


def english(label):
    """Return a model choice's label in English (the display of a coding)."""
    with translation.override("en"):
        return str(label)


def patient_reference(patient):
    """Return a reference to a patient."""
    return {"reference": f"Patient/{patient.public_id}"}


def person_reference(user):
    """Return a reference by name to a member of staff (staff accounts are not FHIR resources here)."""
    return {"display": user.full_name or user.email} if user is not None else None


def _standard_display(system, code):
    """Return the classification's own (English) name of a code, or None when it is unknown here."""
    try:
        from carebridge.clinical import terminology
    except ImportError:
        return None
    lookup = {"http://hl7.org/fhir/sid/icd-10": "icd10_lookup", LOINC: "loinc_lookup",
              "http://www.whocc.no/atc": "atc_lookup"}.get(system)
    function = getattr(terminology, lookup, None) if lookup else None
    if function is None:
        return None
    try:
        concept = function(code)
    except (LookupError, ValueError, OSError):  # the terminology's data is still being assembled
        return None
    return getattr(concept, "display", None) or None


def coded_concept(row, *, known=True):
    """Return a coded row (code_system, code, display) as a CodeableConcept; its text is the recorded display.

    A code the classification knows gets the classification's name as the coding's display; an unknown one (from
    outside: another country's variant, a typo kept as received) keeps the display its source gave.
    """
    concept = {"text": row.display}
    if row.code:
        display = (_standard_display(row.code_system, row.code) if known and row.code_system else None) or row.display
        coding = {"code": row.code, "display": display}
        if row.code_system:
            coding["system"] = row.code_system
        concept["coding"] = [coding]
    return concept


def decimal_value(value):
    """Return a stored decimal without the padding zeros of its column (12.5000 → 12.5)."""
    text = format(value.normalize(), "f")
    return Decimal(text)


def _quantity(value, unit):
    quantity = {"value": decimal_value(value)}
    if unit:
        quantity.update({"unit": unit, "system": UCUM, "code": unit})
    return quantity


def encounter_resource(encounter):
    """Map an encounter to a validated FHIR Encounter."""
    code, display = ENCOUNTER_CLASS[encounter.kind]
    period = {"start": utc(encounter.started_at)}
    if encounter.ended_at:
        period["end"] = utc(encounter.ended_at)
    data = {
        "resourceType": "Encounter",
        "id": str(encounter.public_id),
        "meta": meta(encounter.updated_at),
        "status": ENCOUNTER_STATUS[encounter.status],
        "class": {"system": V3_ACT_CODE, "code": code, "display": display},
        "type": [{"coding": [{"system": ENCOUNTER_KIND_SYSTEM, "code": encounter.kind,
                              "display": english(encounter.Kind(encounter.kind).label)}],
                  "text": str(encounter.get_kind_display())}],
        "subject": patient_reference(encounter.patient),
        "period": period,
        "serviceProvider": organization_reference(encounter.hospital),
    }
    if encounter.attending_id:
        data["participant"] = [{"type": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "ATND",
            "display": "attender"}]}], "individual": practitioner_reference(encounter.attending)}]
    if encounter.appointment_id:
        data["appointment"] = [{"reference": f"Appointment/{encounter.appointment.public_id}"}]
    if encounter.reason:
        data["reasonCode"] = [{"text": encounter.reason}]
    return validated(data)


def service_request_resource(order):
    """Map an order (imaging, a lab panel, a procedure) to a validated FHIR ServiceRequest."""
    code, display = ORDER_CATEGORY[order.category]
    data = {
        "resourceType": "ServiceRequest",
        "id": str(order.public_id),
        "meta": meta(order.updated_at),
        "status": ORDER_STATUS[order.status],
        "intent": "order",
        "category": [{"coding": [{"system": SNOMED, "code": code, "display": display}],
                      "text": str(order.get_category_display())}],
        "priority": order.priority,
        "code": service_type(order.service),
        "subject": patient_reference(order.patient),
        "encounter": {"reference": f"Encounter/{order.encounter.public_id}"},
        "authoredOn": utc(order.ordered_at),
        "requester": person_reference(order.ordered_by),
        "performer": [organization_reference(order.encounter.hospital)],
    }
    if order.note:
        data["note"] = [{"text": order.note}]
    return validated(data)


def _presented_form(attachment):
    return {"contentType": attachment.content_type, "title": attachment.title, "size": attachment.size,
            "creation": utc(attachment.created_at)}


def diagnostic_report_resource(report, *, observations, attachments=()):
    """Map a report, with the results it carries (and any attached files), to a validated FHIR DiagnosticReport."""
    code, display = REPORT_CATEGORY[report.category]
    data = {
        "resourceType": "DiagnosticReport",
        "id": str(report.public_id),
        "meta": meta(report.updated_at, *(o.updated_at for o in observations), *(a.updated_at for a in attachments)),
        "status": REPORT_STATUSES[report.status],
        "category": [{"coding": [{"system": V2_0074, "code": code, "display": display}],
                      "text": str(report.get_category_display())}],
        "code": _report_code(report),
        "subject": patient_reference(report.patient),
        "performer": [organization_reference(report.hospital)],
        "result": [{"reference": f"Observation/{o.public_id}", "display": o.display} for o in observations],
    }
    if report.order_id:
        data["basedOn"] = [{"reference": f"ServiceRequest/{report.order.public_id}"}]
    if report.encounter_id:
        data["encounter"] = {"reference": f"Encounter/{report.encounter.public_id}"}
    if report.issued_at:
        data["issued"] = utc(report.issued_at)
    if report.performer_id:
        data["resultsInterpreter"] = [person_reference(report.performer)]
    if report.conclusion:
        data["conclusion"] = report.conclusion
    if attachments:
        # Metadata only: the clinical app has no access-checked download of report files to point at yet.
        data["presentedForm"] = [_presented_form(a) for a in attachments]
    if not data["result"]:
        del data["result"]
    return validated(data)


def _report_code(report):
    """Return what was examined: the ordered service (the hospital's own code), or the recorded code."""
    if report.order_id and not report.code_system:
        return service_type(report.order.service)
    return coded_concept(report)


def observation_resource(observation):
    """Map a result or a vital sign to a validated FHIR Observation."""
    report = observation.report
    status = OBSERVATION_STATUSES[report.status] if report is not None else "final"
    data = {
        "resourceType": "Observation",
        "id": str(observation.public_id),
        "meta": meta(observation.updated_at, report.updated_at if report is not None else None),
        "status": status,
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": observation.category,
                                  "display": OBSERVATION_CATEGORIES[observation.category]}]}],
        "code": coded_concept(observation, known=observation.code_known),
        "subject": patient_reference(observation.patient),
        "effectiveDateTime": utc(observation.effective_at),
    }
    if observation.encounter_id:
        data["encounter"] = {"reference": f"Encounter/{observation.encounter.public_id}"}
    if report is not None and report.issued_at:
        data["issued"] = utc(report.issued_at)
    if observation.value_quantity is not None:
        data["valueQuantity"] = _quantity(observation.value_quantity, observation.unit)
    else:
        data["valueString"] = observation.value_text
    if observation.flag:
        data["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": observation.flag,
                                               "display": INTERPRETATIONS[observation.flag]}],
                                   "text": str(observation.get_flag_display())}]
    reference_range = {key: _quantity(value, observation.unit)
                       for key, value in (("low", observation.reference_low), ("high", observation.reference_high))
                       if value is not None}
    if reference_range:
        data["referenceRange"] = [reference_range]
    return validated(data)


def patient_filter(search, field_name="patient"):
    """Return the filter of the patient and subject parameters (each occurrence ANDed, commas ORed)."""
    matches = Q()
    for name in ("patient", "subject"):
        for alternatives in search.each(name):
            ids = [reference_id(value, resource_type="Patient") for value in alternatives]
            matches &= any_of(Q(**{f"{field_name}__public_id": public_id}) for public_id in ids if public_id)
    return matches


def code_filter(system, code, *, system_field="code_system", code_field="code"):
    """Return the filter of a token on a coded row: system|code, code (any system), |code (no system), system|."""
    if not code and system is None:
        return NOTHING
    matches = Q()
    if system is not None:
        matches &= Q(**{system_field: system})
    if code:
        matches &= Q(**{code_field: code})
    return matches


def choice_filter(system, code, *, expected_system, mapping, field_name):
    """Return the filter of a token naming a FHIR code mapped from the stored choices (`mapping`)."""
    if system not in (None, expected_system):
        return NOTHING
    stored = [value for value, fhir_code in mapping.items() if fhir_code == code]
    return Q(**{f"{field_name}__in": stored}) if stored else NOTHING


def diagnostic_report_filter(search):
    """Return the filter of a DiagnosticReport search."""
    matches = patient_filter(search)
    for alternatives in search.each("status"):
        matches &= any_of(choice_filter(*token(value), expected_system=REPORT_STATUS, mapping=REPORT_STATUSES,
                                        field_name="status") for value in alternatives)
    categories = {stored: code for stored, (code, _display) in REPORT_CATEGORY.items()}
    for alternatives in search.each("category"):
        matches &= any_of(choice_filter(*token(value), expected_system=V2_0074, mapping=categories,
                                        field_name="category") for value in alternatives)
    return matches


def observation_filter(search, *, date_filter):
    """Return the filter of an Observation search; `date_filter` turns one `date` value into a filter."""
    matches = patient_filter(search)
    categories = {value: value for value in Observation.Category.values}
    for alternatives in search.each("category"):
        matches &= any_of(choice_filter(*token(value), expected_system=OBSERVATION_CATEGORY, mapping=categories,
                                        field_name="category") for value in alternatives)
    for alternatives in search.each("code"):
        matches &= any_of(code_filter(*token(value)) for value in alternatives)
    for alternatives in search.each("date"):
        matches &= any_of(date_filter(value) for value in alternatives)
    return matches
