"""Who sees and moves money: cashiers and managers of the hospital; coordinators for estimates; the patient's own people.

Everything forbidden answers "not found" (the refusal is audited); every look at a bill is audited too, since an
invoice names diagnoses.
"""

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.audit.services import audit_record
from carebridge.billing.models import CostEstimate, Invoice, Payment, PaymentIntent
from carebridge.core.ids import is_uuid
from carebridge.patients.selectors import portal_patients

CASHIER_ROLES = (Role.CASHIER, Role.MANAGER)
ESTIMATE_ROLES = (Role.COORDINATOR, Role.CASHIER, Role.MANAGER)


def cashier_hospitals(user):
    """Return the hospitals where the user takes and gives back money."""
    return organisations_with_role(user, *CASHIER_ROLES) if getattr(user, "is_authenticated", False) else []


def estimate_hospitals(user):
    """Return the hospitals where the user prepares cost estimates."""
    return organisations_with_role(user, *ESTIMATE_ROLES) if getattr(user, "is_authenticated", False) else []


def _relation(user, obj, *, staff_hospitals, portal_ok=True):
    if obj.hospital in staff_hospitals:
        return "staff"
    if portal_ok and getattr(user, "is_authenticated", False) and portal_patients(user).filter(
            pk=obj.patient_id).exists():
        return "patient"
    return None


def _get(model, public_id, related):
    if not is_uuid(public_id):
        return None
    return model.objects.select_related(*related).filter(public_id=public_id).first()


def _audited(obj, *, user, request, object_type, relation):
    audit_record(action=f"{object_type}.read", actor=user, request=request, organisation=obj.hospital,
                 object_type=object_type, object_id=obj.public_id, patient_public_id=obj.patient.public_id,
                 purpose="billing", details={"as": relation})
    obj.relation = relation
    return obj


def invoice_get_for_user(*, user, public_id, request=None, manage=False):
    """Return an invoice the user may see (manage=True: change), auditing the look; drafts are staff-only."""
    invoice = _get(Invoice, public_id, ("hospital", "patient"))
    relation = None
    if invoice is not None:
        relation = _relation(user, invoice, staff_hospitals=cashier_hospitals(user),
                             portal_ok=not manage and invoice.status != Invoice.Status.DRAFT)
    if relation is None:
        deny(user=user, request=request, object_type="invoice", object_id=public_id, reason="not_billing")
    return _audited(invoice, user=user, request=request, object_type="invoice", relation=relation)


def payment_get_for_user(*, user, public_id, request=None, manage=False):
    """Return a payment the user may see (manage=True: refund), auditing the look."""
    payment = _get(Payment, public_id, ("hospital", "patient", "invoice"))
    relation = None
    if payment is not None:
        relation = _relation(user, payment, staff_hospitals=cashier_hospitals(user), portal_ok=not manage)
    if relation is None:
        deny(user=user, request=request, object_type="payment", object_id=public_id, reason="not_billing")
    return _audited(payment, user=user, request=request, object_type="payment", relation=relation)


def estimate_get_for_user(*, user, public_id, request=None, manage=False):
    """Return an estimate the user may see (manage=True: change or send); the patient sees sent ones only."""
    estimate = _get(CostEstimate, public_id, ("hospital", "patient"))
    relation = None
    if estimate is not None:
        relation = _relation(user, estimate, staff_hospitals=estimate_hospitals(user),
                             portal_ok=not manage and estimate.status != CostEstimate.Status.DRAFT)
    if relation is None:
        deny(user=user, request=request, object_type="cost_estimate", object_id=public_id, reason="not_billing")
    return _audited(estimate, user=user, request=request, object_type="cost_estimate", relation=relation)


def intent_get_for_user(*, user, public_id, request=None):
    """Return an online payment the user started or may see as staff."""
    intent = _get(PaymentIntent, public_id, ("hospital", "patient"))
    relation = None
    if intent is not None:
        relation = _relation(user, intent, staff_hospitals=cashier_hospitals(user))
    if relation is None:
        deny(user=user, request=request, object_type="payment_intent", object_id=public_id, reason="not_billing")
    return _audited(intent, user=user, request=request, object_type="payment_intent", relation=relation)
