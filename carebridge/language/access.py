"""Who may see and change language services: a hospital's coordinators its pool and queue, interpreters their own.

Everyone else gets NotFound (404), whether the thing is missing or forbidden, and the refusal is audited.
"""

import uuid

from carebridge.accounts.access import deny
from carebridge.accounts.models import Role
from carebridge.accounts.selectors import organisations_with_role
from carebridge.language.models import Interpreter, InterpreterAssignment, NavigatorAssignment

MANAGING_ROLES = (Role.COORDINATOR,)
POOL_READERS = (Role.COORDINATOR, Role.MANAGER)


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _hospital(user, roles, hospital_id, request, object_type):
    hospitals = organisations_with_role(user, *roles) if getattr(user, "is_authenticated", False) else []
    if hospital_id:
        chosen = next((h for h in hospitals if str(h.public_id) == str(hospital_id)), None)
    else:
        chosen = hospitals[0] if hospitals else None
    if chosen is None:
        deny(user=user, request=request, object_type=object_type, object_id=hospital_id or "", reason="not_at_hospital")
    return chosen


def coordinator_hospital(*, user, hospital_id=None, request=None):
    """Return the hospital whose interpreters and queue the user coordinates (the given one, or their first)."""
    return _hospital(user, MANAGING_ROLES, hospital_id, request, "interpreter_queue")


def pool_hospital(*, user, hospital_id=None, request=None):
    """Return the hospital whose pool the user may see (coordinators and managers)."""
    return _hospital(user, POOL_READERS, hospital_id, request, "interpreter_pool")


def is_interpreter(user):
    return getattr(user, "is_authenticated", False) and Interpreter.objects.filter(user=user).exists()


def assignment_get_for_coordinator(*, user, public_id, request=None):
    """Return an assignment of a hospital the user coordinates; NotFound otherwise."""
    hospitals = organisations_with_role(user, *MANAGING_ROLES) if getattr(user, "is_authenticated", False) else []
    found = _uuid(public_id) and InterpreterAssignment.objects.select_related(
        "appointment__patient", "appointment__service", "hospital", "interpreter__user").filter(
        public_id=public_id, hospital__in=hospitals).first()
    if not found:
        deny(user=user, request=request, object_type="interpreter_assignment", object_id=public_id,
             reason="not_coordinator")
    return found


def assignment_get_for_interpreter(*, user, public_id, request=None):
    """Return an assignment or offer made to the user as an interpreter; NotFound otherwise."""
    found = getattr(user, "is_authenticated", False) and _uuid(public_id) and InterpreterAssignment.objects.select_related(
        "appointment__patient", "appointment__service", "hospital", "interpreter__user").filter(
        public_id=public_id, interpreter__user=user).first()
    if not found:
        deny(user=user, request=request, object_type="interpreter_assignment", object_id=public_id,
             reason="not_interpreter")
    return found


def assignment_get_for_user(*, user, public_id, request=None):
    """Return an assignment the user coordinates or interprets, with `relation` set; NotFound otherwise."""
    hospitals = organisations_with_role(user, *MANAGING_ROLES) if getattr(user, "is_authenticated", False) else []
    found = _uuid(public_id) and InterpreterAssignment.objects.select_related(
        "appointment__patient", "appointment__service", "hospital", "interpreter__user").filter(
        public_id=public_id).first()
    if found and found.hospital in hospitals:
        found.relation = "coordinator"
        return found
    if found and found.interpreter_id and found.interpreter.user_id == getattr(user, "pk", None):
        found.relation = "interpreter"
        return found
    deny(user=user, request=request, object_type="interpreter_assignment", object_id=public_id, reason="not_related")


def interpreter_get_for_coordinator(*, user, public_id, hospital, request=None):
    """Return an interpreter of the hospital's pool; NotFound otherwise."""
    found = _uuid(public_id) and Interpreter.objects.select_related("user").filter(
        public_id=public_id, hospital=hospital).first()
    if not found:
        deny(user=user, request=request, object_type="interpreter", object_id=public_id, reason="not_in_pool")
    return found


def navigator_get_for_coordinator(*, user, public_id, request=None):
    """Return a navigator assignment of a hospital the user coordinates; NotFound otherwise."""
    hospitals = organisations_with_role(user, *MANAGING_ROLES) if getattr(user, "is_authenticated", False) else []
    found = _uuid(public_id) and NavigatorAssignment.objects.select_related("patient", "hospital").filter(
        public_id=public_id, hospital__in=hospitals).first()
    if not found:
        deny(user=user, request=request, object_type="navigator_assignment", object_id=public_id,
             reason="not_coordinator")
    return found
