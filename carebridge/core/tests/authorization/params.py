"""Fill a route's path parameters with the ids of Temuulen's case, and turn it into a URL."""

import re

from carebridge.core.tests.authorization.world import MISSING

# `public_id` of a page means a different object under each prefix (first match wins).
PUBLIC_ID_BY_PREFIX = (
    ("consents/", "cross_border"),
    ("interpreters/assignments/", "assignment"),
    ("catalog/services/", "service"),
    ("portal/patients/", "temuulen"),
    ("desk/patients/", "temuulen"),
    ("desk/duplicates/", None),
    ("documents/", "upload"),
    ("appointments/", "appointment"),
    ("clinical/appointments/", "appointment"),
    ("clinical/encounters/", "encounter"),
    ("clinical/reports/", "ct"),
    ("clinical/attachments/", None),
    ("clinical/translations/", "translation"),
    ("portal/reports/", "ct"),
    ("portal/messages/", "message"),
    ("billing/estimates/", "estimate"),
    ("billing/invoices/", "invoice"),
    ("billing/desk/patients/", "temuulen"),
    ("billing/desk/payments/", "payment"),
    ("billing/desk/invoices/", "invoice"),
    ("billing/desk/estimates/new/", "temuulen"),
    ("billing/desk/estimates/", "estimate"),
    ("billing/payments/", "payment"),
    ("insurance/patients/", "temuulen"),
    ("insurance/gop/", "gop"),
    ("insurance/claims/", "claim"),
    ("insurance/claim-pack/", "invoice"),
    ("clinical/documents/request/encounters/", "encounter"),
    ("clinical/documents/request/reports/", "ct"),
    ("clinical/documents/", "discharge"),
    ("portal/documents/", "discharge"),
    ("pathways/patients/", "temuulen"),
    ("pathways/steps/", "step"),
    ("pathways/", "pathway"),
    ("portal/shares/patients/", "temuulen"),
    ("portal/shares/", "link"),
    ("referrals/", "referral"),
    ("portal/referrals/", "referral"),
    ("interop/bulk/files/", "export_file"),
    ("interop/bulk/", "export"),
    ("summary/", "temuulen"),
    ("interop/smart/clients/", "smart_client"),
    ("interop/smart/tokens/", "app_token"),
    ("portal/apps/", "app_token"),
)

# FHIR `resource_id` by resource type (the id FHIR gives the seeded row).
FHIR_ID = {
    "Patient": "temuulen", "RelatedPerson": "guardianship", "Consent": "cross_border", "Coverage": "policy",
    "Organization": "haikou", "Location": "haikou", "HealthcareService": "service", "Practitioner": "dr_chen",
    "PractitionerRole": "dr_chen", "Schedule": "dr_chen", "Slot": "slot", "Appointment": "appointment",
    "Encounter": "encounter", "ServiceRequest": "referral", "DiagnosticReport": "ct", "Observation": "haemoglobin",
    "Condition": "pneumonia", "AllergyIntolerance": "allergy", "MedicationRequest": "azithromycin",
    "MedicationStatement": "vitamin_d", "Immunization": "bcg", "Procedure": "nebuliser",
    "DocumentReference": "discharge", "CoverageEligibilityRequest": "eligibility",
    "CoverageEligibilityResponse": "eligibility", "Claim": "fhir_claim", "ClaimResponse": "fhir_gop",
    "PaymentReconciliation": None, "Group": "group",
}

