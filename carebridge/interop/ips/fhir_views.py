"""FHIR operations of the IPS: Patient/$summary (export) and Patient/<id>/$ips-import (import of a document Bundle)."""

from django.db.models import Q
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from carebridge.core.errors import NotFound
from carebridge.interop import fhir_patient
from carebridge.interop.access import caller_patients, searchable_record_numbers
from carebridge.interop.auth import FhirAuthError, fhir_caller
from carebridge.interop.fhir import fhir_response, operation_outcome
from carebridge.interop.fhir_search import SearchParam, search_parse
from carebridge.interop.ips.access import ips_export_patient_get, ips_import_patient_get
from carebridge.interop.ips.export import ips_bundle_build
from carebridge.interop.ips.importer import IpsRejected, ips_import
from carebridge.interop.ips.rules import MAX_BYTES, operation_outcome_body
from carebridge.interop.views import fhir_endpoint

# A system imports only with a token that may write; these are the scopes that say so.
IMPORT_SCOPES = {"fhir:write", "system/*.write", "system/Bundle.write", "system/*.*", "system/Bundle.*"}
SUMMARY_PARAMS = {
    "identifier": SearchParam("token", "The patient's identifier (passport or medical record number), as in "
                                       "a Patient search; it must name exactly one patient."),
    "language": SearchParam("token", "The language of the narratives beside English (BCP 47); the patient's "
                                     "preferred language by default."),
}


def _summary(request, patient, language):
    caller = request.fhir_caller
    bundle = ips_bundle_build(patient=patient, language=language or patient.preferred_language,
                              requested_by=caller.organisation if caller.is_system else caller.user,
                              request=request, purpose="fhir-ips-summary")
    return fhir_response(bundle)


def _language(search):
    values = [value for alternatives in search.each("language") for value in alternatives]
    return values[0] if values else None


@fhir_endpoint
def patient_summary(request, resource_id):
    """Return a patient's International Patient Summary (a document Bundle)."""
    search = search_parse(request.GET, params={"language": SUMMARY_PARAMS["language"]})
    patient = ips_export_patient_get(caller=request.fhir_caller, public_id=resource_id, request=request)
    return _summary(request, patient, _language(search))


@fhir_endpoint
def patient_summary_by_identifier(request):
    """Return the summary of the one patient an identifier names (Patient/$summary?identifier=...)."""
    caller = request.fhir_caller
    search = search_parse(request.GET, params=SUMMARY_PARAMS)
    if not search.values.get("identifier"):
        return operation_outcome(code="required", status=400,
                                 diagnostics=_("Name the patient with the identifier parameter."))
    matches = fhir_patient.patient_filter(search, record_numbers=searchable_record_numbers(caller))
    found = list(caller_patients(caller).filter(matches & Q(merged_into__isnull=True)).values_list(
        "public_id", flat=True)[:2])
    if len(found) > 1:
        return operation_outcome(code="multiple-matches", status=400,
                                 diagnostics=_("The identifier names more than one patient."))
    if not found:
        raise NotFound
    patient = ips_export_patient_get(caller=caller, public_id=str(found[0]), request=request)
    return _summary(request, patient, _language(search))


def _csrf_refusal(request):
    """Return the refusal of a session's POST without a valid CSRF token (a bearer token needs none)."""
    return CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})


@csrf_exempt  # checked below for sessions; a bearer token is not sent by browsers on their own
def patient_ips_import(request, resource_id):
    """Import an IPS document Bundle (the request body) into a patient's record; OperationOutcome either way."""
    if request.method != "POST":
        response = operation_outcome(code="not-supported", status=405, diagnostics=_("Send the Bundle with POST."))
        response["Allow"] = "POST"
        return response
    try:
        caller = fhir_caller(request)
    except FhirAuthError as exc:
        return operation_outcome(code=exc.code, diagnostics=exc.message, status=exc.status)
    if caller.is_system:
        token = getattr(request, "api_token", None)
        if not IMPORT_SCOPES & set(getattr(token, "scopes", None) or []):
            return operation_outcome(code="forbidden", status=403,
                                     diagnostics=_("This token does not carry the scope this operation needs."))
    else:
        refusal = _csrf_refusal(request)
        if refusal is not None:
            return operation_outcome(code="forbidden", status=403,
                                     diagnostics=_("The form expired; reload the page and send it again."))
    try:
        patient, via = ips_import_patient_get(caller=caller, public_id=resource_id, request=request)
    except NotFound:
        return operation_outcome(code="not-found", status=404, diagnostics=_("Resource not found."))
    try:
        # Read the stream, one byte past the limit, rather than request.body: Django's 2 MB cap on bodies would
        # refuse a summary the import allows (5 MB) with a bare 400, and a larger one without saying why.
        raw = request.read(MAX_BYTES + 1)
        record, created = ips_import(patient=patient, raw=raw, imported_by=caller.user,
                                     organisation=caller.organisation, via=via, request=request)
    except IpsRejected as exc:
        return fhir_response(operation_outcome_body(exc.issues), status=exc.status)
    message = (_("The summary was imported: %(count)s entries added.") if created else
               _("This summary was already imported; nothing was added.")) % {
        "count": sum(value for key, value in record.counts.items() if key != "skipped")}
    body = {"resourceType": "OperationOutcome", "issue": [{
        "severity": "information", "code": "informational", "diagnostics": message,
        "details": {"text": message, "coding": [{"system": "urn:carebridge:ips-import", "code": str(record.public_id)}]},
    }]}
    return fhir_response(body, status=201 if created else 200)
