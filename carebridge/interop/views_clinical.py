"""FHIR R4 endpoints of the clinical record: read and search, each resource given out audited.

Who reads what is decided in access_clinical: the patient's own people (released reports only), the clinicians
of the hospital, the hospital's system; everyone else gets 404 and empty bundles.
"""

from django.db.models import CharField, Value, prefetch_related_objects
from django.db.models.functions import Coalesce

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.interop import access_clinical as kinds
from carebridge.interop import fhir_clinical, fhir_document_reference, fhir_record
from carebridge.interop.access_clinical import (
    audit_clinical_reads,
    caller_clinical_get,
    clinical_scope,
    visible_rows,
)
from carebridge.interop.fhir import fhir_response
from carebridge.interop.fhir_search import datetime_filter, page, searchset
from carebridge.interop.views import fhir_endpoint, included, parse, read_response


def _search(request, kind, *, params, matches, order_by, to_resources, rows=None):
    """Run a search of one kind: parse strictly, narrow to what the caller may read, page, audit each result."""
    caller = request.fhir_caller
    search = parse(request, kind.resource_type, params)
    scope = clinical_scope(caller)
    queryset = rows(visible_rows(caller, kind, scope)) if rows else visible_rows(caller, kind, scope)
    found, total = page(queryset.filter(matches(search)).order_by(*order_by, "pk"), search)
    audit_clinical_reads(caller, kind, rows=found, request=request, parameters=search.values, scope=scope)
    return fhir_response(searchset(request, search=search, resources=to_resources(found), total=total,
                                   included=included(request, search, found, followers={"result": _report_results})))


def _report_results(request, reports):
    """Return the results of reports (DiagnosticReport:result) the caller may read, each audited."""
    caller = request.fhir_caller
    scope = clinical_scope(caller)
    observations = list(visible_rows(caller, kinds.OBSERVATION, scope).filter(report__in=reports).order_by("pk"))
    audit_clinical_reads(caller, kinds.OBSERVATION, rows=observations, request=request, parameters=["_include"],
                         scope=scope)
    return [fhir_clinical.observation_resource(observation) for observation in observations]


def _read(request, kind, resource_id, to_resources):
    row = caller_clinical_get(request.fhir_caller, kind, public_id=resource_id, request=request)
    return read_response(to_resources([row])[0])


def _each(mapper):
    return lambda rows: [mapper(row) for row in rows]


# Encounter

@fhir_endpoint
def encounter_read(request, resource_id):
    """Read a visit or a stay as a FHIR Encounter."""
    return _read(request, kinds.ENCOUNTER, resource_id, _each(fhir_clinical.encounter_resource))


@fhir_endpoint
def encounter_search(request):
    """Search the visits and stays the caller may read."""
    return _search(request, kinds.ENCOUNTER, params=fhir_clinical.ENCOUNTER_SEARCH_PARAMS,
                   matches=fhir_clinical.patient_filter, order_by=("-started_at",),
                   to_resources=_each(fhir_clinical.encounter_resource))


# ServiceRequest

@fhir_endpoint
def service_request_read(request, resource_id):
    """Read an order (imaging, a lab panel, a procedure) as a FHIR ServiceRequest."""
    return _read(request, kinds.SERVICE_REQUEST, resource_id, _each(fhir_clinical.service_request_resource))


@fhir_endpoint
def service_request_search(request):
    """Search the orders the caller may read."""
    return _search(request, kinds.SERVICE_REQUEST, params=fhir_clinical.SERVICE_REQUEST_SEARCH_PARAMS,
                   matches=fhir_clinical.patient_filter, order_by=("-ordered_at",),
                   to_resources=_each(fhir_clinical.service_request_resource))


# DiagnosticReport

def _report_resources(reports):
    prefetch_related_objects(reports, "observations", "attachments")
    return [fhir_clinical.diagnostic_report_resource(report, observations=list(report.observations.all()),
                                                     attachments=list(report.attachments.all()))
            for report in reports]


@fhir_endpoint
def diagnostic_report_read(request, resource_id):
    """Read a report with its results as a FHIR DiagnosticReport (the patient's side: released reports only)."""
    return _read(request, kinds.DIAGNOSTIC_REPORT, resource_id, _report_resources)


@fhir_endpoint
def diagnostic_report_search(request):
    """Search the reports the caller may read."""
    return _search(request, kinds.DIAGNOSTIC_REPORT, params=fhir_clinical.DIAGNOSTIC_REPORT_SEARCH_PARAMS,
                   matches=fhir_clinical.diagnostic_report_filter, order_by=("-created_at",),
                   to_resources=_report_resources)


# Observation

def _with_zone(observations):
    """Annotate each result with the time zone of its hospital (UTC when it has none), for date searches."""
    return observations.annotate(zone=Coalesce("report__hospital__time_zone", "encounter__hospital__time_zone",
                                               Value("UTC"), output_field=CharField()))


def _observation_date_filter(value):
    zones = list(Organisation.objects.filter(kind=OrganisationKind.HOSPITAL).values_list("time_zone", flat=True))
    return datetime_filter("effective_at", value, zone_field="zone", zones=[*zones, "UTC"])


