"""Access checks that every app builds on: fetch and check in one call; 'not found' when forbidden."""

from functools import wraps

from django.http import Http404

from carebridge.accounts.models import Role
from carebridge.accounts.selectors import is_staff_user, roles_of
from carebridge.accounts.signals import access_denied
from carebridge.core.errors import NotFound


def deny(*, user, request=None, object_type="", object_id="", reason=""):
    """Record a refused access (the audit app listens) and raise NotFound."""
    access_denied.send(
        sender=deny, user=user, request=request, object_type=object_type, object_id=str(object_id), reason=reason
    )
    raise NotFound()


def require_roles(*, user, roles, organisation=None, request=None, object_type="", object_id=""):
    """Pass when the user holds one of the roles (in the organisation when given); deny otherwise."""
    if not getattr(user, "is_authenticated", False) or not (roles_of(user, organisation=organisation) & set(roles)):
        deny(user=user, request=request, object_type=object_type, object_id=object_id, reason="role")


def require_staff(*, user, request=None):
    """Pass for a member of staff of any organisation; deny otherwise."""
    if not is_staff_user(user):
        deny(user=user, request=request, reason="staff")


def role_required(*roles):
    """Guard a view so only holders of the roles reach it; others get 404 and an audit row."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                require_roles(user=request.user, roles=roles, request=request, object_type="view",
                              object_id=request.path)
            except NotFound as exc:
                raise Http404 from exc
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def is_platform_admin(user):
    """Tell whether a user administers the platform (configuration, tokens, audit log)."""
    return user.is_authenticated and (user.is_superuser or Role.ADMIN in roles_of(user))
