"""Who may see and change a patient's record; every look is audited, every refusal too."""

from django.db.models import OuterRef, Q, Subquery

from carebridge.accounts.access import deny
from carebridge.accounts.models import OrganisationKind, Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.core.ids import is_uuid
from carebridge.patients.models import DuplicateCandidate, Guardianship, MedicalRecordNumber, Patient
from carebridge.patients.selectors import patients_at, portal_patients

# Staff roles that see the records of their own hospital's patients.
RECORD_READERS = (Role.COORDINATOR, Role.CLINICIAN, Role.CASHIER)
RECORD_MANAGERS = (Role.COORDINATOR,)


def desk_hospitals(user):
    """Return the hospitals where a user works the registration desk."""
    return organisations_with_role(user, *RECORD_MANAGERS)


def _portal_relation(user, patient, *, manage):
    if patient.account_id == user.pk:
        return "self"
    guardianships = Guardianship.objects.filter(guardian=user, patient=patient, ended_at__isnull=True)
    if manage:
        guardianships = guardianships.filter(can_manage=True)
    return "guardian" if guardianships.exists() else None


def patient_get_for_user(*, user, public_id, request=None, purpose="care", manage=False):
    """Return a patient record the user may see (or change, with manage=True), auditing the access.

    A patient sees their own record, a guardian their wards', staff their hospital's; everyone else gets
    NotFound, whether the record is missing or forbidden.
    """
    if not getattr(user, "is_authenticated", False):
        deny(user=user, request=request, object_type="patient", object_id=public_id, reason="anonymous")
    # Staff first: a coordinator's own memberships are cached, and the hospital where the patient is registered
    # comes back with the patient in one statement, so a desk look costs no further query.
    hospitals = organisations_with_role(user, *(RECORD_MANAGERS if manage else RECORD_READERS))
    patient = None
    if is_uuid(public_id):
        found = Patient.objects.filter(public_id=public_id, merged_into__isnull=True)
        if hospitals:
            found = found.annotate(registered_at=Subquery(
                MedicalRecordNumber.objects.filter(patient=OuterRef("pk"), hospital__in=[h.pk for h in hospitals])
                .order_by("hospital_id").values("hospital_id")[:1]))
        patient = next(iter(found[:1]), None)
    relation = hospital = None
    if patient is not None:
        registered_at = getattr(patient, "registered_at", None)
        hospital = next((h for h in hospitals if h.pk == registered_at), None)
        if hospital is None:
            relation = _portal_relation(user, patient, manage=manage)
    if patient is None or (relation is None and hospital is None):
        deny(user=user, request=request, object_type="patient", object_id=public_id, reason="not_in_care")
    audit_record(action="patient.read" if not manage else "patient.open_for_change", actor=user, request=request,
                 organisation=hospital, object_type="patient", object_id=patient.public_id,
                 patient_public_id=patient.public_id, purpose=purpose, details={"as": relation or "staff"})
    return patient


def duplicate_get_for_user(*, user, public_id, request=None):
    """Return a duplicate pair that a coordinator of a hospital where both are registered may resolve."""
    candidate = DuplicateCandidate.objects.select_related("patient", "other").filter(public_id=public_id).first()
    hospitals = desk_hospitals(user)
    if candidate is not None:
        registered = MedicalRecordNumber.objects.filter(hospital__in=hospitals)
        if (registered.filter(patient=candidate.patient).exists()
                and registered.filter(patient=candidate.other).exists()):
            return candidate
    deny(user=user, request=request, object_type="duplicate", object_id=public_id, reason="not_at_desk")


def patients_visible_to_organisation(organisation):
    """Return the records an organisation's system may read: a hospital's own patients, nobody else's."""
    if organisation is None or organisation.kind != OrganisationKind.HOSPITAL:
        return Patient.objects.none()
    return patients_at(organisation)


def patients_visible_to_user(user):
    """Return the records a signed-in user may read: own, wards', and their hospitals' (staff roles)."""
    hospitals = organisations_with_role(user, *RECORD_READERS)
    staff = MedicalRecordNumber.objects.filter(hospital__in=hospitals).values("patient_id")
    own = portal_patients(user).values("pk")
    return Patient.objects.filter(Q(pk__in=staff) | Q(pk__in=own), merged_into__isnull=True)


def patient_get_for_organisation(*, organisation, public_id, request=None, purpose="system"):
    """Return a record an organisation's system may read, auditing it; NotFound otherwise."""
    patient = patients_visible_to_organisation(organisation).filter(public_id=public_id).first() if is_uuid(
        public_id) else None
    if patient is None:
        deny(user=None, request=request, object_type="patient", object_id=public_id, reason="not_in_organisation")
    audit_record(action="patient.read", request=request, organisation=organisation, object_type="patient",
                 object_id=patient.public_id, patient_public_id=patient.public_id, purpose=purpose,
                 details={"as": "system"})
    return patient