@fhir_endpoint
def observation_read(request, resource_id):
    """Read a result or a vital sign as a FHIR Observation (the patient's side: of released reports only)."""
    return _read(request, kinds.OBSERVATION, resource_id, _each(fhir_clinical.observation_resource))


@fhir_endpoint
def observation_search(request):
    """Search the results and vital signs the caller may read, by category, code and date."""
    return _search(request, kinds.OBSERVATION, params=fhir_clinical.OBSERVATION_SEARCH_PARAMS, rows=_with_zone,
                   matches=lambda search: fhir_clinical.observation_filter(search,
                                                                           date_filter=_observation_date_filter),
                   order_by=("-effective_at",), to_resources=_each(fhir_clinical.observation_resource))


# Condition, AllergyIntolerance, MedicationRequest, MedicationStatement, Immunization, Procedure

@fhir_endpoint
def condition_read(request, resource_id):
    """Read a diagnosis as a FHIR Condition."""
    return _read(request, kinds.CONDITION, resource_id, _each(fhir_record.condition_resource))


@fhir_endpoint
def condition_search(request):
    """Search the diagnoses the caller may read, by clinical status and code."""
    return _search(request, kinds.CONDITION, params=fhir_record.CONDITION_SEARCH_PARAMS,
                   matches=fhir_record.condition_filter, order_by=("-created_at",),
                   to_resources=_each(fhir_record.condition_resource))


@fhir_endpoint
def allergy_intolerance_read(request, resource_id):
    """Read an allergy or intolerance as a FHIR AllergyIntolerance."""
    return _read(request, kinds.ALLERGY, resource_id, _each(fhir_record.allergy_intolerance_resource))


@fhir_endpoint
def allergy_intolerance_search(request):
    """Search the allergies the caller may read."""
    return _search(request, kinds.ALLERGY, params=fhir_record.ALLERGY_SEARCH_PARAMS,
                   matches=fhir_clinical.patient_filter, order_by=("-created_at",),
                   to_resources=_each(fhir_record.allergy_intolerance_resource))


@fhir_endpoint
def medication_request_read(request, resource_id):
    """Read a prescription as a FHIR MedicationRequest."""
    return _read(request, kinds.MEDICATION_REQUEST, resource_id, _each(fhir_record.medication_request_resource))


@fhir_endpoint
def medication_request_search(request):
    """Search the prescriptions the caller may read, by status."""
    return _search(request, kinds.MEDICATION_REQUEST, params=fhir_record.MEDICATION_REQUEST_SEARCH_PARAMS,
                   matches=fhir_record.medication_request_filter, order_by=("-authored_at",),
                   to_resources=_each(fhir_record.medication_request_resource))


@fhir_endpoint
def medication_statement_read(request, resource_id):
    """Read a medicine the patient takes or took as a FHIR MedicationStatement."""
    return _read(request, kinds.MEDICATION_STATEMENT, resource_id, _each(fhir_record.medication_statement_resource))


@fhir_endpoint
def medication_statement_search(request):
    """Search the medicines the patient takes or took."""
    return _search(request, kinds.MEDICATION_STATEMENT, params=fhir_record.MEDICATION_STATEMENT_SEARCH_PARAMS,
                   matches=fhir_clinical.patient_filter, order_by=("-created_at",),
                   to_resources=_each(fhir_record.medication_statement_resource))


@fhir_endpoint
def immunization_read(request, resource_id):
    """Read a vaccine dose as a FHIR Immunization."""
    return _read(request, kinds.IMMUNIZATION, resource_id, _each(fhir_record.immunization_resource))


@fhir_endpoint
def immunization_search(request):
    """Search the vaccine doses the caller may read, by date."""
    return _search(request, kinds.IMMUNIZATION, params=fhir_record.IMMUNIZATION_SEARCH_PARAMS,
                   matches=fhir_record.immunization_filter, order_by=("-occurred_on",),
                   to_resources=_each(fhir_record.immunization_resource))


@fhir_endpoint
def procedure_read(request, resource_id):
    """Read a procedure as a FHIR Procedure."""
    return _read(request, kinds.PROCEDURE, resource_id, _each(fhir_record.procedure_resource))


@fhir_endpoint
def procedure_search(request):
    """Search the procedures the caller may read."""
    return _search(request, kinds.PROCEDURE, params=fhir_record.PROCEDURE_SEARCH_PARAMS,
                   matches=fhir_clinical.patient_filter, order_by=("-performed_on",),
                   to_resources=_each(fhir_record.procedure_resource))


# DocumentReference

def _document_resources(request):
    return lambda documents: [fhir_document_reference.document_reference_resource(
        document, download_url=fhir_document_reference.document_download_url(request, document))
        for document in documents]


@fhir_endpoint
def document_reference_read(request, resource_id):
    """Read an uploaded prior record as a FHIR DocumentReference."""
    return _read(request, kinds.DOCUMENT_REFERENCE, resource_id, _document_resources(request))


@fhir_endpoint
def document_reference_search(request):
    """Search the uploaded prior records the caller may read, by type and status."""
    return _search(request, kinds.DOCUMENT_REFERENCE, params=fhir_document_reference.SEARCH_PARAMS,
                   matches=fhir_document_reference.document_reference_filter, order_by=("-created_at",),
                   to_resources=_document_resources(request))
