"""The CapabilityStatement: exactly what this FHIR server supports, and nothing more."""

from django.conf import settings
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carebridge.interop import (
    fhir_appointment,
    fhir_clinical,
    fhir_consent,
    fhir_coverage,
    fhir_document_reference,
    fhir_healthcare_service,
    fhir_organization,
    fhir_patient,
    fhir_practitioner,
    fhir_record,
    fhir_related_person,
    fhir_schedule,
)
from carebridge.interop.fhir import FHIR_VERSION
from carebridge.interop.referrals import fhir as referral_fhir

# Interactions are added here as each resource's API is built, so the statement never over-promises.
SEARCHES = {
    "Patient": fhir_patient.SEARCH_PARAMS,
    "RelatedPerson": fhir_related_person.SEARCH_PARAMS,
    "Consent": fhir_consent.SEARCH_PARAMS,
    "Coverage": fhir_coverage.SEARCH_PARAMS,
    "Organization": fhir_organization.ORGANIZATION_SEARCH_PARAMS,
    "Location": fhir_organization.LOCATION_SEARCH_PARAMS,
    "HealthcareService": fhir_healthcare_service.SEARCH_PARAMS,
    "Practitioner": fhir_practitioner.PRACTITIONER_SEARCH_PARAMS,
    "PractitionerRole": fhir_practitioner.PRACTITIONER_ROLE_SEARCH_PARAMS,
    "Schedule": fhir_schedule.SCHEDULE_SEARCH_PARAMS,
    "Slot": fhir_schedule.SLOT_SEARCH_PARAMS,
    "Appointment": fhir_appointment.SEARCH_PARAMS,
    "Encounter": fhir_clinical.ENCOUNTER_SEARCH_PARAMS,
    "ServiceRequest": fhir_clinical.SERVICE_REQUEST_SEARCH_PARAMS,
    "DiagnosticReport": fhir_clinical.DIAGNOSTIC_REPORT_SEARCH_PARAMS,
    "Observation": fhir_clinical.OBSERVATION_SEARCH_PARAMS,
    "Condition": fhir_record.CONDITION_SEARCH_PARAMS,
    "AllergyIntolerance": fhir_record.ALLERGY_SEARCH_PARAMS,
    "MedicationRequest": fhir_record.MEDICATION_REQUEST_SEARCH_PARAMS,
    "MedicationStatement": fhir_record.MEDICATION_STATEMENT_SEARCH_PARAMS,
    "Immunization": fhir_record.IMMUNIZATION_SEARCH_PARAMS,
    "Procedure": fhir_record.PROCEDURE_SEARCH_PARAMS,
    "DocumentReference": fhir_document_reference.SEARCH_PARAMS,
}
# What a resource's entry says beyond its interactions and search parameters.
DOCUMENTATION = {
    "ServiceRequest": referral_fhir.CAPABILITY_DOCUMENTATION,
    "DiagnosticReport": "The patient and their guardians read a report once it is final or amended; until then "
                        "it is answered 404 and left out of searches. presentedForm gives attached files' "
                        "metadata only.",
    "Observation": "Results of a report are read by the patient's side only with their released report. "
                   "valueQuantity carries the UCUM unit in unit and code (system http://unitsofmeasure.org); "
                   "interpretation uses v3-ObservationInterpretation N, L, H, LL, HH, A.",
    "Condition": "Coded in WHO ICD-10 (http://hl7.org/fhir/sid/icd-10). A code from outside that ICD-10 does not "
                 "know keeps the display its source gave, in code.text and in the coding's display.",
    "MedicationRequest": "Medicines in ATC (http://www.whocc.no/atc) where coded, by name otherwise.",
    "MedicationStatement": "Medicines in ATC (http://www.whocc.no/atc) where coded, by name otherwise.",
    "Immunization": "vaccineCode in CVX (http://hl7.org/fhir/sid/cvx) when a CVX code is known, text otherwise.",
    "DocumentReference": "Prior records uploaded by the patient or staff. content.attachment.url is the "
                         "access-checked download (a signed-in session with access to the patient). "
                         "attachment.hash (SHA-1) is not given; the file's SHA-256, base64-encoded, is in the "
                         "extension urn:carebridge:fhir:extension:attachment-sha256.",
}


def _resource(resource_type, params):
    resource = {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": name, "type": param.type, "documentation": param.documentation}
                        for name, param in params.items()],
    }
    if resource_type in DOCUMENTATION:
        resource["documentation"] = DOCUMENTATION[resource_type]
    return resource


SUPPORTED_RESOURCES = [_resource(resource_type, params) for resource_type, params in SEARCHES.items()]
# The International Patient Summary operations on Patient (carebridge/interop/ips).
next(r for r in SUPPORTED_RESOURCES if r["type"] == "Patient")["operation"] = [
    {"name": "summary", "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
     "documentation": "GET Patient/<id>/$summary or Patient/$summary?identifier=system|value: the patient's IPS "
                      "document Bundle; narratives in the patient's language (or ?language=) and English. For the "
                      "patient's own people, the clinicians and the systems of the hospitals where they are registered."},
    {"name": "ips-import", "definition": "urn:carebridge:fhir:OperationDefinition/ips-import",
     "documentation": "POST Patient/<id>/$ips-import with an IPS document Bundle (at most 5 MB) as the body: checked "
                      "completely and imported in one transaction, or refused with an OperationOutcome listing "
                      "every problem (400, 413 or 422) and nothing written. Importing the same Bundle.identifier "
                      "again adds nothing (200). Systems need a write scope (fhir:write or system/Bundle.write)."},
]


def capability_statement(*, base_url):
    """Build and validate the server's CapabilityStatement."""
    data = {
        "resourceType": "CapabilityStatement",
        "id": "carebridge",
        "url": f"{base_url}/metadata",
        "version": "0.1.0",
        "name": "CareBridgeFHIRServer",
        "title": "CareBridge FHIR R4 server",
        "status": "active",
        "experimental": settings.PROFILE != "production",
        "date": "2026-11-23",
        "publisher": "CareBridge",
        "kind": "instance",
        "software": {"name": "CareBridge", "version": "0.1.0"},
        "implementation": {"description": "CareBridge international patient platform", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only FHIR R4 API. Errors are returned as OperationOutcome. Searches are strict: an "
                    "unknown parameter or modifier is refused with 400. Results are paged with _count (default "
                    "20, at most 100) and _offset; a record the caller may not see is answered 404, as if missing."
                ),
                "security": {
                    "cors": False,
                    "service": [{"text": "Bearer token (RFC 6750) or signed-in session"}],
                    "description": (
                        "Send Authorization: Bearer <token>, a token issued to an organisation's system by an "
                        "administrator and carrying the scope fhir:read; or use a signed-in session (staff after "
                        "their second factor). A hospital's system reads that hospital's patients and appointments only. "
                        "The clinical record (Encounter, ServiceRequest, DiagnosticReport, Observation, Condition, "
                        "AllergyIntolerance, MedicationRequest, MedicationStatement, Immunization, Procedure, "
                        "DocumentReference) is read by the patient and their guardians (reports and their results "
                        "once released), by the clinicians of the hospital a record belongs to (of every hospital "
                        "where the patient is registered, for records tied to no hospital), and by that hospital's "
                        "system; every resource given out is audited. "
                        "The directory (Organization, Location, HealthcareService, Practitioner, PractitionerRole, "
                        "Schedule, Slot) is open to every authenticated caller."
                    ),
                },
                "resource": list(SUPPORTED_RESOURCES),
            }
        ],
    }
    return CapabilityStatement.model_validate(data)
