"""Who sees a GOP case or a claim: the hospital's coordinators, cashiers and managers; the case managers of the
insurer it is addressed to (or of the TPA that works that insurer's cases); the patient's own people, read-only.

Anyone else gets "not found", whether the case exists or not, through pages, API and FHIR alike.
"""

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.core.ids import is_uuid
from carebridge.insurance.models import Claim, GuaranteeOfPayment
from carebridge.insurance.selectors import case_organisations
from carebridge.patients.selectors import portal_patients

HOSPITAL_ROLES = (Role.COORDINATOR, Role.CASHIER, Role.MANAGER)


def insurance_hospitals(user):
    """Return the hospitals where the user works insurance cases (coordinators, cashiers, managers)."""
    return organisations_with_role(user, *HOSPITAL_ROLES) if getattr(user, "is_authenticated", False) else []


def insurer_organisations(user):
    """Return the insurers, TPAs and assistance companies the user is a case manager of."""
    if not getattr(user, "is_authenticated", False):
        return []
    return organisations_with_role(user, Role.INSURER_CASE_MANAGER)


def _relation(user, obj, *, organisation=None):
    """Return ("hospital"|"insurer"|"patient", organisation acting) or (None, None)."""
    if organisation is not None:  # a system (API token) acting for an organisation
        if organisation == obj.hospital:
            return "hospital", organisation
        if organisation in case_organisations(obj.payer):
            return "insurer", organisation
        return None, None
    if obj.hospital in insurance_hospitals(user):
        return "hospital", obj.hospital
    mine = insurer_organisations(user)
    acting = next((o for o in case_organisations(obj.payer) if o in mine), None)
    if acting is not None:
        return "insurer", acting
    if getattr(user, "is_authenticated", False) and portal_patients(user).filter(pk=obj.patient_id).exists():
        return "patient", None
    return None, None


def _get(model, public_id, user, request, object_type, *, sides, organisation=None):
    obj = None
    if is_uuid(public_id):
        obj = model.objects.select_related("hospital", "patient", "payer", "policy").filter(
            public_id=public_id).first()
    relation, acting = (None, None)
    if obj is not None:
        relation, acting = _relation(user, obj, organisation=organisation)
    if relation is None or relation not in sides:
        deny(user=user, request=request, object_type=object_type, object_id=public_id, reason="not_a_party")
    audit_record(action=f"{object_type}.read", actor=user, request=request, organisation=acting or obj.hospital,
                 object_type=object_type, object_id=obj.public_id, patient_public_id=obj.patient.public_id,
                 purpose="insurance", details={"as": relation})
    obj.relation, obj.acting = relation, acting
    return obj


def gop_get_for_user(*, user, public_id, request=None, sides=("hospital", "insurer", "patient"), organisation=None):
    """Return a GOP case the user's side may see (audited); `sides` narrows who may act (e.g. ("insurer",))."""
    return _get(GuaranteeOfPayment, public_id, user, request, "gop", sides=sides, organisation=organisation)


def claim_get_for_user(*, user, public_id, request=None, sides=("hospital", "insurer", "patient"), organisation=None):
    """Return a claim the user's side may see (audited); drafts are the hospital's only."""
    claim = _get(Claim, public_id, user, request, "claim", sides=sides, organisation=organisation)
    if claim.status == Claim.Status.DRAFT and claim.relation != "hospital":
        deny(user=user, request=request, object_type="claim", object_id=public_id, reason="draft")
    return claim
