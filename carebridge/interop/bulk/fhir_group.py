"""The Group resource: a named set of a hospital's patients, the unit of a Group-level $export."""

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_organization import organization_reference
from carebridge.interop.fhir_search import SearchParam

SEARCH_PARAMS = {
    "name": SearchParam("string", "Part of the group's name, case-insensitive."),
}


def group_resource(group, *, patients):
    """Map a group (with its live members) to a validated FHIR Group of actual persons."""
    data = {
        "resourceType": "Group",
        "id": str(group.public_id),
        "meta": meta(group.updated_at),
        "type": "person",
        "actual": True,
        "name": group.name,
        "quantity": len(patients),
        "managingEntity": organization_reference(group.hospital),
    }
    if patients:
        data["member"] = [{"entity": {"reference": f"Patient/{patient.public_id}"}} for patient in patients]
    return validated(data)
