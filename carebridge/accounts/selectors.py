"""Reads about users, organisations and their roles."""

from carebridge.accounts.models import STAFF_ROLES, Membership, Organisation


def memberships_of(user):
    """Return a user's active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_carebridge_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True).select_related("organisation").order_by("created_at")
        )
        user._carebridge_memberships = cached
    return cached


def roles_of(user, *, organisation=None):
    """Return the set of roles a user holds (in one organisation when given)."""
    return {
        m.role for m in memberships_of(user) if organisation is None or m.organisation_id == organisation.pk
    }


def is_staff_user(user):
    """Tell whether a user works for an organisation (and so must use a second factor)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or user.is_superuser or any(m.role in STAFF_ROLES for m in memberships_of(user))


def organisations_with_role(user, *roles):
    """Return the organisations in which a user holds any of the roles."""
    return [m.organisation for m in memberships_of(user) if m.role in roles]


def organisation_list(*, kind=None):
    """Return organisations, optionally of one kind."""
    qs = Organisation.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")
