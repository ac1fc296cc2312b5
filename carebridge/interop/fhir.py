"""FHIR R4 plumbing: JSON responses with the FHIR media type, OperationOutcome errors, validation, versions."""

import json
import os

from django.conf import settings
from django.http import HttpResponse
from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json; charset=utf-8"
FHIR_VERSION = "4.0.1"


def validating():
    """Tell whether responses built as plain dicts are also validated with fhir.resources before they are sent.

    Mappers on the request path build FHIR JSON as dicts and the view serialises them directly: building the
    pydantic model only to serialise it again cost a third of a read. The tests (pytest sets PYTEST_CURRENT_TEST),
    DEBUG and FHIR_VALIDATE_RESPONSES = True validate every such response, so a mapper that drifts from the
    standard fails there; production sends the same bytes without the second pass.
    """
    explicit = getattr(settings, "FHIR_VALIDATE_RESPONSES", None)
    if explicit is not None:
        return bool(explicit)
    return settings.DEBUG or "PYTEST_CURRENT_TEST" in os.environ


def _model_json(value):
    """Serialise what json cannot: a fhir.resources model (as FHIR JSON), anything else as its string."""
    if hasattr(value, "model_dump_json"):
        return json.loads(value.model_dump_json(exclude_none=True))
    return str(value)


def fhir_response(resource, *, status=200, headers=None):
    """Serialise a resource (a dict, possibly holding fhir.resources models, or a model) as application/fhir+json."""
    if hasattr(resource, "model_dump"):
        body = resource.model_dump_json(exclude_none=True)
    else:
        body = json.dumps(resource, ensure_ascii=False, default=_model_json)
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


def checked(data):
    """Return a resource built as a dict for sending as is, validated first when `validating()` says so."""
    if validating():
        validated(data)
    return data


def resource_type_of(resource):
    """Return the resource type of a resource given as a dict or as a fhir.resources model."""
    return resource["resourceType"] if isinstance(resource, dict) else resource.get_resource_type()


def resource_id_of(resource):
    """Return the logical id of a resource given as a dict or as a fhir.resources model."""
    return resource["id"] if isinstance(resource, dict) else resource.id


def version_of(*moments):
    """Return a resource's version id and last-updated time from the change times of what it is built from."""
    last = max(moment for moment in moments if moment is not None)
    return str(int(last.timestamp() * 1_000_000)), last


def meta(*moments):
    """Return the meta element (versionId, lastUpdated) of a resource built from rows changed at these times."""
    version, last = version_of(*moments)
    # UTC as "Z", as fhir.resources writes an instant, so a resource sent as a dict reads the same as its model.
    return {"versionId": version, "lastUpdated": last.isoformat().replace("+00:00", "Z")}


def etag(resource):
    """Return the weak ETag of a resource's version (the resource as a dict or as a fhir.resources model)."""
    version = resource["meta"]["versionId"] if isinstance(resource, dict) else resource.meta.versionId
    return f'W/"{version}"'