# Other parameters, by name (pages and API alike).
BY_NAME = {
    "patient_id": "temuulen", "appointment_id": "appointment", "assignment_id": "assignment",
    "booking_id": None, "claim_id": "claim", "client_id": "smart_client", "consent_id": "cross_border",
    "duplicate_id": None, "encounter_id": "encounter", "estimate_id": "estimate", "gop_id": "gop",
    "hospital_id": "haikou", "intent_id": "intent", "invoice_id": "invoice", "link_id": "link",
    "pathway_id": "pathway", "payment_id": "payment", "referral_id": "referral", "report_id": "ct",
    "service_id": "service", "step_id": "step", "token_id": "app_token", "translation_id": "translation",
    "export_id": "export", "file_id": "export_file", "document_id": "discharge", "code": "check_in_code",
    "token": "share_token", "hospital_slug": "haikou_slug", "provider": "sandbox", "reference": None,
    "kind": "documents", "ticket": None, "uidb64": None, "what": "vital-signs", "path": "Basic/1",
}
# Where the same parameter name means something else on one route.
BY_ROUTE = {
    ("accounts:email_verify", "token"): None,
    ("accounts:password_reset_confirm", "token"): None,
    ("documents:verify_code", "code"): "verification_code",
    ("api:verify", "code"): "verification_code",
    ("api:client_revoke", "client_id"): "smart_client",
    ("api:tokens_revoke", "token_id"): None,
}


def values(world):
    """Return every value a path parameter may take, by the names the tables above use."""
    o = world.objects
    record = o.record
    ids = {
        "temuulen": o.temuulen.public_id, "cross_border": o.cross_border.public_id,
        "assignment": o.assignment.public_id if o.assignment else MISSING, "service": o.service.public_id,
        "upload": o.upload.public_id, "appointment": o.appointment.public_id,
        "encounter": record.encounter.public_id, "ct": record.ct.public_id, "translation": o.translation.public_id,
        "message": o.message.public_id, "estimate": o.estimate.public_id, "invoice": o.invoice.public_id,
        "payment": o.payment.public_id, "gop": o.gop.public_id, "claim": o.claim.public_id,
        "discharge": o.discharge.public_id, "step": o.step.public_id, "pathway": o.pathway.public_id,
        "link": o.link.public_id, "referral": o.referral.public_id, "export_file": o.export_file.public_id,
        "export": o.export.public_id, "smart_client": o.smart_client.public_id, "app_token": MISSING,
        "guardianship": o.guardianship.public_id, "policy": o.policy.public_id, "haikou": world.orgs.haikou.public_id,
        "dr_chen": o.dr_chen.public_id, "slot": o.appointment.slot.public_id,
        "haemoglobin": record.haemoglobin.public_id, "pneumonia": record.pneumonia.public_id,
        "allergy": record.allergy.public_id, "azithromycin": record.azithromycin.public_id,
        "vitamin_d": record.vitamin_d.public_id, "bcg": record.bcg.public_id, "nebuliser": record.nebuliser.public_id,
        "eligibility": o.eligibility.public_id, "fhir_claim": f"claim-{o.claim.public_id}",
        "fhir_gop": f"gop-{o.gop.public_id}", "group": o.group.public_id, "intent": o.intent.public_id,
        "check_in_code": o.appointment.check_in_code, "share_token": o.link.token, "haikou_slug": "haikou",
        "verification_code": o.discharge.verification_code, "sandbox": "sandbox", "documents": "documents",
        "vital-signs": "vital-signs", "Basic/1": "Basic/1",
    }
    return ids


def _value(route, name, ids):
    if (route.name, name) in BY_ROUTE:
        key = BY_ROUTE[(route.name, name)]
    elif name == "public_id":
        key = next((obj for prefix, obj in PUBLIC_ID_BY_PREFIX if route.pattern.startswith(prefix)), None)
    elif name == "resource_id":
        key = FHIR_ID.get(route.pattern.removeprefix("fhir/r4/").split("/")[0])
    else:
        key = BY_NAME.get(name)
    return str(ids[key]) if key is not None else str(MISSING)


def url_of(route, ids):
    """Return the URL the matrix calls for a route, its parameters filled."""
    if route.kind == "api":
        path = route.pattern
        for name in route.params:
            path = path.replace("{" + name + "}", _value(route, name, ids))
        return path
    if "(?P<" in route.pattern:  # a regular-expression route: the FHIR catch-all
        return "/fhir/r4/Basic/1"
    path = route.pattern
    for name in route.params:
        path = re.sub(r"<(?:\w+:)?" + name + ">", _value(route, name, ids), path)
    return "/" + path
