"""Who may see and act on a referral: staff of the two hospitals (each side its part), and the patient's people.

Everyone else, including staff of a third hospital, gets "not found", audited. The receiving hospital's
coordinators decide; the referring hospital's staff cancel; the patient or guardian gives the records consent.
"""

from django.db.models import Q

from carebridge.accounts.access import deny
from carebridge.accounts.models import OrganisationKind, Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.core.ids import is_uuid
from carebridge.interop.referrals.models import Referral
from carebridge.patients.selectors import portal_patients

STAFF_ROLES = (Role.COORDINATOR, Role.CLINICIAN)
DECIDERS = (Role.COORDINATOR,)
DETAILS = ("patient", "from_hospital", "to_hospital", "requested_by", "decided_by")


def referring_hospitals(user):
    """Return the hospitals from which a user may refer patients (coordinators and clinicians)."""
    return [h for h in organisations_with_role(user, *STAFF_ROLES) if h.kind == OrganisationKind.HOSPITAL]


def referral_relation(user, referral):
    """Return how a user stands to a referral: 'sender', 'receiver', 'patient' or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    hospitals = set(organisations_with_role(user, *STAFF_ROLES))
    if referral.to_hospital in hospitals:
        return "receiver"
    if referral.from_hospital in hospitals:
        return "sender"
    if portal_patients(user).filter(pk=referral.patient_id).exists():
        return "patient"
    return None


def referrals_visible_to_user(user):
    """Return the referrals a user may list: their hospitals' (either side) and those of records they hold."""
    hospitals = organisations_with_role(user, *STAFF_ROLES)
    return Referral.objects.filter(Q(from_hospital__in=hospitals) | Q(to_hospital__in=hospitals)
                                   | Q(patient__in=portal_patients(user))).select_related(*DETAILS)


def referrals_visible_to_organisation(organisation):
    """Return the referrals a hospital's system may read: those it sent or received."""
    if organisation is None or organisation.kind != OrganisationKind.HOSPITAL:
        return Referral.objects.none()
    return Referral.objects.filter(Q(from_hospital=organisation) | Q(to_hospital=organisation)).select_related(
        *DETAILS)


def _fetch(public_id):
    if not is_uuid(public_id):
        return None
    return Referral.objects.select_related(*DETAILS).filter(public_id=public_id).first()


def referral_get_for_user(*, user, public_id, request=None, purpose="referral", as_=None):
    """Return a referral the user may see (only in the given relations, when given), auditing the look."""
    referral = _fetch(public_id)
    relation = referral_relation(user, referral) if referral is not None else None
    if relation is None or (as_ and relation not in as_):
        deny(user=user, request=request, object_type="referral", object_id=public_id, reason="not_party")
    hospital = referral.to_hospital if relation == "receiver" else (
        referral.from_hospital if relation == "sender" else None)
    audit_record(action="referral.read", actor=user, request=request, organisation=hospital, object_type="referral",
                 object_id=referral.public_id, patient_public_id=referral.patient.public_id, purpose=purpose,
                 details={"as": relation})
    referral.relation = relation
    return referral


def referral_get_for_decision(*, user, public_id, request=None):
    """Return a referral that the user, a coordinator of the receiving hospital, may accept or decline."""
    referral = _fetch(public_id)
    if referral is None or referral.to_hospital not in organisations_with_role(user, *DECIDERS):
        deny(user=user, request=request, object_type="referral", object_id=public_id, reason="not_receiver")
    referral.relation = "receiver"
    return referral


def referral_get_for_sender(*, user, public_id, request=None):
    """Return a referral that the user, staff of the referring hospital, may cancel."""
    referral = _fetch(public_id)
    if referral is None or referral.from_hospital not in organisations_with_role(user, *STAFF_ROLES):
        deny(user=user, request=request, object_type="referral", object_id=public_id, reason="not_sender")
    referral.relation = "sender"
    return referral


def referral_get_for_patient(*, user, public_id, request=None):
    """Return a referral of a record the user holds with the right to manage it (to give the records consent)."""
    from carebridge.patients.access import patient_get_for_user

    referral = _fetch(public_id)
    if referral is None or not portal_patients(user).filter(pk=referral.patient_id).exists():
        deny(user=user, request=request, object_type="referral", object_id=public_id, reason="not_holder")
    patient_get_for_user(user=user, public_id=referral.patient.public_id, request=request, manage=True,
                         purpose="referral")
    referral.relation = "patient"
    return referral


def referral_records_get(*, user, public_id, request=None):
    """Return a referral whose attached records the user may open, auditing it.

    The receiving hospital's staff only once it is accepted and while the records consent stands; the
    referring hospital's staff and the patient's people always (the records are theirs or their hospital's).
    """
    referral = _fetch(public_id)
    relation = referral_relation(user, referral) if referral is not None else None
    if relation is None or (relation == "receiver" and not referral.records_released):
        deny(user=user, request=request, object_type="referral", object_id=public_id,
             reason="records_not_released" if relation == "receiver" else "not_party")
    audit_record(action="referral.records_read", actor=user, request=request,
                 organisation=referral.to_hospital if relation == "receiver" else None, object_type="referral",
                 object_id=referral.public_id, patient_public_id=referral.patient.public_id, purpose="referral",
                 details={"as": relation})
    referral.relation = relation
    return referral
