"""FHIR R4 endpoints at /fhir/r4."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carebridge.interop.capability import capability_statement
from carebridge.interop.fhir import fhir_response, operation_outcome


@require_GET
def metadata(request):
    """Serve the CapabilityStatement."""
    base_url = request.build_absolute_uri("/fhir/r4").rstrip("/")
    return fhir_response(capability_statement(base_url=base_url))


def not_supported(request, path):
    """Answer an interaction this server does not support with an OperationOutcome."""
    return operation_outcome(
        code="not-supported",
        diagnostics=_("This FHIR interaction is not supported by this server: %(path)s") % {"path": path},
        status=404,
    )
