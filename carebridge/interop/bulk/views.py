"""FHIR Bulk Data Access ($export) at /fhir/r4: kick-off, status polling, cancel, file download; Group read.

Kick-off: GET or POST [base]/$export, [base]/Patient/$export, [base]/Group/<id>/$export with
`Prefer: respond-async`; answered 202 with Content-Location, the status URL. Polling it answers 202 with
X-Progress and Retry-After while the export runs, then 200 with the manifest; DELETE cancels. Only the
hospital's system (a bearer token with a SMART system scope) starts and follows an export of that hospital.
"""

import json
from functools import wraps

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from carebridge.accounts.models import OrganisationKind
from carebridge.audit.services import audit_record
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.interop.auth import FhirAuthError, fhir_caller
from carebridge.interop.bulk import fhir_group
from carebridge.interop.bulk.access import (
    caller_groups,
    export_file_get_for_caller,
    export_get_for_caller,
    granted_types,
    group_get_for_caller,
)
from carebridge.interop.bulk.models import BulkExport
from carebridge.interop.bulk.resources import EXPORT_TYPES
from carebridge.interop.bulk.services import bulk_export_cancel, bulk_export_start, file_path, group_patients
from carebridge.interop.fhir import fhir_response, operation_outcome
from carebridge.interop.fhir_search import SearchError, base_url, page, search_parse, searchset

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
KICKOFF_PARAMETERS = {"_type", "_since", "_outputFormat"}
RETRY_AFTER_SECONDS = 5


class KickOffError(Exception):
    """Refuse a kick-off request as asked (an OperationOutcome with this status and issue code)."""

    def __init__(self, message, *, status=400, code="invalid"):
        self.message, self.status, self.code = message, status, code
        super().__init__(message)


def bulk_endpoint(*methods):
    """Guard a bulk endpoint: the methods it answers, the caller, and every failure as an OperationOutcome."""

    def decorate(view):
        @csrf_exempt  # bearer-token API: no cookies are relied on for a system's requests
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = operation_outcome(code="not-supported", status=405,
                                             diagnostics=_("This method is not supported here."))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                request.fhir_caller = fhir_caller(request)
                return view(request, *args, **kwargs)
            except FhirAuthError as exc:
                response = operation_outcome(code=exc.code, diagnostics=exc.message, status=exc.status)
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="fhir"'
                return response
            except NotFound:
                return operation_outcome(code="not-found", status=404, diagnostics=_("Resource not found."))
            except (KickOffError, SearchError) as exc:
                return operation_outcome(code=exc.code, diagnostics=exc.message, status=getattr(exc, "status", 400))
            except CareBridgeError as exc:
                return operation_outcome(code="invalid", diagnostics=exc.message, status=exc.status)

        return wrapper

    return decorate


def _system_hospital(request):
    """Return the hospital whose system calls; a person or another kind of organisation is refused (403)."""
    caller = request.fhir_caller
    if not caller.is_system or caller.organisation is None or caller.organisation.kind != OrganisationKind.HOSPITAL:
        raise KickOffError(_("Bulk export is for a hospital's system with a bearer token; staff use the export "
                             "page."), status=403, code="forbidden")
    return caller.organisation


def _parameters(request):
    """Return the kick-off parameters (name -> [values]) from the query string or a POSTed Parameters resource."""
    if request.method == "GET":
        return {name: request.GET.getlist(name) for name in request.GET}
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise KickOffError(_("Send the parameters as a FHIR Parameters resource in JSON.")) from exc
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise KickOffError(_("Send the parameters as a FHIR Parameters resource in JSON."))
    values = {}
    for parameter in body.get("parameter") or []:
        value = next((v for k, v in parameter.items() if k.startswith("value")), None)
        values.setdefault(parameter.get("name", ""), []).append(str(value if value is not None else ""))
    return values


def _scopes(request):
    """Return the SMART scopes of the caller's token (an accounts token's fhir:read stands for system/*.read)."""
    scopes = getattr(request.fhir_caller, "scopes", None)
    if scopes is not None:
        return list(scopes)
    token = getattr(request, "api_token", None)
    return ["system/*.read"] if token is not None and "fhir:read" in (token.scopes or []) else []


def _client(caller):
    label = getattr(caller, "client_label", None)
    return label if isinstance(label, dict) else {"kind": "system"}


def _kick_off(request, *, level, group=None):
    hospital = _system_hospital(request)
    if "respond-async" not in request.META.get("HTTP_PREFER", ""):
        raise KickOffError(_("Send the header Prefer: respond-async to start a bulk export."))
    parameters = _parameters(request)
    unknown = sorted(set(parameters) - KICKOFF_PARAMETERS)
    if unknown:
        raise KickOffError(_("This server does not support the parameter %(name)s.") % {"name": unknown[0]},
                           code="not-supported")
    formats = [value.strip() for value in parameters.get("_outputFormat", []) if value.strip()]
    if any(value not in OUTPUT_FORMATS for value in formats):
        raise KickOffError(_("This server writes application/fhir+ndjson only."), code="not-supported")
    since = None
    for value in parameters.get("_since", []):
        since = parse_datetime(value.strip().replace(" ", "+"))
        if since is None or since.tzinfo is None:
            raise KickOffError(_("Give _since as a FHIR instant, e.g. 2026-01-01T00:00:00Z."))
    asked = [name.strip() for value in parameters.get("_type", []) for name in value.split(",") if name.strip()]
    unsupported = sorted(set(asked) - set(EXPORT_TYPES))
    if unsupported:
        raise KickOffError(_("This server cannot export the resource type %(name)s.") % {"name": unsupported[0]},
                           code="not-supported")
    granted = granted_types(_scopes(request))
    types = asked or granted
    if not granted or not set(types) <= set(granted):
        raise KickOffError(_("This token does not carry a system scope for every resource type asked."),
                           status=403, code="forbidden")
    export = bulk_export_start(hospital=hospital, level=level, group=group, types=types, since=since,
                               request_url=request.build_absolute_uri(), base_url=base_url(request),
                               client=_client(request.fhir_caller))
    response = operation_outcome(code="informational", severity="information", status=202,
                                 diagnostics=_("The export has started."))
    response["Content-Location"] = request.build_absolute_uri(reverse("fhir:bulk_status", args=[export.public_id]))
    return response


