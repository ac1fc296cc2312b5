"""FHIR R4 plumbing: JSON responses with the FHIR media type, OperationOutcome errors, validation, versions."""

import json

from django.http import HttpResponse
from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json; charset=utf-8"
FHIR_VERSION = "4.0.1"


def fhir_response(resource, *, status=200, headers=None):
    """Serialise a resource (a dict or a fhir.resources model) as application/fhir+json."""
    if hasattr(resource, "model_dump"):
        body = resource.model_dump_json(exclude_none=True)
    else:
        body = json.dumps(resource, ensure_ascii=False, default=str)
    response = HttpResponse(body, status=status, content_type=FHIR_JSON)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def operation_outcome(*, code, diagnostics, severity="error", status=400, details_text=None):
    """Answer with an OperationOutcome: an issue of a FHIR issue-type code, explained in the caller's language."""
    issue = {"severity": severity, "code": code, "diagnostics": str(diagnostics)}
    if details_text:
        issue["details"] = {"text": str(details_text)}
    return fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status=status)


def validated(data):
    """Return a resource given as a dict as its validated R4B model; raise if it does not conform."""
    return get_fhir_model_class(data["resourceType"]).model_validate(data)


def version_of(*moments):
    """Return a resource's version id and last-updated time from the change times of what it is built from."""
    last = max(moment for moment in moments if moment is not None)
    return str(int(last.timestamp() * 1_000_000)), last


def meta(*moments):
    """Return the meta element (versionId, lastUpdated) of a resource built from rows changed at these times."""
    version, last = version_of(*moments)
    return {"versionId": version, "lastUpdated": last.isoformat()}


def etag(resource):
    """Return the weak ETag of a resource's version."""
    return f'W/"{resource.meta.versionId}"'
