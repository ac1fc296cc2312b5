"""The Patient resource: the first-visit record in FHIR R4, and the Patient search parameters."""

from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from django.db.models import Q

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_search import NOTHING, SearchParam, any_of, date_filter, token
from carebridge.patients.models import IdentityDocument, document_number_hash, fold

V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
V2_CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
PASSPORT_SYSTEM = "http://hl7.org/fhir/sid/passport-"
MRN_SYSTEM = "urn:carebridge:mrn:"
BCP47 = "urn:ietf:bcp:47"
ISO3166 = "urn:iso:std:iso:3166"
NATIONALITY_URL = "http://hl7.org/fhir/StructureDefinition/patient-nationality"
INTERPRETER_URL = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
# ICAO 9303 state codes that are not ISO 3166 alpha-3 codes of the same state (the passport system uses ISO).
ICAO_TO_ISO3 = {"D": "DEU"}
ISO3_TO_ICAO = {iso: icao for icao, iso in ICAO_TO_ISO3.items()}

SEARCH_PARAMS = {
    "identifier": SearchParam("token", "Passport (http://hl7.org/fhir/sid/passport-<ISO3>|number) or medical "
                                       "record number (urn:carebridge:mrn:<hospital>|number)."),
    "name": SearchParam("string", "Any part of any name, in any script, case-insensitive."),
    "family": SearchParam("string", "Part of the surname as on the passport."),
    "given": SearchParam("string", "Part of the given names as on the passport."),
    "birthdate": SearchParam("date", "Date of birth; prefixes eq, ne, lt, gt, ge, le."),
    "nationality": SearchParam("token", "Nationality (extension patient-nationality): "
                                        "urn:iso:std:iso:3166|<alpha-2 or alpha-3>."),
}


def passport_system(issuing_state):
    """Return the identifier system of passports issued by a state (ICAO code)."""
    return PASSPORT_SYSTEM + ICAO_TO_ISO3.get(issuing_state, issuing_state)


def mrn_system(hospital):
    """Return the identifier system of a hospital's medical record numbers."""
    return MRN_SYSTEM + hospital.slug


def _coding(system, code, display=None):
    return {"system": system, "code": code, "display": display}


def _document_identifier(document):
    if document.kind == IdentityDocument.Kind.PASSPORT:
        kind = {"system": passport_system(document.issuing_state),
                "type": {"coding": [_coding(V2_IDENTIFIER_TYPE, "PPN", "Passport number")]}}
    else:
        kind = {"type": {"text": str(document.get_kind_display())},
                "assigner": {"display": document.issuing_state}}
    period = {"end": document.expiry_date.isoformat()} if document.expiry_date else None
    return {"use": "official", **kind, "value": document.number, "period": period}


def _record_number_identifier(record_number):
    return {
        "use": "usual",
        "type": {"coding": [_coding(V2_IDENTIFIER_TYPE, "MR", "Medical record number")]},
        "system": mrn_system(record_number.hospital),
        "value": record_number.number,
        "assigner": {"display": record_number.hospital.name},
    }


def _names(patient):
    names = [{"use": "official", "family": patient.family_name, "given": patient.given_names.split() or None}]
    if patient.native_name:
        names.append({"use": "usual", "text": patient.native_name})
    if patient.preferred_name:
        names.append({"use": "nickname", "text": patient.preferred_name})
    return names


def _telecom(patient):
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    return telecom


def _address(patient):
    lines = [line.strip() for line in patient.address_lines.splitlines() if line.strip()]
    parts = {"line": lines or None, "city": patient.address_city or None, "state": patient.address_region or None,
             "postalCode": patient.address_postal_code or None, "country": patient.address_country or None}
    if not any(parts.values()):
        return []
    return [{"use": "home", **parts}]


def _emergency_contact(patient):
    if not (patient.emergency_contact_name or patient.emergency_contact_phone):
        return []
    relationship = [{"coding": [_coding(V2_CONTACT_ROLE, "C", "Emergency Contact")]}]
    if patient.emergency_contact_relationship:
        relationship.append({"text": patient.emergency_contact_relationship})
    contact = {"relationship": relationship}
    if patient.emergency_contact_name:
        contact["name"] = {"text": patient.emergency_contact_name}
    if patient.emergency_contact_phone:
        contact["telecom"] = [{"system": "phone", "value": patient.emergency_contact_phone}]
    return [contact]


