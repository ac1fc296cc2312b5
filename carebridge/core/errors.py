"""Errors with a stable code and a translated message, raised by services and access checks."""

from django.utils.translation import gettext_lazy as _


class CareBridgeError(Exception):
    """Report a failure the user can act on: a stable code, a translated message, an HTTP status."""

    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, code=None, status=None, details=None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}
        super().__init__(str(self.message))

    def as_body(self):
        """Return the uniform error body of the API."""
        return {"code": self.code, "message": str(self.message), "details": self.details}


class NotFound(CareBridgeError):
    """Say that an object does not exist, whether it is missing or forbidden to the caller."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(CareBridgeError):
    """Refuse an action the caller may see but not perform."""

    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class ValidationFailed(CareBridgeError):
    """Reject input that does not validate; details map fields to messages."""

    code = "validation_error"
    status = 400
    default_message = _("Some of the information given is not valid.")


class Conflict(CareBridgeError):
    """Reject a change that conflicts with the current state."""

    code = "conflict"
    status = 409
    default_message = _("This conflicts with a change already made.")
