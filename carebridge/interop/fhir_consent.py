"""The Consent resource: a consent given for a patient, with the exact text shown and any withdrawal."""

import base64

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_search import SearchParam

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
CONSENT_KIND_SYSTEM = "urn:carebridge:consent-kind"
CONSENT_TEXT_POLICY = "urn:carebridge:consent-text:"

SEARCH_PARAMS = {"patient": SearchParam("reference", "The patient who consented (Patient/<id>).")}


def _performer(consent, patient, guardianships):
    """Name who consented: the patient, or the guardian who gave it for them."""
    if consent.given_as == "guardian" and consent.given_by_id in guardianships:
        return {"reference": f"RelatedPerson/{guardianships[consent.given_by_id].public_id}"}
    return {"reference": f"Patient/{patient.public_id}"}


def consent_resource(consent, *, patient, guardianships):
    """Map a consent to a validated FHIR Consent; `guardianships` maps guardian user ids to the patient's."""
    label = str(consent.get_kind_display())
    period = {"start": consent.given_at.isoformat()}
    if consent.withdrawn_at:
        period["end"] = consent.withdrawn_at.isoformat()
    data = {
        "resourceType": "Consent",
        "id": str(consent.public_id),
        "meta": meta(consent.updated_at, consent.withdrawn_at),
        "status": "active" if consent.is_active else "inactive",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy", "display": "Privacy Consent"}]},
        "category": [
            {"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]},
            {"coding": [{"system": CONSENT_KIND_SYSTEM, "code": consent.kind, "display": label}], "text": label},
        ],
        "patient": {"reference": f"Patient/{patient.public_id}"},
        "dateTime": consent.given_at.isoformat(),
        "performer": [_performer(consent, patient, guardianships)],
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "language": consent.text_language,
            "data": base64.b64encode(consent.text_shown.encode()).decode(),
            "title": label,
        },
        "policy": [{"uri": f"{CONSENT_TEXT_POLICY}{consent.kind}:{consent.text_version}"}],
        "provision": {"type": "permit", "period": period},
    }
    return validated(data)
