"""What each FHIR search supports beyond its own parameters: _sort keys, _include values, _id and _lastUpdated.

The views parse with these and the CapabilityStatement is built from them, so the two cannot disagree.
"""

from carebridge.interop.fhir_search import handling_strict

LAST_UPDATED = {"_lastUpdated": ("updated_at",)}
# _sort keys: the fields each orders by (descending with a leading "-"; nulls last either way, then by row).
SORTS = {
    "Patient": {**LAST_UPDATED, "birthdate": ("date_of_birth",), "family": ("family_name",)},
    "RelatedPerson": dict(LAST_UPDATED),
    "Consent": {**LAST_UPDATED, "date": ("given_at",)},
    "Coverage": dict(LAST_UPDATED),
    "Organization": {**LAST_UPDATED, "name": ("name",)},
    "Location": {**LAST_UPDATED, "name": ("name",)},
    "HealthcareService": {**LAST_UPDATED, "name": ("name",)},
    "Practitioner": {**LAST_UPDATED, "name": ("name",)},
    "PractitionerRole": dict(LAST_UPDATED),
    "Slot": {**LAST_UPDATED, "start": ("start",)},
    "Appointment": {**LAST_UPDATED, "date": ("start",)},
    "Encounter": {**LAST_UPDATED, "date": ("started_at",)},
    "ServiceRequest": {**LAST_UPDATED, "authored": ("ordered_at",)},
    "DiagnosticReport": {**LAST_UPDATED, "issued": ("issued_at",)},
    "Observation": {**LAST_UPDATED, "date": ("effective_at",)},
    "Condition": {**LAST_UPDATED, "recorded-date": ("created_at",)},
    "AllergyIntolerance": dict(LAST_UPDATED),
    "MedicationRequest": {**LAST_UPDATED, "authoredon": ("authored_at",)},
    "MedicationStatement": dict(LAST_UPDATED),
    "Immunization": {**LAST_UPDATED, "date": ("occurred_on",)},
    "Procedure": {**LAST_UPDATED, "date": ("performed_on",)},
    "DocumentReference": {**LAST_UPDATED, "date": ("created_at",)},
}
# Resources whose searches take _id and _lastUpdated (a row with a public id and an update time of its own).
COMMON = frozenset(SORTS)


def _patient_includes(resource_type, *names):
    return {f"{resource_type}:{name}": ("Patient", "patient") for name in names}


# _include values: (the type included, what is followed).
INCLUDES = {
    "RelatedPerson": _patient_includes("RelatedPerson", "patient"),
    "Consent": _patient_includes("Consent", "patient"),
    "Coverage": _patient_includes("Coverage", "patient", "beneficiary"),
    "Appointment": _patient_includes("Appointment", "patient"),
    "Encounter": _patient_includes("Encounter", "patient", "subject"),
    "ServiceRequest": _patient_includes("ServiceRequest", "patient", "subject"),
    "DiagnosticReport": {**_patient_includes("DiagnosticReport", "patient", "subject"),
                         "DiagnosticReport:result": ("Observation", "result")},
    "Observation": _patient_includes("Observation", "patient", "subject"),
    "Condition": _patient_includes("Condition", "patient", "subject"),
    "AllergyIntolerance": _patient_includes("AllergyIntolerance", "patient", "subject"),
    "MedicationRequest": _patient_includes("MedicationRequest", "patient", "subject"),
    "MedicationStatement": _patient_includes("MedicationStatement", "patient", "subject"),
    "Immunization": _patient_includes("Immunization", "patient", "subject"),
    "Procedure": _patient_includes("Procedure", "patient", "subject"),
    "DocumentReference": _patient_includes("DocumentReference", "patient", "subject"),
}


def search_options(request, resource_type):
    """Return the keyword arguments of `search_parse` for a resource type's search."""
    return {"sorts": SORTS.get(resource_type, {}), "includes": INCLUDES.get(resource_type, {}),
            "common": resource_type in COMMON, "strict": handling_strict(request)}
