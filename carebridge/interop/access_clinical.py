"""What a FHIR caller may read of the clinical record, and the audit of every resource it is given.

The rules are the clinical app's (carebridge.clinical.access), applied to whole querysets so that searches
and reads agree:

- the patient's own people (the patient, an active guardian) read their records, but a DiagnosticReport only
  once it is released (final or amended), and a report's Observations only with it;
- clinicians read everything of the hospitals they work at; a hospital's system (bearer token with fhir:read)
  reads what that hospital's clinicians read;
- a record tied to no hospital (an allergy, a vaccine from home, an uploaded prior record) belongs to the
  patient: it is read by the clinicians and the systems of every hospital where the patient is registered;
- anyone else (coordinators, cashiers, interpreters, insurers, agencies) reads nothing here: 404 and empty bundles.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from carebridge.accounts.models import OrganisationKind
from carebridge.audit.services import audit_record
from carebridge.clinical.access import clinical_hospitals, report_get_for_user
from carebridge.clinical.models import (
    AllergyIntolerance,
    DiagnosticReport,
    Encounter,
    Immunization,
    MedicationRequest,
    MedicationStatement,
    Observation,
    Order,
    Procedure,
)
from carebridge.clinical.models import Condition as ConditionRow
from carebridge.interop.access import as_uuid, refuse
from carebridge.interop.fhir_search import NOTHING
from carebridge.patients.models import MedicalRecordNumber, Patient, PatientDocument
from carebridge.patients.selectors import portal_patients

RELEASED = Q(status__in=DiagnosticReport.RELEASED)


@dataclass(frozen=True)
class ClinicalKind:
    """A kind of clinical row served as a FHIR resource: where its hospital is, and what the patient's side sees.

    `hospital_via` lists (relation, hospital lookup) pairs tried in order: the row's hospital is that of the first
    relation that is set ("" is the row itself, always set). When none is set the row belongs to the patient.
    """

    resource_type: str
    model: type
    object_type: str
    hospital_via: tuple = ()
    released: Q = field(default_factory=Q)
    details: tuple = ()

    def rows(self):
        """Return all rows of this kind with what their resources and audits need."""
        return self.model.objects.select_related("patient", *self.details)


ENCOUNTER = ClinicalKind("Encounter", Encounter, "encounter", (("", "hospital"),),
                         details=("hospital", "attending", "appointment"))
SERVICE_REQUEST = ClinicalKind("ServiceRequest", Order, "order", (("", "encounter__hospital"),),
                               details=("encounter__hospital", "service__hospital", "ordered_by"))
DIAGNOSTIC_REPORT = ClinicalKind("DiagnosticReport", DiagnosticReport, "diagnostic_report", (("", "hospital"),),
                                 released=RELEASED,
                                 details=("hospital", "encounter", "order__service__hospital", "performer"))
OBSERVATION = ClinicalKind("Observation", Observation, "observation",
                           (("report", "report__hospital"), ("encounter", "encounter__hospital")),
                           released=Q(report__isnull=True) | Q(report__status__in=DiagnosticReport.RELEASED),
                           details=("report__hospital", "encounter__hospital"))
CONDITION = ClinicalKind("Condition", ConditionRow, "condition", (("encounter", "encounter__hospital"),),
                         details=("encounter__hospital", "recorded_by"))
ALLERGY = ClinicalKind("AllergyIntolerance", AllergyIntolerance, "allergy_intolerance", details=("recorded_by",))
MEDICATION_REQUEST = ClinicalKind("MedicationRequest", MedicationRequest, "medication_request",
                                  (("encounter", "encounter__hospital"),),
                                  details=("encounter__hospital", "prescriber"))
MEDICATION_STATEMENT = ClinicalKind("MedicationStatement", MedicationStatement, "medication_statement")
IMMUNIZATION = ClinicalKind("Immunization", Immunization, "immunization")
PROCEDURE = ClinicalKind("Procedure", Procedure, "procedure", (("encounter", "encounter__hospital"),),
                         details=("encounter__hospital", "recorded_by"))
DOCUMENT_REFERENCE = ClinicalKind("DocumentReference", PatientDocument, "patient_document")


@dataclass(frozen=True)
class ClinicalScope:
    """The hospitals whose clinical records a caller reads as staff (or as their system), and the records held."""

    hospitals: tuple
    held: object  # a Patient queryset: the patient's own people's records, none for a system
    is_system: bool

    @property
    def hospital_ids(self):
        return {hospital.pk for hospital in self.hospitals}


def clinical_scope(caller):
    """Return what the caller reads of the clinical record."""
    if caller.is_system:
        organisation = caller.organisation
        hospitals = (organisation,) if organisation is not None and organisation.kind == OrganisationKind.HOSPITAL \
            else ()
        return ClinicalScope(hospitals=hospitals, held=Patient.objects.none(), is_system=True)
    if caller.patient is not None:
        # A patient's app: that patient's records as the patient's side sees them, never a staff view.
        return ClinicalScope(hospitals=(), held=portal_patients(caller.user).filter(pk=caller.patient.pk),
                             is_system=False)
    return ClinicalScope(hospitals=tuple(clinical_hospitals(caller.user)), held=portal_patients(caller.user),
                         is_system=False)


def _registered_at(hospitals):
    return MedicalRecordNumber.objects.filter(hospital__in=hospitals).values("patient_id")


def _staff_filter(kind, hospitals):
    if not hospitals:
        return NOTHING
    matches, unset = NOTHING, Q()
    for relation, hospital_lookup in kind.hospital_via:
        matches |= unset & Q(**{f"{hospital_lookup}__in": hospitals})
        if not relation:
            return matches
        unset &= Q(**{f"{relation}__isnull": True})
    # Nothing ties the row to a hospital: it is the patient's, read wherever the patient is registered.
    return matches | (unset & Q(patient__in=_registered_at(hospitals)))


def visible_rows(caller, kind, scope=None):
    """Return the rows of a kind the caller may read."""
    scope = scope or clinical_scope(caller)
    matches = _staff_filter(kind, scope.hospitals) | (Q(patient__in=scope.held.values("pk")) & kind.released)
    return kind.rows().filter(matches, patient__merged_into__isnull=True)


def _lookup(row, path):
    for name in path.split("__"):
        row = getattr(row, name, None)
        if row is None:
            return None
    return row


def row_hospital(kind, row):
    """Return the hospital a row belongs to, or None when it is the patient's own (tied to no hospital)."""
    for relation, hospital_lookup in kind.hospital_via:
        if not relation or _lookup(row, relation) is not None:
            return _lookup(row, hospital_lookup)
    return None


