"""The Coverage resource: an insurance policy the patient holds."""

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_organization import ORGANIZATION_TYPES
from carebridge.interop.fhir_search import SearchParam

COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ORGANISATION_SYSTEM = "urn:carebridge:organisation"

SEARCH_PARAMS = {
    "patient": SearchParam("reference", "The patient covered (Patient/<id>)."),
    "beneficiary": SearchParam("reference", "The patient covered (Patient/<id>)."),
}


def coverage_resource(policy):
    """Map an insurance policy to a validated FHIR Coverage."""
    payor = {"display": policy.insurer_label}
    if policy.payer_id:
        payor["identifier"] = {"system": ORGANISATION_SYSTEM, "value": str(policy.payer.public_id)}
        if policy.payer.kind in ORGANIZATION_TYPES:
            payor["reference"] = f"Organization/{policy.payer.public_id}"
    data = {
        "resourceType": "Coverage",
        "id": str(policy.public_id),
        "meta": meta(policy.updated_at),
        "status": "active",
        "type": {"coding": [{"system": V3_ACT_CODE, "code": "HIP", "display": "health insurance plan policy"}]},
        "subscriberId": policy.member_id,
        "beneficiary": {"reference": f"Patient/{policy.patient.public_id}"},
        "payor": [payor],
    }
    if policy.policy_number:
        data["identifier"] = [{"type": {"text": "policy number"}, "value": policy.policy_number}]
    period = {key: day.isoformat() for key, day in (("start", policy.valid_from), ("end", policy.valid_to)) if day}
    if period:
        data["period"] = period
    if policy.plan_name:
        data["class"] = [{"type": {"coding": [{"system": COVERAGE_CLASS, "code": "plan", "display": "Plan"}]},
                          "value": policy.plan_name, "name": policy.plan_name}]
    return validated(data)
