"""Who works pathways: clinicians and coordinators of the patient's hospital; everyone else gets NotFound."""

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.clinical.pathways.models import PathwayInstance, PathwayStep
from carebridge.core.ids import is_uuid
from carebridge.patients.models import MedicalRecordNumber, Patient

PATHWAY_ROLES = (Role.CLINICIAN, Role.COORDINATOR)


def pathway_hospitals(user):
    """Return the hospitals where a user works pathways (as clinician or coordinator), without repeats."""
    seen = {}
    for hospital in organisations_with_role(user, *PATHWAY_ROLES):
        seen.setdefault(hospital.pk, hospital)
    return list(seen.values())


def pathway_patient_get(*, user, public_id, request=None):
    """Return (patient, hospital) for a patient registered at one of the user's pathway hospitals; NotFound otherwise."""
    hospitals = pathway_hospitals(user) if getattr(user, "is_authenticated", False) else []
    patient = Patient.objects.filter(public_id=public_id, merged_into__isnull=True).first() if is_uuid(
        public_id) else None
    hospital = None
    if patient is not None and hospitals:
        registered = set(MedicalRecordNumber.objects.filter(patient=patient, hospital__in=hospitals)
                         .values_list("hospital_id", flat=True))
        hospital = next((h for h in hospitals if h.pk in registered), None)
    if hospital is None:
        deny(user=user, request=request, object_type="patient", object_id=public_id, reason="not_in_care")
    audit_record(action="patient.read", actor=user, request=request, organisation=hospital, object_type="patient",
                 object_id=patient.public_id, patient_public_id=patient.public_id, purpose="care",
                 details={"as": "pathway"})
    return patient, hospital


def pathway_get_for_user(*, user, public_id, request=None):
    """Return a pathway of one of the user's hospitals, auditing the read; NotFound otherwise."""
    instance = None
    if is_uuid(public_id) and getattr(user, "is_authenticated", False):
        instance = PathwayInstance.objects.select_related("patient", "hospital", "started_by").filter(
            public_id=public_id).first()
    if instance is None or instance.hospital not in pathway_hospitals(user):
        deny(user=user, request=request, object_type="pathway", object_id=public_id, reason="not_in_care")
    audit_record(action="pathway.read", actor=user, request=request, organisation=instance.hospital,
                 object_type="pathway", object_id=instance.public_id, patient_public_id=instance.patient.public_id,
                 purpose="care")
    return instance


def step_get_for_user(*, user, public_id, request=None):
    """Return a step of a pathway of one of the user's hospitals; NotFound otherwise."""
    step = None
    if is_uuid(public_id) and getattr(user, "is_authenticated", False):
        step = PathwayStep.objects.select_related("instance__patient", "instance__hospital").filter(
            public_id=public_id).first()
    if step is None or step.instance.hospital not in pathway_hospitals(user):
        deny(user=user, request=request, object_type="pathway_step", object_id=public_id, reason="not_in_care")
    return step