def caller_clinical_get(caller, kind, *, public_id, request):
    """Return a row the caller may read, auditing the read; NotFound (audited) whether missing or forbidden."""
    if as_uuid(public_id) is None:
        refuse(caller, request=request, object_type=kind.object_type, object_id=public_id)
    if kind is DIAGNOSTIC_REPORT and not caller.is_system and caller.patient is None:
        # The clinical app's own check (and its audit row) decides for a person.
        report = report_get_for_user(user=caller.user, public_id=public_id, request=request)
        return kind.rows().get(pk=report.pk)
    scope = clinical_scope(caller)
    row = visible_rows(caller, kind, scope).filter(public_id=public_id).first()
    if row is None:
        refuse(caller, request=request, object_type=kind.object_type, object_id=public_id)
    audit_clinical_reads(caller, kind, rows=[row], request=request, purpose="fhir-read", scope=scope)
    return row


def audit_clinical_reads(caller, kind, *, rows, request, purpose="fhir-search", parameters=None, scope=None):
    """Write one `<object>.read` row per resource given to the caller, naming the hospital it was read for."""
    scope = scope or clinical_scope(caller)
    hospital_ids = scope.hospital_ids
    by_id = {hospital.pk: hospital for hospital in scope.hospitals}
    registered = dict(MedicalRecordNumber.objects.filter(
        hospital__in=scope.hospitals, patient_id__in={row.patient_id for row in rows}).values_list(
        "patient_id", "hospital_id")) if rows and hospital_ids else {}
    for row in rows:
        hospital = row_hospital(kind, row)
        if hospital is not None and hospital.pk in hospital_ids:
            relation = "system" if caller.is_system else "clinician"
        elif hospital is None and row.patient_id in registered:
            relation = "system" if caller.is_system else "clinician"
            hospital = by_id[registered[row.patient_id]]
        else:
            relation = "patient"
        details = {"as": relation, "resource": kind.resource_type}
        if parameters is not None:
            details["parameters"] = sorted(parameters)
        audit_record(action=f"{kind.object_type}.read", actor=caller.user, request=request, organisation=hospital,
                     object_type=kind.object_type, object_id=row.public_id, patient_public_id=row.patient.public_id,
                     purpose=purpose, details=details)
