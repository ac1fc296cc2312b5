"""Scopes an organisation's API token may carry."""

from django.utils.translation import gettext_lazy as _

SCOPES = {
    "organisations:read": _("Read the directory of organisations"),
    "audit:read": _("Read the audit log of the organisation"),
    "fhir:read": _("Read FHIR resources the organisation may see"),
}
