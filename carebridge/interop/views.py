"""FHIR R4 endpoints at /fhir/r4: metadata, and read and search of the first-visit record."""

from functools import wraps

from django.db.models import Q, prefetch_related_objects
from django.http import HttpResponseNotModified
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from carebridge.audit.models import AuditEvent, Consent
from carebridge.audit.services import audit_record_many
from carebridge.core.errors import NotFound
from carebridge.interop import fhir_consent, fhir_coverage, fhir_patient, fhir_related_person
from carebridge.interop.access import (
    as_uuid,
    audit_search_results,
    caller_patient_get,
    caller_patients,
    patient_details_prefetch,
    record_number_visibility,
    refuse,
    searchable_record_numbers,
)
from carebridge.interop.auth import FhirAuthError, fhir_caller, scope_check
from carebridge.interop.capability import capability_statement
from carebridge.interop.fhir import checked, etag, fhir_response, operation_outcome
from carebridge.interop.fhir_search import (
    SearchError,
    any_of,
    base_url,
    page,
    reference_id,
    search_parse,
    searchset,
)
from carebridge.interop.search_specs import search_options
from carebridge.patients.models import Guardianship, InsurancePolicy


@require_GET
def metadata(request):
    """Serve the CapabilityStatement."""
    return fhir_response(capability_statement(base_url=base_url(request)))


def not_supported(request, path):
    """Answer an interaction this server does not support with an OperationOutcome."""
    return operation_outcome(
        code="not-supported",
        diagnostics=_("This FHIR interaction is not supported by this server: %(path)s") % {"path": path},
        status=404,
    )


def _interaction(request, kwargs):
    """Return (resource type, "read" or "search") of a request, from the route it matched."""
    route = getattr(getattr(request, "resolver_match", None), "route", "") or ""
    first = route.split("fhir/r4/", 1)[-1].split("/", 1)[0]
    resource_type = "*" if not first or first.startswith("$") else first
    return resource_type, ("read" if "resource_id" in kwargs else "search")


def _interaction_audit_entry(request, caller, resource_type, interaction, status):
    """Return the row written per FHIR interaction, naming the client (system client, patient app, API token)."""
    return dict(action="fhir.interaction", actor=caller.user, organisation=caller.organisation,
                object_type="fhir", object_id=resource_type,
                patient_public_id=caller.patient.public_id if caller.patient is not None else None,
                purpose=f"fhir-{interaction}",
                outcome=AuditEvent.Outcome.SUCCESS if status < 400 else AuditEvent.Outcome.DENIED,
                details={"client": caller.client_label, "scopes": list(caller.scopes or ()), "path": request.path,
                         "parameters": sorted(request.GET.keys()), "status": status})


def _not_modified(request, response):
    """Answer 304 when the caller already holds the version read (If-None-Match names the response's ETag)."""
    tag = response.get("ETag")
    asked = request.META.get("HTTP_IF_NONE_MATCH", "")
    if response.status_code != 200 or not tag or not asked:
        return response
    held = {value.strip() for value in asked.split(",")}
    if "*" in held or tag in held or tag.removeprefix("W/") in {value.removeprefix("W/") for value in held}:
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = tag
        return not_modified
    return response


def fhir_endpoint(view):
    """Guard a read-only FHIR view: authenticate the caller, check the scope, audit, answer failures in FHIR terms."""

    @csrf_exempt  # nothing here writes; refusing other methods below answers them in FHIR's terms
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = operation_outcome(code="not-supported", status=405,
                                         diagnostics=_("Only read and search are supported here."))
            response["Allow"] = "GET, HEAD"
            return response
        caller = response = None
        resource_type, interaction = _interaction(request, kwargs)
        # Reads audited while answering (access.audit_later) wait here and go in one insert with this
        # interaction's row; on an unexpected error they are still written before the error goes on.
        pending = request.fhir_audit = []
        try:
            try:
                caller = request.fhir_caller = fhir_caller(request)
                scope_check(caller, resource_type, interaction)
                response = _not_modified(request, view(request, *args, **kwargs))
            except FhirAuthError as exc:
                response = operation_outcome(code=exc.code, diagnostics=exc.message, status=exc.status)
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="fhir"'
                elif exc.status == 403:
                    response["WWW-Authenticate"] = 'Bearer realm="fhir", error="insufficient_scope"'
            except NotFound:
                response = operation_outcome(code="not-found", status=404, diagnostics=_("Resource not found."))
            except SearchError as exc:
                response = operation_outcome(code=exc.code, diagnostics=exc.message, status=400)
            if caller is not None and caller.token is not None:
                pending.append(_interaction_audit_entry(request, caller, resource_type, interaction,
                                                        response.status_code))
        finally:
            request.fhir_audit = None
            if pending:
                audit_record_many(pending, request=request)
        return response

    return wrapper