@lru_cache(maxsize=512)
def _language_name(code):
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name("en")
    except (UnknownLocaleError, ValueError):
        return None


def language_concept(code):
    """Return a BCP 47 language as a CodeableConcept, named in English when Babel knows it."""
    return {"coding": [_coding(BCP47, code, _language_name(code))]}


@lru_cache(maxsize=512)
def _country_name(code):
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else None


def _nationality(code):
    concept = {"coding": [_coding(ISO3166, code, _country_name(code))]}
    return {"url": NATIONALITY_URL, "extension": [{"url": "code", "valueCodeableConcept": concept}]}


def _extensions(patient):
    extensions = [{"url": INTERPRETER_URL, "valueBoolean": patient.interpreter_needed}]
    if patient.nationality:
        extensions.insert(0, _nationality(patient.nationality))
    return extensions


def _pruned(value):
    """Drop empty values (FHIR JSON has no nulls, empty strings or empty arrays)."""
    if isinstance(value, dict):
        pruned = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [item for item in (_pruned(item) for item in value) if item not in (None, "", [], {})]
    return value


def patient_resource(patient, *, record_numbers):
    """Map a patient record (with the record numbers the caller may see) to a validated FHIR Patient."""
    return validated(patient_data(patient, record_numbers=record_numbers))


def patient_data(patient, *, record_numbers):
    """Map a patient record (with the record numbers the caller may see) to FHIR Patient JSON, as a dict.

    The request path sends this as is (see `fhir.validating`); `patient_resource` is the validated model.
    """
    documents = list(patient.documents_of_identity.all())
    data = {
        "resourceType": "Patient",
        "id": str(patient.public_id),
        "meta": meta(patient.updated_at, *(d.updated_at for d in documents), *(n.updated_at for n in record_numbers)),
        "extension": _extensions(patient),
        "identifier": [*map(_document_identifier, documents), *map(_record_number_identifier, record_numbers)],
        "active": True,
        "name": _names(patient),
        "telecom": _telecom(patient),
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
        "address": _address(patient),
        "contact": _emergency_contact(patient),
        "communication": [{"language": language_concept(patient.preferred_language), "preferred": True}],
    }
    return _pruned(data)


def patient_filter(search, *, record_numbers):
    """Return the filter of a Patient search; `record_numbers` are the MRN rows the caller may search by."""
    matches = Q()
    for alternatives in search.each("identifier"):
        matches &= any_of(_identifier_filter(*token(value), record_numbers=record_numbers) for value in alternatives)
    for alternatives in search.each("name"):
        matches &= any_of(_name_filter(value) for value in alternatives)
    for alternatives in search.each("family"):
        matches &= any_of(Q(family_name__icontains=value) for value in alternatives)
    for alternatives in search.each("given"):
        matches &= any_of(Q(given_names__icontains=value) for value in alternatives)
    for alternatives in search.each("birthdate"):
        matches &= any_of(date_filter("date_of_birth", value) for value in alternatives)
    for alternatives in search.each("nationality"):
        matches &= any_of(_nationality_filter(*token(value)) for value in alternatives)
    return matches


def _name_filter(value):
    terms = fold(value).split()
    return Q(*[Q(search_text__contains=term) for term in terms]) if terms else NOTHING


def _identifier_filter(system, code, *, record_numbers):
    documents = IdentityDocument.objects.all()
    if code:
        documents = documents.filter(number_hash=document_number_hash(code))
    if system is None:
        numbers = record_numbers.filter(number__iexact=code)
        return Q(pk__in=documents.values("patient_id")) | Q(pk__in=numbers.values("patient_id"))
    if system.startswith(PASSPORT_SYSTEM):
        state = system.removeprefix(PASSPORT_SYSTEM).upper()
        documents = documents.filter(kind=IdentityDocument.Kind.PASSPORT,
                                     issuing_state__in={state, ISO3_TO_ICAO.get(state, state)})
        return Q(pk__in=documents.values("patient_id"))
    if system.startswith(MRN_SYSTEM):
        numbers = record_numbers.filter(hospital__slug=system.removeprefix(MRN_SYSTEM))
        if code:
            numbers = numbers.filter(number__iexact=code)
        return Q(pk__in=numbers.values("patient_id"))
    return NOTHING


def _nationality_filter(system, code):
    if system not in (None, ISO3166) or not code:
        return NOTHING
    code = code.upper()
    if len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
        code = country.alpha_2 if country else code
    return Q(nationality=code)

