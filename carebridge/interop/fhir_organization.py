"""The Organization and Location resources: hospitals and insurers in the directory, hospitals as places."""

import pycountry
from django.db.models import Q

from carebridge.accounts.models import OrganisationKind
from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_search import SearchParam, any_of, reference_id, token

ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
TIMEZONE_URL = "http://hl7.org/fhir/StructureDefinition/timezone"
# The kinds of organisation the directory shows, with their organization-type codes.
ORGANIZATION_TYPES = {
    OrganisationKind.HOSPITAL: ("prov", "Healthcare Provider"),
    OrganisationKind.INSURER: ("ins", "Insurance Company"),
}

ORGANIZATION_SEARCH_PARAMS = {
    "name": SearchParam("string", "Part of the name, in English or in the local language."),
    "type": SearchParam("token", "http://terminology.hl7.org/CodeSystem/organization-type|prov (hospitals) or "
                                 "|ins (insurers)."),
}
LOCATION_SEARCH_PARAMS = {
    "name": SearchParam("string", "Part of the hospital's name, in English or in the local language."),
    "organization": SearchParam("reference", "The hospital (Organization/<id>) the place belongs to."),
}


def organization_reference(organisation):
    """Return a reference to an organisation as a FHIR Organization."""
    return {"reference": f"Organization/{organisation.public_id}", "display": organisation.name}


def location_reference(hospital):
    """Return a reference to a hospital as a FHIR Location (same id as its Organization)."""
    return {"reference": f"Location/{hospital.public_id}", "display": hospital.name}


def _address(organisation):
    country = pycountry.countries.get(alpha_2=organisation.country) if organisation.country else None
    address = {"city": organisation.city or None, "country": organisation.country or None}
    if country is not None:
        address["text"] = ", ".join(part for part in (organisation.city, country.name) if part)
    return {key: value for key, value in address.items() if value}


def organization_resource(organisation):
    """Map a hospital or an insurer to a validated FHIR Organization."""
    code, display = ORGANIZATION_TYPES[organisation.kind]
    data = {
        "resourceType": "Organization",
        "id": str(organisation.public_id),
        "meta": meta(organisation.updated_at),
        "identifier": [{"system": "urn:carebridge:organisation", "value": organisation.slug}],
        "active": True,
        "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": code, "display": display}]}],
        "name": organisation.name,
    }
    if organisation.name_local:
        data["alias"] = [organisation.name_local]
    address = _address(organisation)
    if address:
        data["address"] = [address]
    return validated(data)


def location_resource(hospital):
    """Map a hospital to a validated FHIR Location, with its time zone."""
    data = {
        "resourceType": "Location",
        "id": str(hospital.public_id),
        "meta": meta(hospital.updated_at),
        "extension": [{"url": TIMEZONE_URL, "valueCode": hospital.time_zone}],
        "status": "active",
        "name": hospital.name,
        "mode": "instance",
        "type": [{"coding": [{"system": V3_ROLE_CODE, "code": "HOSP", "display": "Hospital"}]}],
        "managingOrganization": organization_reference(hospital),
    }
    if hospital.name_local:
        data["alias"] = [hospital.name_local]
    address = _address(hospital)
    if address:
        data["address"] = address
    return validated(data)


def name_filter(search):
    """Return the filter of the `name` parameter of organisations and places."""
    matches = Q()
    for alternatives in search.each("name"):
        matches &= any_of(Q(name__icontains=value) | Q(name_local__icontains=value) for value in alternatives)
    return matches


def organization_type_filter(search):
    """Return the filter of Organization's `type` parameter."""
    kinds = {code: kind for kind, (code, _display) in ORGANIZATION_TYPES.items()}
    matches = Q()
    for alternatives in search.each("type"):
        matches &= any_of(Q(kind=kinds[code]) for system, code in map(token, alternatives)
                          if system in (None, ORGANIZATION_TYPE) and code in kinds)
    return matches


def location_filter(search):
    """Return the filter of a Location search (rows are hospitals)."""
    matches = name_filter(search)
    for alternatives in search.each("organization"):
        ids = [reference_id(value, resource_type="Organization") for value in alternatives]
        matches &= any_of(Q(public_id=public_id) for public_id in ids if public_id)
    return matches
