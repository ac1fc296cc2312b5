"""FHIR R4 endpoints of the directory: hospitals and insurers, hospitals as places, services, clinicians.

Directory data is not about patients: any authenticated caller reads it (a signed-in person, or an
organisation's system with the fhir:read scope), and reads are not audited.
"""

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.catalog.models import Service
from carebridge.interop import fhir_healthcare_service, fhir_organization, fhir_practitioner
from carebridge.interop.fhir import fhir_response
from carebridge.interop.fhir_search import page, searchset
from carebridge.interop.views import fhir_endpoint, parse, read_response, row_or_refuse
from carebridge.scheduling.models import Clinician

DIRECTORY_KINDS = tuple(fhir_organization.ORGANIZATION_TYPES)
CLINICIAN_DETAILS = ("languages", "services__hospital", "departments")


def _organisations():
    return Organisation.objects.filter(kind__in=DIRECTORY_KINDS)


def _hospitals():
    return Organisation.objects.filter(kind=OrganisationKind.HOSPITAL)


def _services():
    return Service.objects.select_related("hospital", "department")


def _clinicians():
    return Clinician.objects.select_related("hospital").prefetch_related(*CLINICIAN_DETAILS)


def _search_response(request, *, search, rows, total, to_resource):
    return fhir_response(searchset(request, search=search, resources=[to_resource(row) for row in rows], total=total))


@fhir_endpoint
def organization_read(request, resource_id):
    """Read a hospital or an insurer as a FHIR Organization."""
    organisation = row_or_refuse(request, _organisations(), resource_id, "organisation")
    return read_response(fhir_organization.organization_resource(organisation))


@fhir_endpoint
def organization_search(request):
    """Search the hospitals and insurers of the directory."""
    search = parse(request, "Organization", fhir_organization.ORGANIZATION_SEARCH_PARAMS)
    matches = fhir_organization.name_filter(search) & fhir_organization.organization_type_filter(search)
    rows, total = page(_organisations().filter(matches).order_by("name", "pk"), search)
    return _search_response(request, search=search, rows=rows, total=total,
                            to_resource=fhir_organization.organization_resource)


@fhir_endpoint
def location_read(request, resource_id):
    """Read a hospital as a FHIR Location."""
    hospital = row_or_refuse(request, _hospitals(), resource_id, "location")
    return read_response(fhir_organization.location_resource(hospital))


@fhir_endpoint
def location_search(request):
    """Search the hospitals as places."""
    search = parse(request, "Location", fhir_organization.LOCATION_SEARCH_PARAMS)
    rows, total = page(_hospitals().filter(fhir_organization.location_filter(search)).order_by("name", "pk"), search)
    return _search_response(request, search=search, rows=rows, total=total,
                            to_resource=fhir_organization.location_resource)


@fhir_endpoint
def healthcare_service_read(request, resource_id):
    """Read a catalog service as a FHIR HealthcareService, named in the caller's language."""
    service = row_or_refuse(request, _services(), resource_id, "service")
    return read_response(fhir_healthcare_service.healthcare_service_resource(service))


@fhir_endpoint
def healthcare_service_search(request):
    """Search the services of the hospitals' catalogs."""
    search = parse(request, "HealthcareService", fhir_healthcare_service.SEARCH_PARAMS)
    rows = _services().filter(fhir_healthcare_service.service_filter(search))
    services, total = page(rows.order_by("hospital__name", "kind", "name", "pk"), search)
    return _search_response(request, search=search, rows=services, total=total,
                            to_resource=fhir_healthcare_service.healthcare_service_resource)


@fhir_endpoint
def practitioner_read(request, resource_id):
    """Read a clinician as a FHIR Practitioner, with the languages they consult in."""
    clinician = row_or_refuse(request, _clinicians(), resource_id, "clinician")
    return read_response(fhir_practitioner.practitioner_resource(clinician))


@fhir_endpoint
def practitioner_search(request):
    """Search the clinicians, by name or by a language they consult in."""
    search = parse(request, "Practitioner", fhir_practitioner.PRACTITIONER_SEARCH_PARAMS)
    rows, total = page(_clinicians().filter(fhir_practitioner.practitioner_filter(search)).order_by("name", "pk"),
                       search)
    return _search_response(request, search=search, rows=rows, total=total,
                            to_resource=fhir_practitioner.practitioner_resource)


@fhir_endpoint
def practitioner_role_read(request, resource_id):
    """Read a clinician's post at a hospital as a FHIR PractitionerRole."""
    clinician = row_or_refuse(request, _clinicians(), resource_id, "clinician")
    return read_response(fhir_practitioner.practitioner_role_resource(clinician))


@fhir_endpoint
def practitioner_role_search(request):
    """Search the clinicians' posts, by clinician, hospital or service offered."""
    search = parse(request, "PractitionerRole", fhir_practitioner.PRACTITIONER_ROLE_SEARCH_PARAMS)
    rows = _clinicians().filter(fhir_practitioner.practitioner_role_filter(search))
    clinicians, total = page(rows.order_by("name", "pk"), search)
    return _search_response(request, search=search, rows=clinicians, total=total,
                            to_resource=fhir_practitioner.practitioner_role_resource)
