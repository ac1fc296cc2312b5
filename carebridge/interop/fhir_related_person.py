"""The RelatedPerson resource: a guardian who acts for a patient."""

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_patient import language_concept
from carebridge.interop.fhir_search import SearchParam
from carebridge.patients.models import Guardianship

V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ROLE_CODES = {
    Guardianship.Relationship.MOTHER: ("MTH", "mother"),
    Guardianship.Relationship.FATHER: ("FTH", "father"),
    Guardianship.Relationship.LEGAL_GUARDIAN: ("GUARD", "guardian"),
    Guardianship.Relationship.SPOUSE: ("SPS", "spouse"),
    Guardianship.Relationship.OTHER: ("FAMMEMB", "family member"),
}

SEARCH_PARAMS = {"patient": SearchParam("reference", "The patient the person acts for (Patient/<id>).")}


def related_person_resource(guardianship):
    """Map a guardianship (its guardian's account and relationship) to a validated FHIR RelatedPerson."""
    guardian = guardianship.guardian
    code, display = ROLE_CODES[guardianship.relationship]
    period = {"start": guardianship.created_at.isoformat()}
    if guardianship.ended_at:
        period["end"] = guardianship.ended_at.isoformat()
    data = {
        "resourceType": "RelatedPerson",
        "id": str(guardianship.public_id),
        "meta": meta(guardianship.updated_at),
        "active": guardianship.ended_at is None,
        "patient": {"reference": f"Patient/{guardianship.patient.public_id}"},
        "relationship": [{"coding": [{"system": V3_ROLE_CODE, "code": code, "display": display}],
                          "text": str(guardianship.get_relationship_display())}],
        "name": [{"text": guardian.full_name or guardian.email}],
        "telecom": [{"system": "email", "value": guardian.email}],
        "communication": [{"language": language_concept(guardian.language), "preferred": True}],
        "period": period,
    }
    return validated(data)
