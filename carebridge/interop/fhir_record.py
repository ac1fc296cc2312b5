"""Condition, AllergyIntolerance, MedicationRequest, MedicationStatement, Immunization and Procedure.

The entries an International Patient Summary is built from: diagnoses in WHO ICD-10, medicines in ATC,
vaccines in CVX where a CVX code is known (the recorded name otherwise).
"""

import pycountry

from carebridge.clinical.models import CVX, Condition, MedicationRequest
from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_clinical import (
    PATIENT_PARAMS,
    choice_filter,
    code_filter,
    coded_concept,
    patient_filter,
    patient_reference,
    person_reference,
)
from carebridge.interop.fhir_search import SearchParam, any_of, date_filter, token

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
MEDICATION_REQUEST_STATUS = "http://hl7.org/fhir/CodeSystem/medicationrequest-status"
DIAGNOSIS_ROLE = "http://terminology.hl7.org/CodeSystem/diagnosis-role"

CONDITION_SEARCH_PARAMS = {
    **PATIENT_PARAMS,
    "clinical-status": SearchParam("token", "active, resolved or inactive (http://terminology.hl7.org/CodeSystem/"
                                            "condition-clinical)."),
    "code": SearchParam("token", "The diagnosis, e.g. http://hl7.org/fhir/sid/icd-10|J18.9; system|code, code, "
                                 "|code or system|."),
}
ALLERGY_SEARCH_PARAMS = dict(PATIENT_PARAMS)
MEDICATION_REQUEST_SEARCH_PARAMS = {
    **PATIENT_PARAMS,
    "status": SearchParam("token", "active, completed or cancelled."),
}
MEDICATION_STATEMENT_SEARCH_PARAMS = dict(PATIENT_PARAMS)
IMMUNIZATION_SEARCH_PARAMS = {
    **PATIENT_PARAMS,
    "date": SearchParam("date", "The day the dose was given; prefixes eq, ne, lt, gt, ge, le."),
}
PROCEDURE_SEARCH_PARAMS = dict(PATIENT_PARAMS)

CLINICAL_STATUSES = {value: value for value in Condition.ClinicalStatus.values}
MEDICATION_REQUEST_STATUSES = {value: value for value in MedicationRequest.Status.values}


def _status_concept(system, code):
    return {"coding": [{"system": system, "code": code}]}


def _encounter(row):
    return {"reference": f"Encounter/{row.encounter.public_id}"} if row.encounter_id else None


def _pruned(data):
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def condition_resource(condition):
    """Map a diagnosis to a validated FHIR Condition; a code unknown here keeps the display its source gave."""
    category = "encounter-diagnosis" if condition.encounter_id else "problem-list-item"
    data = {
        "resourceType": "Condition",
        "id": str(condition.public_id),
        "meta": meta(condition.updated_at),
        "clinicalStatus": _status_concept(CONDITION_CLINICAL, condition.clinical_status),
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": category}]}],
        "code": coded_concept(condition, known=condition.code_known),
        "subject": patient_reference(condition.patient),
        "encounter": _encounter(condition),
        "onsetDateTime": condition.onset.isoformat() if condition.onset else None,
        "recordedDate": condition.created_at.isoformat(),
        "recorder": person_reference(condition.recorded_by),
        "note": [{"text": condition.source}] if condition.source else None,
    }
    return validated(_pruned(data))


def allergy_intolerance_resource(allergy):
    """Map an allergy or intolerance to a validated FHIR AllergyIntolerance."""
    data = {
        "resourceType": "AllergyIntolerance",
        "id": str(allergy.public_id),
        "meta": meta(allergy.updated_at),
        "clinicalStatus": _status_concept(ALLERGY_CLINICAL, "active" if allergy.is_active else "inactive"),
        "criticality": allergy.criticality,
        "code": coded_concept(allergy),
        "patient": patient_reference(allergy.patient),
        "recordedDate": allergy.created_at.isoformat(),
        "recorder": person_reference(allergy.recorded_by),
        "reaction": [{"manifestation": [{"text": allergy.reaction}]}] if allergy.reaction else None,
        "note": [{"text": allergy.source}] if allergy.source else None,
    }
    return validated(_pruned(data))


