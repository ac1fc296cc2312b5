"""Who sees clinical data: clinicians of the patient's hospital, and the patient's own people (released reports only)."""

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.clinical.models import DiagnosticReport, Encounter, TextTranslation
from carebridge.core.ids import is_uuid
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.models import MedicalRecordNumber, Patient
from carebridge.patients.selectors import portal_patients

CLINICAL_ROLES = (Role.CLINICIAN,)


def clinical_hospitals(user):
    """Return the hospitals where a user works as a clinician (doctors, nurses, technicians)."""
    return organisations_with_role(user, *CLINICAL_ROLES)


def _clinician_sees(user, patient):
    hospitals = clinical_hospitals(user)
    return bool(hospitals) and MedicalRecordNumber.objects.filter(patient=patient, hospital__in=hospitals).exists()


def clinical_patient_get(*, user, public_id, request=None, purpose="care"):
    """Return a patient whose clinical record the user may open (a clinician's hospital's patient, or one's own)."""
    candidate = Patient.objects.filter(public_id=public_id, merged_into__isnull=True).first() if is_uuid(
        public_id) else None
    # Decide first, so a refused look writes only the refusal, never a "read" row.
    if candidate is None or not (_clinician_sees(user, candidate)
                                 or portal_patients(user).filter(pk=candidate.pk).exists()):
        deny(user=user, request=request, object_type="patient", object_id=public_id, reason="not_clinical")
    return patient_get_for_user(user=user, public_id=public_id, request=request, purpose=purpose)


def report_get_for_user(*, user, public_id, request=None, manage=False, purpose="care"):
    """Return a report the user may read (clinicians: their hospital's; patients and guardians: released ones only).

    With manage=True only clinicians of the report's hospital pass. Every read is audited.
    """
    report = None
    if is_uuid(public_id):
        report = DiagnosticReport.objects.select_related("patient", "hospital", "order__service", "encounter").filter(
            public_id=public_id).first()
    relation = None
    if report is not None:
        if report.hospital in clinical_hospitals(user):
            relation = "clinician"
        elif not manage and report.is_released and portal_patients(user).filter(pk=report.patient_id).exists():
            relation = "patient"
    if relation is None:
        deny(user=user, request=request, object_type="diagnostic_report", object_id=public_id, reason="not_in_care")
    audit_record(action="report.read", actor=user, request=request, organisation=report.hospital,
                 object_type="diagnostic_report", object_id=report.public_id,
                 patient_public_id=report.patient.public_id, purpose=purpose, details={"as": relation})
    report.relation = relation
    return report


def encounter_get_for_clinician(*, user, public_id, request=None):
    """Return an encounter of the clinician's hospital; NotFound otherwise."""
    encounter = None
    if is_uuid(public_id):
        encounter = Encounter.objects.select_related("patient", "hospital").filter(public_id=public_id).first()
    if encounter is None or encounter.hospital not in clinical_hospitals(user):
        deny(user=user, request=request, object_type="encounter", object_id=public_id, reason="not_in_care")
    audit_record(action="encounter.read", actor=user, request=request, organisation=encounter.hospital,
                 object_type="encounter", object_id=encounter.public_id,
                 patient_public_id=encounter.patient.public_id, purpose="care")
    return encounter


def translation_get_for_translator(*, user, public_id, request=None):
    """Return a translation request an interpreter of the report's hospital (or a clinician there) may work on."""
    translation = None
    if is_uuid(public_id):
        translation = TextTranslation.objects.select_related("report__hospital", "report__patient").filter(
            public_id=public_id).first()
    if translation is not None:
        hospitals = organisations_with_role(user, Role.INTERPRETER, Role.CLINICIAN)
        if translation.report.hospital in hospitals:
            audit_record(action="translation.read", actor=user, request=request,
                         organisation=translation.report.hospital, object_type="text_translation",
                         object_id=translation.public_id, patient_public_id=translation.report.patient.public_id,
                         purpose="translation")
            return translation
    deny(user=user, request=request, object_type="text_translation", object_id=public_id, reason="not_translator")
