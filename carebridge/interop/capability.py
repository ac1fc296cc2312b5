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
    fhir_insurance,
    fhir_organization,
    fhir_patient,
    fhir_practitioner,
    fhir_record,
    fhir_related_person,
    fhir_schedule,
)
from carebridge.interop.bulk import fhir_group
from carebridge.interop.fhir import FHIR_VERSION
from carebridge.interop.fhir_search import COMMON_PARAMS
from carebridge.interop.referrals import fhir as referral_fhir
from carebridge.interop.search_specs import COMMON, INCLUDES, SORTS
from carebridge.interop.smart.protocol import CAPABILITIES as SMART_CAPABILITIES

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


def _sort_documentation(resource_type):
    keys = list(SORTS.get(resource_type, {}))
    return f"_sort by {', '.join(keys)} (a leading - for descending)." if keys else ""


def _resource(resource_type, params):
    if resource_type in COMMON:
        params = {**COMMON_PARAMS, **params}
    resource = {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "versioned",
        "readHistory": False,
        "conditionalRead": "not-match",
        "searchParam": [{"name": name, "type": param.type, "documentation": param.documentation}
                        for name, param in params.items()],
    }
    if INCLUDES.get(resource_type):
        resource["searchInclude"] = list(INCLUDES[resource_type])
    documentation = " ".join(text for text in (DOCUMENTATION.get(resource_type, ""),
                                                _sort_documentation(resource_type)) if text)
    if documentation:
        resource["documentation"] = documentation
    return resource


def _smart_security(base_url):
    """Return the SMART on FHIR security statement: the service and the token and revocation endpoints."""
    origin = base_url.removesuffix("/fhir/r4")
    return {
        "cors": False,
        "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                 "code": "SMART-on-FHIR"}],
                     "text": "OAuth 2.0 bearer tokens (SMART on FHIR), or a signed-in session"}],
        "extension": [{
            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            "extension": [{"url": "authorize", "valueUri": f"{origin}/oauth/authorize"},
                          {"url": "token", "valueUri": f"{origin}/oauth/token"},
                          {"url": "revoke", "valueUri": f"{origin}/oauth/revoke"}],
        }, *({"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities", "valueCode": code}
             for code in SMART_CAPABILITIES)],
    }


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


# Bulk Data export (carebridge/interop/bulk): Group of patients, and $export at system, Patient and Group level.
BULK = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
EXPORT_DOCUMENTATION = (
    "Bulk Data Access 2.0 for a hospital's own data: GET or POST with Prefer: respond-async; _type, _since and "
    "_outputFormat=application/fhir+ndjson; answered 202 with Content-Location, the status URL (202 with "
    "X-Progress and Retry-After while running, 200 with the manifest when done, DELETE to cancel). Files need "
    "the same hospital's token and are deleted after 24 hours. Needs a system scope: system/*.read (or an API "
    "token with fhir:read), or system/<Type>.read per type.")
SYSTEM_OPERATIONS = [{"name": "export", "definition": BULK + "export", "documentation": EXPORT_DOCUMENTATION}]
SUPPORTED_RESOURCES.append({**_resource("Group", fhir_group.SEARCH_PARAMS), "operation": [
    {"name": "export", "definition": BULK + "group-export", "documentation": EXPORT_DOCUMENTATION}]})
SUPPORTED_RESOURCES[-1].pop("conditionalRead", None)
next(r for r in SUPPORTED_RESOURCES if r["type"] == "Patient").setdefault("operation", []).append(
    {"name": "export", "definition": BULK + "patient-export", "documentation": EXPORT_DOCUMENTATION})


# Insurance (carebridge/interop/fhir_insurance.py): eligibility, preauthorizations and claims, answers, remittances.
for _type, _params in fhir_insurance.SEARCHES.items():
    SUPPORTED_RESOURCES.append({**_resource(_type, _params),
                                "documentation": fhir_insurance.CAPABILITY_DOCUMENTATION[_type]})


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
                    "FHIR R4 API (JSON). Errors are returned as OperationOutcome. Searches handle an unknown "
                    "parameter, _sort key or _include leniently (ignored, and left out of the self link) unless "
                    "the request says Prefer: handling=strict, when it is refused with 400; an unsupported "
                    "modifier is always refused. Results are paged with _count (default 20, at most 100) and "
                    "_offset, with self, previous and next links. Reads give meta.versionId and lastUpdated and "
                    "the ETag W/\"<versionId>\"; If-None-Match with it answers 304. A record the caller may not "
                    "see is answered 404, as if missing."
                ),
                "security": {
                    **_smart_security(base_url),
                    "description": (
                        "Send Authorization: Bearer <token>: a SMART Backend Services token of a hospital's system "
                        "(client credentials at the token endpoint, authenticated by an RS384/ES384 client "
                        "assertion or a client secret; scopes system/*.read, system/<Type>.read or .rs), a patient "
                        "app's token the patient or a guardian issued from the portal (patient/*.read or narrower; "
                        "that patient's compartment only), or an organisation's API token with fhir:read (read as "
                        "system/*.read). A patient app registered by a hospital as a public client gets its token "
                        "through SMART App Launch (standalone): the authorize endpoint with PKCE (S256 only), the "
                        "patient or a guardian signing in and choosing the record and the scopes (patient/*.read or "
                        "narrower, launch/patient), then the code exchanged once within 60 seconds for a one-hour "
                        "token whose response names the patient. The one write scope is system/Bundle.write, for "
                        "Patient/$ips-import. A token without the scope for a resource type gets 403; a missing, expired "
                        "or revoked one 401. Tokens are revoked at the revoke endpoint (RFC 7009) or in the portal. "
                        "A signed-in session (staff after their second factor) also works. "
                        "A hospital's system reads that hospital's patients and appointments only. "
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
                "operation": list(SYSTEM_OPERATIONS),
            }
        ],
    }
    return CapabilityStatement.model_validate(data)
