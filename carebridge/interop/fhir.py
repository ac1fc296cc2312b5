"""FHIR R4 plumbing: JSON responses with the FHIR media type, and OperationOutcome errors."""

import json

from django.http import HttpResponse

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
