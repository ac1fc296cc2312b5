"""The CapabilityStatement: exactly what this FHIR server supports, and nothing more."""

from django.conf import settings
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carebridge.interop import (
    fhir_appointment,
    fhir_consent,
    fhir_coverage,
    fhir_healthcare_service,
    fhir_organization,
    fhir_patient,
    fhir_practitioner,
    fhir_related_person,
    fhir_schedule,
)
from carebridge.interop.fhir import FHIR_VERSION

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
}


def _resource(resource_type, params):
    return {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": name, "type": param.type, "documentation": param.documentation}
                        for name, param in params.items()],
    }


SUPPORTED_RESOURCES = [_resource(resource_type, params) for resource_type, params in SEARCHES.items()]


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
                        "The directory (Organization, Location, HealthcareService, Practitioner, PractitionerRole, "
                        "Schedule, Slot) is open to every authenticated caller."
                    ),
                },
                "resource": list(SUPPORTED_RESOURCES),
            }
        ],
    }
    return CapabilityStatement.model_validate(data)
