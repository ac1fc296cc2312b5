"""The Practitioner and PractitionerRole resources: clinicians, the languages they consult in, what they offer."""

from django.db.models import Exists, OuterRef, Q

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_organization import location_reference, organization_reference
from carebridge.interop.fhir_patient import BCP47, language_concept
from carebridge.interop.fhir_search import SearchParam, any_of, reference_id, token
from carebridge.scheduling.models import Clinician, ClinicianLanguage

PRACTITIONER_SEARCH_PARAMS = {
    "name": SearchParam("string", "Part of the clinician's name, in Latin letters or in Chinese."),
    "communication": SearchParam("token", "A language the clinician consults in (native or fluent), as a BCP 47 "
                                          "code: urn:ietf:bcp:47|ru, or ru; zh also finds zh-Hans."),
}
PRACTITIONER_ROLE_SEARCH_PARAMS = {
    "practitioner": SearchParam("reference", "The clinician (Practitioner/<id>)."),
    "organization": SearchParam("reference", "The hospital (Organization/<id>) the clinician works at."),
    "service": SearchParam("reference", "A service the clinician offers (HealthcareService/<id>)."),
}
# The extension of FHIR R5's PractitionerRole.communication, for R4 systems that read languages off the role.
ROLE_COMMUNICATION_URL = "http://hl7.org/fhir/5.0/StructureDefinition/extension-PractitionerRole.communication"


def practitioner_reference(clinician):
    """Return a reference to a clinician as a FHIR Practitioner."""
    return {"reference": f"Practitioner/{clinician.public_id}", "display": clinician.name}


def consulting_languages(clinician):
    """Return the languages a clinician consults in (native or fluent; a basic command does not count)."""
    return [spoken.language for spoken in clinician.languages.all()
            if spoken.proficiency != ClinicianLanguage.Level.BASIC]


def practitioner_resource(clinician):
    """Map a clinician to a validated FHIR Practitioner (prefetch `languages`)."""
    names = [{"use": "usual", "text": clinician.name}]
    if clinician.name_local:
        names.append({"use": "official", "text": clinician.name_local})
    data = {
        "resourceType": "Practitioner",
        "id": str(clinician.public_id),
        "meta": meta(clinician.updated_at),
        "active": clinician.is_active,
        "name": names,
    }
    if clinician.title:
        data["qualification"] = [{"code": {"text": clinician.title}}]
    languages = consulting_languages(clinician)
    if languages:
        data["communication"] = [language_concept(code) for code in languages]
    return validated(data)


def practitioner_role_resource(clinician):
    """Map a clinician's post at a hospital to a validated FHIR PractitionerRole (prefetch services, departments)."""
    services = list(clinician.services.all())
    data = {
        "resourceType": "PractitionerRole",
        "id": str(clinician.public_id),
        "meta": meta(clinician.updated_at),
        "extension": [{"url": ROLE_COMMUNICATION_URL, "valueCodeableConcept": language_concept(code)}
                      for code in consulting_languages(clinician)],
        "active": clinician.is_active,
        "practitioner": practitioner_reference(clinician),
        "organization": organization_reference(clinician.hospital),
        "location": [location_reference(clinician.hospital)],
        "healthcareService": [{"reference": f"HealthcareService/{service.public_id}",
                               "display": service.translated("name")} for service in services],
        "specialty": [{"text": department.translated("name")} for department in clinician.departments.all()],
        "code": [{"text": clinician.title}] if clinician.title else [],
    }
    return validated({key: value for key, value in data.items() if value not in (None, [])})


def practitioner_filter(search):
    """Return the filter of a Practitioner search."""
    matches = Q()
    for alternatives in search.each("name"):
        matches &= any_of(Q(name__icontains=value) | Q(name_local__icontains=value) for value in alternatives)
    for alternatives in search.each("communication"):
        matches &= any_of(_speaks(*token(value)) for value in alternatives)
    return matches


def _speaks(system, code):
    if system not in (None, BCP47) or not code:
        return Q(pk__in=[])
    spoken = ClinicianLanguage.objects.filter(clinician=OuterRef("pk")).exclude(
        proficiency=ClinicianLanguage.Level.BASIC).filter(Q(language__iexact=code) | Q(language__istartswith=f"{code}-"))
    return Q(Exists(spoken))


def practitioner_role_filter(search):
    """Return the filter of a PractitionerRole search."""
    matches = Q()
    for alternatives in search.each("practitioner"):
        ids = [reference_id(value, resource_type="Practitioner") for value in alternatives]
        matches &= any_of(Q(public_id=public_id) for public_id in ids if public_id)
    for alternatives in search.each("organization"):
        ids = [reference_id(value, resource_type="Organization") for value in alternatives]
        matches &= any_of(Q(hospital__public_id=public_id) for public_id in ids if public_id)
    for alternatives in search.each("service"):
        ids = [reference_id(value, resource_type="HealthcareService") for value in alternatives]
        offering = Clinician.objects.filter(services__public_id__in=[public_id for public_id in ids if public_id])
        matches &= Q(pk__in=offering.values("pk"))
    return matches
