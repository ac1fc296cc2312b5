"""Who may keep the exchange rates: a hospital's coordinators, cashiers, managers and administrators, or a
platform administrator. Everyone else is told 'not found'."""

from carebridge.accounts.access import deny, is_platform_admin
from carebridge.accounts.models import OrganisationKind, Role
from carebridge.accounts.selectors import memberships_of

RATE_KEEPER_ROLES = frozenset({Role.COORDINATOR, Role.CASHIER, Role.MANAGER, Role.ADMIN})


def can_keep_rates(user):
    """Tell whether a user may import or enter exchange rates."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_platform_admin(user):
        return True
    return any(m.role in RATE_KEEPER_ROLES and m.organisation.kind == OrganisationKind.HOSPITAL
               for m in memberships_of(user))


def rate_keeper_require(*, user, request=None):
    """Pass for a user who keeps exchange rates; deny (NotFound, audited) otherwise."""
    if not can_keep_rates(user):
        deny(user=user, request=request, object_type="exchange_rates", reason="role")
