"""A referral as a FHIR R4 ServiceRequest: intent order, category "Patient referral" (SNOMED CT 3457005),
requester the referring hospital, performer the receiving one, the IPS and documents as supportingInfo.

Referrals share the ServiceRequest type with the clinical orders; their ids are their own UUIDs, so a read
finds one or the other, and a search with category=3457005 lists referrals.
"""

from carebridge.interop.fhir import meta
from carebridge.interop.fhir_organization import organization_reference
from carebridge.interop.fhir_search import SearchParam
from carebridge.interop.referrals.models import Referral

SNOMED = "http://snomed.info/sct"
REFERRAL_CODE = "3457005"
REFERRAL_DISPLAY = "Patient referral"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
STATUS_EXTENSION = "urn:carebridge:fhir:referral-status"

STATUS = {
    Referral.Status.REQUESTED: "active",
    Referral.Status.ACCEPTED: "active",
    Referral.Status.DECLINED: "revoked",
    Referral.Status.CANCELLED: "revoked",
}
SEARCH_PARAMS = {
    "patient": SearchParam("reference", "The patient (Patient/<id>)."),
    "subject": SearchParam("reference", "The patient (Patient/<id>); the same as patient."),
    "category": SearchParam("token", "http://snomed.info/sct|3457005 (Patient referral) lists referrals between "
                                     "hospitals; without it, clinical orders are searched."),
    "status": SearchParam("token", "active (waiting or accepted) or revoked (declined or cancelled)."),
    "performer": SearchParam("reference", "The receiving hospital (Organization/<id>)."),
    "requester": SearchParam("reference", "The referring hospital (Organization/<id>)."),
}


def is_referral_search(values):
    """Tell whether a ServiceRequest search asks for referrals (category 3457005, with or without its system)."""
    return any(value.split("|")[-1] == REFERRAL_CODE for raw in values for value in raw.split(","))


def service_request_resource(referral, *, documents=()):
    """Return a referral as a ServiceRequest dict."""
    referral_concept = {"coding": [{"system": SNOMED, "code": REFERRAL_CODE, "display": REFERRAL_DISPLAY}]}
    reason = {"text": referral.reason}
    if referral.reason_code:
        reason["coding"] = [{"system": ICD10, "code": referral.reason_code}]
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.public_id),
        "meta": meta(referral.updated_at),
        "extension": [{"url": STATUS_EXTENSION, "valueCode": referral.status}],
        "identifier": [{"system": "urn:carebridge:referral", "value": str(referral.public_id)}],
        "status": STATUS[referral.status],
        "intent": "order",
        "category": [referral_concept],
        "priority": referral.priority,
        "code": {**referral_concept, "text": f"Referral to {referral.to_hospital.name}"},
        "subject": {"reference": f"Patient/{referral.patient.public_id}"},
        "authoredOn": referral.created_at.isoformat(),
        "requester": organization_reference(referral.from_hospital),
        "performer": [organization_reference(referral.to_hospital)],
        "reasonCode": [reason],
        "supportingInfo": [{"display": "International Patient Summary"},
                           *({"identifier": {"system": "urn:carebridge:document", "value": str(d.public_id)},
                              "display": d.title} for d in documents)],
    }
    notes = []
    if referral.status == Referral.Status.DECLINED and referral.decline_reason:
        notes.append({"text": f"Declined: {referral.decline_reason}"})
    if not referral.has_records_consent:
        notes.append({"text": "The patient has not consented to send the records to the receiving hospital."})
    if notes:
        resource["note"] = notes
    return resource


def validated_resource(resource):
    """Return a ServiceRequest dict as its validated R4B model."""
    from carebridge.interop.fhir import validated

    return validated(resource)

# What the CapabilityStatement adds to ServiceRequest for referrals (patient and subject are the orders' too).
CAPABILITY_PARAMS = {name: SEARCH_PARAMS[name] for name in ("category", "status", "performer", "requester")}
CAPABILITY_DOCUMENTATION = (
    "Clinical orders and referrals between hospitals share this type, each with its own ids. Referrals have "
    "intent order and category http://snomed.info/sct|3457005 (Patient referral); search with that category to "
    "list them; with it, status (active or revoked), performer and requester (Organization/<id>) apply as well as "
    "patient and subject. Their state (requested, accepted, declined, "
    "cancelled) is in the extension urn:carebridge:fhir:referral-status.")
