"""What a bulk export writes per resource type: the rows a hospital may export, and the existing FHIR mappers.

Each type is scoped exactly as the FHIR read and search views scope a hospital's system (access.py and
access_clinical.py), then narrowed to the export's patients; the resources come from the same mappers.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import prefetch_related_objects

from carebridge.interop import access_clinical as kinds
from carebridge.interop import (
    fhir_appointment,
    fhir_clinical,
    fhir_coverage,
    fhir_document_reference,
    fhir_patient,
    fhir_record,
    fhir_related_person,
)
from carebridge.interop.access import APPOINTMENT_DETAILS, caller_appointments, record_number_visibility
from carebridge.interop.access_clinical import clinical_scope, visible_rows
from carebridge.patients.models import Guardianship, InsurancePolicy

PATIENT_DETAILS = ("documents_of_identity", "record_numbers__hospital")


@dataclass(frozen=True)
class ExportType:
    """A resource type a bulk export writes: its rows (given the caller and the export's patients) and mapper."""

    name: str
    rows: object  # (caller, patients) -> queryset
    resources: object  # (caller, rows, site) -> [fhir model]
    clinical: bool = True


class Site:
    """Stand in for a request where a mapper builds absolute URLs: the site root the export was asked at."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.root = f"{parts.scheme}://{parts.netloc}"

    def build_absolute_uri(self, path):
        return self.root + path


def _patients(caller, patients):
    return patients


def _patient_resources(caller, rows, site):
    shows = record_number_visibility(caller)
    prefetch_related_objects(rows, *PATIENT_DETAILS)
    return [fhir_patient.patient_resource(patient, record_numbers=[n for n in patient.record_numbers.all()
                                                                  if shows(n)])
            for patient in rows]


def _each(mapper):
    return lambda caller, rows, site: [mapper(row) for row in rows]


def _clinical(kind):
    return lambda caller, patients: visible_rows(caller, kind, clinical_scope(caller)).filter(patient__in=patients)


def _reports(caller, rows, site):
    prefetch_related_objects(rows, "observations", "attachments")
    return [fhir_clinical.diagnostic_report_resource(report, observations=list(report.observations.all()),
                                                     attachments=list(report.attachments.all()))
            for report in rows]


def _documents(caller, rows, site):
    return [fhir_document_reference.document_reference_resource(
        document, download_url=fhir_document_reference.document_download_url(site, document)) for document in rows]


EXPORT_TYPES = {t.name: t for t in [
    ExportType("Patient", _patients, _patient_resources, clinical=False),
    ExportType("RelatedPerson",
               lambda caller, patients: Guardianship.objects.filter(patient__in=patients)
               .select_related("guardian", "patient"),
               _each(fhir_related_person.related_person_resource), clinical=False),
    ExportType("Coverage",
               lambda caller, patients: InsurancePolicy.objects.filter(patient__in=patients)
               .select_related("payer", "patient"),
               _each(fhir_coverage.coverage_resource), clinical=False),
    ExportType("Appointment",
               lambda caller, patients: caller_appointments(caller).filter(patient__in=patients)
               .select_related(*APPOINTMENT_DETAILS),
               _each(fhir_appointment.appointment_resource), clinical=False),
    ExportType("Encounter", _clinical(kinds.ENCOUNTER), _each(fhir_clinical.encounter_resource)),
    ExportType("ServiceRequest", _clinical(kinds.SERVICE_REQUEST), _each(fhir_clinical.service_request_resource)),
    ExportType("DiagnosticReport", _clinical(kinds.DIAGNOSTIC_REPORT), _reports),
    ExportType("Observation", _clinical(kinds.OBSERVATION), _each(fhir_clinical.observation_resource)),
    ExportType("Condition", _clinical(kinds.CONDITION), _each(fhir_record.condition_resource)),
    ExportType("AllergyIntolerance", _clinical(kinds.ALLERGY), _each(fhir_record.allergy_intolerance_resource)),
    ExportType("MedicationRequest", _clinical(kinds.MEDICATION_REQUEST),
               _each(fhir_record.medication_request_resource)),
    ExportType("MedicationStatement", _clinical(kinds.MEDICATION_STATEMENT),
               _each(fhir_record.medication_statement_resource)),
    ExportType("Immunization", _clinical(kinds.IMMUNIZATION), _each(fhir_record.immunization_resource)),
    ExportType("Procedure", _clinical(kinds.PROCEDURE), _each(fhir_record.procedure_resource)),
    ExportType("DocumentReference", _clinical(kinds.DOCUMENT_REFERENCE), _documents),
]}
RECORD_TYPES = tuple(name for name, t in EXPORT_TYPES.items() if not t.clinical)