def medication_request_resource(prescription):
    """Map a prescription written here to a validated FHIR MedicationRequest (the medicine in ATC where coded)."""
    data = {
        "resourceType": "MedicationRequest",
        "id": str(prescription.public_id),
        "meta": meta(prescription.updated_at),
        "status": prescription.status,
        "intent": "order",
        "medicationCodeableConcept": coded_concept(prescription),
        "subject": patient_reference(prescription.patient),
        "encounter": _encounter(prescription),
        "authoredOn": prescription.authored_at.isoformat(),
        "requester": person_reference(prescription.prescriber),
        "dosageInstruction": [{"text": prescription.dosage}],
        # The quantity is free text ("30 tablets"); FHIR's dispense quantity needs a number, so it goes in a note.
        "note": [{"text": prescription.quantity}] if prescription.quantity else None,
    }
    return validated(_pruned(data))


def medication_statement_resource(statement):
    """Map a medicine the patient takes or took to a validated FHIR MedicationStatement."""
    data = {
        "resourceType": "MedicationStatement",
        "id": str(statement.public_id),
        "meta": meta(statement.updated_at),
        # Recorded as still taken or not; why it stopped is not recorded, so a past medicine is "completed".
        "status": "active" if statement.is_active else "completed",
        "medicationCodeableConcept": coded_concept(statement),
        "subject": patient_reference(statement.patient),
        "dateAsserted": statement.created_at.isoformat(),
        "informationSource": {"display": statement.source} if statement.source else None,
        "dosage": [{"text": statement.dosage}] if statement.dosage else None,
    }
    return validated(_pruned(data))


def _vaccine_code(immunization):
    if immunization.code_system == CVX and immunization.code:
        return {"coding": [{"system": CVX, "code": immunization.code, "display": immunization.display}],
                "text": immunization.display}
    return {"text": immunization.display}


def _country(code):
    """Name the country where a dose was given (a place, not a Location this server holds)."""
    if not code:
        return None
    country = pycountry.countries.get(alpha_2=code)
    return {"display": country.name if country else code}


def immunization_resource(immunization):
    """Map a vaccine dose to a validated FHIR Immunization (CVX when known, the recorded name otherwise)."""
    data = {
        "resourceType": "Immunization",
        "id": str(immunization.public_id),
        "meta": meta(immunization.updated_at),
        "status": "completed",
        "vaccineCode": _vaccine_code(immunization),
        "patient": patient_reference(immunization.patient),
        "occurrenceDateTime": immunization.occurred_on.isoformat(),
        "recorded": immunization.created_at.isoformat(),
        "primarySource": immunization.given_here,
        "reportOrigin": {"text": immunization.source} if immunization.source and not immunization.given_here
        else None,
        "location": _country(immunization.country),
        "protocolApplied": [{"doseNumberPositiveInt": immunization.dose_number}] if immunization.dose_number
        else None,
    }
    return validated(_pruned(data))


def procedure_resource(procedure):
    """Map a procedure done here or before to a validated FHIR Procedure."""
    data = {
        "resourceType": "Procedure",
        "id": str(procedure.public_id),
        "meta": meta(procedure.updated_at),
        "status": "completed",
        "code": coded_concept(procedure),
        "subject": patient_reference(procedure.patient),
        "encounter": _encounter(procedure),
        "performedDateTime": procedure.performed_on.isoformat(),
        "recorder": person_reference(procedure.recorded_by),
        "note": [{"text": procedure.source}] if procedure.source else None,
    }
    return validated(_pruned(data))


def condition_filter(search):
    """Return the filter of a Condition search."""
    matches = patient_filter(search)
    for alternatives in search.each("clinical-status"):
        matches &= any_of(choice_filter(*token(value), expected_system=CONDITION_CLINICAL,
                                        mapping=CLINICAL_STATUSES, field_name="clinical_status")
                          for value in alternatives)
    for alternatives in search.each("code"):
        matches &= any_of(code_filter(*token(value)) for value in alternatives)
    return matches


def medication_request_filter(search):
    """Return the filter of a MedicationRequest search."""
    matches = patient_filter(search)
    for alternatives in search.each("status"):
        matches &= any_of(choice_filter(*token(value), expected_system=MEDICATION_REQUEST_STATUS,
                                        mapping=MEDICATION_REQUEST_STATUSES, field_name="status")
                          for value in alternatives)
    return matches


def immunization_filter(search):
    """Return the filter of an Immunization search."""
    matches = patient_filter(search)
    for alternatives in search.each("date"):
        matches &= any_of(date_filter("occurred_on", value) for value in alternatives)
    return matches