def read_response(resource):
    """Answer a read with the resource (a dict, checked as `fhir.checked` says, or a model) and its version as a
    weak ETag."""
    if isinstance(resource, dict):
        checked(resource)
    return fhir_response(resource, headers={"ETag": etag(resource)})


def _search_response(request, *, search, resource_type, patients, resources, total, rows=()):
    audit_search_results(request.fhir_caller, patients=patients, request=request, resource_type=resource_type,
                         parameters=search.values)
    return fhir_response(searchset(request, search=search, resources=resources, total=total,
                                   included=included(request, search, rows)))


def parse(request, resource_type, params):
    """Parse a search of a resource type with what it supports (sorts, includes, _id, _lastUpdated, handling)."""
    return search_parse(request.GET, params=params, **search_options(request, resource_type))


def included(request, search, rows, followers=None):
    """Return the resources `_include` brings in for one page of rows, each access-checked and audited.

    A patient is included only when the caller may read that patient; `followers` maps what other includes
    follow (e.g. "result") to a function of (request, rows) returning their resources.
    """
    caller = request.fhir_caller
    resources = []
    for _name, (_target, follows) in search.includes:
        if follows == "patient":
            pks = {row.patient_id for row in rows if hasattr(row, "patient_id")}
            public_ids = {row.subject_public_id for row in rows if hasattr(row, "subject_public_id")}
            if not pks and not public_ids:
                continue
            patients = list(caller_patients(caller).filter(Q(pk__in=pks) | Q(public_id__in=public_ids)))
            audit_search_results(caller, patients=patients, request=request, resource_type="Patient",
                                 parameters=["_include"])
            resources += _patient_resources(caller, patients)
        elif followers and follows in followers:
            resources += followers[follows](request, rows)
    return resources


def row_or_refuse(request, queryset, resource_id, object_type):
    """Return the row of a queryset a resource id names; refuse (404, audited) when there is none."""
    public_id = as_uuid(resource_id)
    row = queryset.filter(public_id=public_id).first() if public_id else None
    if row is None:
        refuse(request.fhir_caller, request=request, object_type=object_type, object_id=resource_id)
    return row


def _referenced_patients(request, search, *names):
    """Return the caller's patients, narrowed by every occurrence of the given reference parameters."""
    patients = caller_patients(request.fhir_caller)
    for name in names:
        for alternatives in search.each(name):
            ids = [reference_id(value, resource_type="Patient") for value in alternatives]
            patients = patients.filter(any_of(Q(public_id=public_id) for public_id in ids if public_id))
    return patients


def _patient_resources(caller, patients):
    """Return the FHIR Patients (as dicts) of patients, each with the record numbers the caller may see."""
    shows = record_number_visibility(caller)
    patient_details_prefetch(patients)
    return [fhir_patient.patient_data(patient, record_numbers=[n for n in patient.record_numbers.all() if shows(n)])
            for patient in patients]


@fhir_endpoint
def patient_read(request, resource_id):
    """Read a patient's first-visit record as a FHIR Patient."""
    patient = caller_patient_get(request.fhir_caller, public_id=resource_id, request=request, with_details=True)
    return read_response(_patient_resources(request.fhir_caller, [patient])[0])