@bulk_endpoint("GET", "POST")
def export_system(request):
    """Start an export of all of the hospital's data."""
    return _kick_off(request, level=BulkExport.Level.SYSTEM)


@bulk_endpoint("GET", "POST")
def export_patient(request):
    """Start an export of the data of all of the hospital's patients."""
    return _kick_off(request, level=BulkExport.Level.PATIENT)


@bulk_endpoint("GET", "POST")
def export_group(request, resource_id):
    """Start an export of the data of a group of the hospital's patients."""
    _system_hospital(request)
    group = group_get_for_caller(request.fhir_caller, public_id=resource_id, request=request)
    return _kick_off(request, level=BulkExport.Level.GROUP, group=group)


def manifest(export, *, file_url):
    """Return the completion manifest of an export: its files, each with its type and count."""
    return {
        "transactionTime": export.transaction_time.isoformat().replace("+00:00", "Z"),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [{"type": f.resource_type, "url": file_url(f), "count": f.count}
                   for f in export.files.all() if f.count],
        "error": [],
    }


@bulk_endpoint("GET", "DELETE")
def export_status(request, export_id):
    """Answer how far an export got (202), its manifest once done (200), or cancel it (DELETE, 202)."""
    caller = request.fhir_caller
    export = export_get_for_caller(caller, public_id=export_id, request=request)
    if request.method == "DELETE":
        bulk_export_cancel(export=export, request=request)
        return operation_outcome(code="informational", severity="information", status=202,
                                 diagnostics=_("The export was cancelled and its files deleted."))
    if export.status == BulkExport.Status.FAILED:
        return operation_outcome(code="exception", status=500, diagnostics=_("The export failed; start it again."))
    if export.status != BulkExport.Status.COMPLETED:
        response = HttpResponse(status=202)
        response["X-Progress"] = f"{export.percent}% ({export.done}/{export.total if export.total is not None else '?'})"
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    body = manifest(export, file_url=lambda f: request.build_absolute_uri(reverse("fhir:bulk_file",
                                                                                  args=[f.public_id])))
    response = HttpResponse(json.dumps(body), content_type="application/json")
    response["Expires"] = http_date(export.expires_at.timestamp())
    return response


def file_response(request, export_file, *, actor=None):
    """Stream an export's NDJSON file, writing the download's audit row."""
    audit_record(action="bulk_export.file_downloaded", actor=actor, request=request,
                 organisation=export_file.export.hospital, object_type="bulk_export_file",
                 object_id=export_file.public_id, purpose="bulk-export",
                 details={"export": str(export_file.export.public_id), "type": export_file.resource_type,
                          "count": export_file.count})
    response = FileResponse(file_path(export_file).open("rb"), content_type=NDJSON)
    response["Content-Length"] = str(export_file.size)
    response["Content-Disposition"] = f'attachment; filename="{export_file.file_name}"'
    return response


@bulk_endpoint("GET")
def export_file(request, file_id):
    """Download one NDJSON file of a completed export (the token of the hospital that asked for it)."""
    export_file = export_file_get_for_caller(request.fhir_caller, public_id=file_id, request=request)
    return file_response(request, export_file)


def _group_resource(group, request):
    patients = list(group_patients(group).order_by("pk"))
    audit_record(action="patient_group.read", request=request, organisation=group.hospital,
                 object_type="patient_group", object_id=group.public_id, purpose="fhir-read",
                 details={"members": len(patients)})
    return fhir_group.group_resource(group, patients=patients)


@bulk_endpoint("GET", "HEAD")
def group_read(request, resource_id):
    """Read a group of the hospital's patients as a FHIR Group."""
    group = group_get_for_caller(request.fhir_caller, public_id=resource_id, request=request)
    resource = _group_resource(group, request)
    return fhir_response(resource, headers={"ETag": f'W/"{resource.meta.versionId}"'})


@bulk_endpoint("GET", "HEAD")
def group_search(request):
    """Search the groups of the caller's hospital, by name."""
    search = search_parse(request.GET, params=fhir_group.SEARCH_PARAMS)
    groups = caller_groups(request.fhir_caller).select_related("hospital")
    for value in search.values.get("name", []):
        groups = groups.filter(name__icontains=value)
    found, total = page(groups.order_by("name", "pk"), search)
    resources = [_group_resource(group, request) for group in found]
    return fhir_response(searchset(request, search=search, resources=resources, total=total))
