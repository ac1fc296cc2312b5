"""Who may see and change an appointment: the patient's own people, the hospital's desk, the clinician."""

import uuid

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.patients.selectors import portal_patients
from carebridge.scheduling.models import Appointment

DESK_ROLES = (Role.COORDINATOR,)


def appointment_relation(user, appointment):
    """Return how a user relates to an appointment: "patient", "desk", "clinician", or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if portal_patients(user).filter(pk=appointment.patient_id).exists():
        return "patient"
    if appointment.hospital in organisations_with_role(user, *DESK_ROLES):
        return "desk"
    if appointment.clinician_id and appointment.clinician.user_id == user.pk:
        return "clinician"
    return None


def appointment_get_for_user(*, user, public_id, request=None, manage=False):
    """Return an appointment the user may see (or change), auditing the look; NotFound otherwise."""
    try:
        uuid.UUID(str(public_id))
    except ValueError:
        deny(user=user, request=request, object_type="appointment", object_id=public_id, reason="malformed_id")
    appointment = Appointment.objects.select_related("patient", "service", "hospital", "clinician", "slot").filter(
        public_id=public_id).first()
    relation = appointment_relation(user, appointment) if appointment else None
    if relation is None or (manage and relation == "clinician"):
        deny(user=user, request=request, object_type="appointment", object_id=public_id, reason="not_related")
    audit_record(action="appointment.read", actor=user, request=request, organisation=appointment.hospital,
                 object_type="appointment", object_id=appointment.public_id,
                 patient_public_id=appointment.patient.public_id, purpose="care", details={"as": relation})
    appointment.relation = relation
    return appointment