@fhir_endpoint
def patient_search(request):
    """Search the patients the caller may see."""
    caller = request.fhir_caller
    search = parse(request, "Patient", fhir_patient.SEARCH_PARAMS)
    matches = fhir_patient.patient_filter(search, record_numbers=searchable_record_numbers(caller))
    patients, total = page(caller_patients(caller).filter(matches).order_by("family_name", "given_names", "pk"),
                           search)
    return _search_response(request, search=search, resource_type="Patient", patients=patients,
                            resources=_patient_resources(caller, patients), total=total)


@fhir_endpoint
def related_person_read(request, resource_id):
    """Read a patient's guardian as a FHIR RelatedPerson."""
    guardianship = row_or_refuse(request, Guardianship.objects.select_related("guardian", "patient"), resource_id,
                                  "related_person")
    caller_patient_get(request.fhir_caller, public_id=guardianship.patient.public_id, request=request)
    return read_response(fhir_related_person.related_person_resource(guardianship))


@fhir_endpoint
def related_person_search(request):
    """Search the guardians of the patients the caller may see."""
    search = parse(request, "RelatedPerson", fhir_related_person.SEARCH_PARAMS)
    rows = Guardianship.objects.filter(patient__in=_referenced_patients(request, search, "patient"))
    guardianships, total = page(rows.select_related("guardian", "patient").order_by("created_at", "pk"), search)
    return _search_response(
        request, search=search, resource_type="RelatedPerson", total=total, rows=guardianships,
        patients=list({g.patient_id: g.patient for g in guardianships}.values()),
        resources=[fhir_related_person.related_person_resource(g) for g in guardianships],
    )


def _consent_resources(consents, patients):
    by_id = {patient.public_id: patient for patient in patients}
    prefetch_related_objects(patients, "guardianships")
    guardianships = {p.public_id: {g.guardian_id: g for g in p.guardianships.all()} for p in patients}
    return [fhir_consent.consent_resource(consent, patient=by_id[consent.subject_public_id],
                                          guardianships=guardianships[consent.subject_public_id])
            for consent in consents]


@fhir_endpoint
def consent_read(request, resource_id):
    """Read a consent given for a patient as a FHIR Consent."""
    consent = row_or_refuse(request, Consent.objects.all(), resource_id, "consent")
    patient = caller_patient_get(request.fhir_caller, public_id=consent.subject_public_id, request=request)
    return read_response(_consent_resources([consent], [patient])[0])


@fhir_endpoint
def consent_search(request):
    """Search the consents of the patients the caller may see."""
    search = parse(request, "Consent", fhir_consent.SEARCH_PARAMS)
    patients = _referenced_patients(request, search, "patient")
    rows = Consent.objects.filter(subject_public_id__in=patients.values("public_id")).order_by("-given_at", "pk")
    consents, total = page(rows, search)
    patients = list(patients.filter(public_id__in={consent.subject_public_id for consent in consents}))
    return _search_response(request, search=search, resource_type="Consent", patients=patients,
                            resources=_consent_resources(consents, patients), total=total, rows=consents)


@fhir_endpoint
def coverage_read(request, resource_id):
    """Read an insurance policy of a patient as a FHIR Coverage."""
    policy = row_or_refuse(request, InsurancePolicy.objects.select_related("payer", "patient"), resource_id,
                            "insurance_policy")
    caller_patient_get(request.fhir_caller, public_id=policy.patient.public_id, request=request)
    return read_response(fhir_coverage.coverage_resource(policy))


@fhir_endpoint
def coverage_search(request):
    """Search the insurance policies of the patients the caller may see."""
    search = parse(request, "Coverage", fhir_coverage.SEARCH_PARAMS)
    rows = InsurancePolicy.objects.filter(patient__in=_referenced_patients(request, search, "patient", "beneficiary"))
    policies, total = page(rows.select_related("payer", "patient").order_by("created_at", "pk"), search)
    return _search_response(
        request, search=search, resource_type="Coverage", total=total, rows=policies,
        patients=list({policy.patient_id: policy.patient for policy in policies}.values()),
        resources=[fhir_coverage.coverage_resource(policy) for policy in policies],
    )
