"""The CapabilityStatement: exactly what this FHIR server supports, and nothing more."""

from django.conf import settings
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carebridge.interop.fhir import FHIR_VERSION

# Interactions are added here as each resource's API is built, so the statement never over-promises.
SUPPORTED_RESOURCES = []


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
                "documentation": "Read-only FHIR R4 API. Errors are returned as OperationOutcome.",
                "security": {
                    "cors": False,
                    "description": "Bearer tokens issued to organisations' systems by an administrator.",
                },
                "resource": list(SUPPORTED_RESOURCES),
            }
        ],
    }
    return CapabilityStatement.model_validate(data)
