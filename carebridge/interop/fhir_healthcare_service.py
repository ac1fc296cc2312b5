"""The HealthcareService resource: a bookable service of a hospital's catalog, named in the caller's language."""

from django.db.models import Q
from django.utils import translation

from carebridge.catalog.models import Service
from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_organization import location_reference, organization_reference
from carebridge.interop.fhir_search import SearchParam, any_of, boolean, reference_id
from carebridge.patients.models import fold

SERVICE_KIND_SYSTEM = "urn:carebridge:service-kind"
SERVICE_SYSTEM = "urn:carebridge:service:"

SEARCH_PARAMS = {
    "organization": SearchParam("reference", "The hospital (Organization/<id>) that provides the service."),
    "active": SearchParam("token", "true for services offered now, false for withdrawn ones."),
    "name": SearchParam("string", "Part of the service's name, in any language it is translated into, "
                                  "case-insensitive."),
}


def service_system(hospital):
    """Return the code system of a hospital's service codes."""
    return SERVICE_SYSTEM + hospital.slug


def service_type(service):
    """Return a catalog service as the CodeableConcept of a service type; its text is in the active language."""
    return {"coding": [{"system": service_system(service.hospital), "code": service.code, "display": service.name}],
            "text": service.translated("name")}


def service_category(service):
    """Return the kind of a catalog service as a CodeableConcept; its text is in the active language."""
    with translation.override("en"):
        display = str(service.get_kind_display())
    return {"coding": [{"system": SERVICE_KIND_SYSTEM, "code": service.kind, "display": display}],
            "text": str(service.get_kind_display())}


def healthcare_service_resource(service):
    """Map a catalog service to a validated FHIR HealthcareService."""
    data = {
        "resourceType": "HealthcareService",
        "id": str(service.public_id),
        "meta": meta(service.updated_at),
        "identifier": [{"system": service_system(service.hospital), "value": service.code}],
        "active": service.is_active,
        "providedBy": organization_reference(service.hospital),
        "category": [service_category(service)],
        "type": [service_type(service)],
        "location": [location_reference(service.hospital)],
        "name": service.translated("name"),
        # Every catalog service is taken up through a booked slot (a clinician's, or a package's lane).
        "appointmentRequired": True,
    }
    description = service.translated("description")
    if description:
        data["comment"] = description
    if service.department_id:
        data["specialty"] = [{"text": service.department.translated("name")}]
    return validated(data)


def service_filter(search):
    """Return the filter of a HealthcareService search."""
    matches = Q()
    for alternatives in search.each("organization"):
        ids = [reference_id(value, resource_type="Organization") for value in alternatives]
        matches &= any_of(Q(hospital__public_id=public_id) for public_id in ids if public_id)
    for alternatives in search.each("active"):
        matches &= any_of(Q(is_active=boolean(value)) for value in alternatives)
    for alternatives in search.each("name"):
        matches &= Q(pk__in=_named(alternatives))
    return matches


def _named(alternatives):
    """Return the ids of services whose name, in any language, contains one of the terms."""
    terms = [fold(value) for value in alternatives if fold(value)]
    found = []
    for pk, name, translations in Service.objects.values_list("pk", "name", "translations").iterator():
        names = [fold(name), *(fold((texts or {}).get("name")) for texts in (translations or {}).values())]
        if any(term in text for term in terms for text in names):
            found.append(pk)
    return found
