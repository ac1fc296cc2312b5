"""Insurance in FHIR R4: eligibility, guarantees of payment (preauthorizations), claims, their responses, remittances.

One FHIR type maps to one kind of row, and where a type stands for two (a Claim is a GOP request or a final claim;
a ClaimResponse is a GOP decision or an adjudication) the id says which: `gop-<uuid>` or `claim-<uuid>`, each the
row's public id. CoverageEligibilityRequest and CoverageEligibilityResponse share the eligibility check's public id;
a PaymentReconciliation is the insurer's remittance, named by the public id of the billing payment it recorded.
Amounts are CNY.
"""

import zoneinfo

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_healthcare_service import SERVICE_SYSTEM
from carebridge.interop.fhir_organization import ORGANIZATION_TYPES
from carebridge.interop.fhir_search import SearchParam

ICD10 = "http://hl7.org/fhir/sid/icd-10"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
INFORMATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/payment-type"
EX_PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
NOTE_TYPE = "display"
REASON_SYSTEM = "urn:carebridge:eligibility-reason"
DECISION_SYSTEM = "urn:carebridge:claim-line-decision"
SETTING_SYSTEM = "urn:carebridge:care-setting"
GOP_NUMBER_SYSTEM = "urn:carebridge:gop:"
CLAIM_NUMBER_SYSTEM = "urn:carebridge:claim:"
INSURER_REFERENCE_SYSTEM = "urn:carebridge:insurer-reference"
REMITTANCE_SYSTEM = "urn:carebridge:remittance"
CURRENCY = "CNY"

GOP_PREFIX = "gop-"
CLAIM_PREFIX = "claim-"

ELIGIBILITY_SEARCH_PARAMS = {
    "patient": SearchParam("reference", "The patient whose cover was checked (Patient/<id>)."),
    "status": SearchParam("token", "active (every check is)."),
}
CLAIM_SEARCH_PARAMS = {
    "patient": SearchParam("reference", "The patient (Patient/<id>)."),
    "status": SearchParam("token", "active, cancelled or draft."),
    "use": SearchParam("token", "preauthorization (guarantees of payment) or claim (final claims)."),
}
CLAIM_RESPONSE_SEARCH_PARAMS = {
    "patient": SearchParam("reference", "The patient (Patient/<id>)."),
    "status": SearchParam("token", "active or cancelled."),
    "outcome": SearchParam("token", "queued, complete or partial."),
    "request": SearchParam("reference", "The Claim answered (Claim/gop-<id> or Claim/claim-<id>)."),
}
PAYMENT_RECONCILIATION_SEARCH_PARAMS = {
    "patient": SearchParam("reference", "CareBridge parameter: the patient whose claim was paid (Patient/<id>)."),
    "status": SearchParam("token", "active (every remittance is)."),
    "request": SearchParam("reference", "The Claim paid (Claim/claim-<id>)."),
}
# The searches served (carebridge/interop/views_insurance.py), as the CapabilityStatement lists them.
SEARCHES = {
    "CoverageEligibilityRequest": ELIGIBILITY_SEARCH_PARAMS,
    "CoverageEligibilityResponse": ELIGIBILITY_SEARCH_PARAMS,
    "Claim": CLAIM_SEARCH_PARAMS,
    "ClaimResponse": CLAIM_RESPONSE_SEARCH_PARAMS,
    "PaymentReconciliation": PAYMENT_RECONCILIATION_SEARCH_PARAMS,
}
CAPABILITY_DOCUMENTATION = {
    "CoverageEligibilityRequest": (
        "A direct-billing eligibility check of a patient's policy at a hospital (purpose validation and benefits); "
        "insurance.coverage is the policy's Coverage. Shares its id with its CoverageEligibilityResponse."),
    "CoverageEligibilityResponse": (
        "The answer of an eligibility check: outcome complete; insurance.inforce tells whether the policy is in "
        "force on the service date; item.benefit and authorizationRequired (a guarantee of payment is needed); "
        "error and disposition give the reasons in the caller's language (codes in urn:carebridge:eligibility-"
        "reason)."),
    "Claim": (
        "Two kinds, told apart by id and use: Claim/gop-<id> (use preauthorization) is a hospital's request for a "
        "guarantee of payment, with ICD-10 diagnoses, estimate lines or the amount requested as total, and its "
        "attachments as supportingInfo; Claim/claim-<id> (use claim) is the final claim of a stay, an item per "
        "invoice line coded by the hospital's service code (urn:carebridge:service:<hospital>), net amounts in "
        "CNY, and insurance.preAuthRef naming the guarantee. The hospital's side, the insurer the case is "
        "addressed to (or the TPA working its cases) and the patient's own people read them; anyone else gets 404."),
    "ClaimResponse": (
        "ClaimResponse/gop-<id>: the insurer's answer to a guarantee of payment once it asked for information "
        "(outcome queued) or decided (complete; partial when approved in part; a denial is complete with no "
        "benefit), with preAuthRef, the approved limit as total benefit, the conditions and the case's steps as "
        "processNote. ClaimResponse/claim-<id>: the adjudication of a final claim, per item submitted, eligible "
        "(the insurer's share) and benefit (approved) amounts with the reason."),
    "PaymentReconciliation": (
        "An insurer's remittance for a claim: amount (CNY), date, the remittance reference as identifier and "
        "paymentIdentifier, detail naming the Claim and ClaimResponse paid."),
}


# --- Ids -----------------------------------------------------------------------------------------------------------


def gop_id(gop):
    return f"{GOP_PREFIX}{gop.public_id}"


def claim_id(claim):
    return f"{CLAIM_PREFIX}{claim.public_id}"


def split_id(resource_id):
    """Return ("gop"|"claim", the public id text) of a Claim or ClaimResponse id, or (None, None)."""
    value = str(resource_id or "")
    for kind, prefix in (("gop", GOP_PREFIX), ("claim", CLAIM_PREFIX)):
        if value.startswith(prefix):
            return kind, value.removeprefix(prefix)
    return None, None


# --- Pieces --------------------------------------------------------------------------------------------------------


def _money(amount):
    return {"value": float(amount), "currency": CURRENCY}


def _organisation(organisation, display=""):
    """Return a reference to an organisation: a resolvable Organization for hospitals and insurers."""
    if organisation is None:
        return {"display": display or "?"}
    reference = {"display": organisation.name, "identifier": {"system": "urn:carebridge:organisation",
                                                              "value": str(organisation.public_id)}}
    if organisation.kind in ORGANIZATION_TYPES:
        reference["reference"] = f"Organization/{organisation.public_id}"
    return reference


def _patient(patient):
    return {"reference": f"Patient/{patient.public_id}"}


def _coverage(policy):
    return {"reference": f"Coverage/{policy.public_id}", "display": policy.insurer_label}


def _local_date(moment, hospital):
    if moment is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(hospital.time_zone)).date().isoformat()


def _claim_type(setting):
    code = "institutional" if setting == "inpatient" else "professional"
    return {"coding": [{"system": CLAIM_TYPE, "code": code, "display": code.capitalize()}]}


def _diagnoses(items):
    rows = []
    for item in items or []:
        code = (item.get("code") or "").strip()
        display = (item.get("display") or "").strip()
        if not code and not display:
            continue
        concept = {"text": display or code}
        if code:
            coding = {"system": ICD10, "code": code}
            if display:
                coding["display"] = display
            concept["coding"] = [coding]
        rows.append({"sequence": len(rows) + 1, "diagnosisCodeableConcept": concept})
    return rows


def _service(hospital, code, description):
    concept = {"text": description}
    if code:
        concept["coding"] = [{"system": SERVICE_SYSTEM + hospital.slug, "code": code, "display": description}]
    return concept


def _adjudication(category, amount, reason=""):
    row = {"category": {"coding": [{"system": ADJUDICATION, "code": category}]}, "amount": _money(amount)}
    if reason:
        row["reason"] = {"text": reason}
    return row


def _status(row, *, draft="draft", cancelled=("cancelled",)):
    if row.status == draft:
        return "draft"
    return "cancelled" if row.status in cancelled else "active"


def _setting_concept(setting):
    return {"coding": [{"system": SETTING_SYSTEM, "code": setting}], "text": setting}


# --- Eligibility ---------------------------------------------------------------------------------------------------


def eligibility_request_resource(check):
    """Map an eligibility check to a validated CoverageEligibilityRequest."""
    policy = check.policy
    data = {
        "resourceType": "CoverageEligibilityRequest",
        "id": str(check.public_id),
        "meta": meta(check.updated_at),
        "identifier": [{"system": "urn:carebridge:eligibility-check", "value": str(check.public_id)}],
        "status": "active",
        "purpose": ["validation", "benefits"],
        "patient": _patient(check.patient),
        "servicedDate": check.service_date.isoformat(),
        "created": check.created_at.isoformat(),
        "provider": _organisation(check.hospital),
        "insurer": _organisation(policy.payer, policy.insurer_label),
        "insurance": [{"focal": True, "coverage": _coverage(policy)}],
        "item": [{"category": _setting_concept(check.setting)}],
    }
    return validated(data)


def _policy_in_force(check):
    return not {"policy_expired", "policy_not_started"} & set(check.reasons or [])


def eligibility_response_resource(check, *, reason_text):
    """Map an eligibility check's answer to a validated CoverageEligibilityResponse (reasons in words)."""
    policy = check.policy
    reasons = list(check.reasons or [])
    texts = [reason_text(code) for code in reasons]
    disposition = " ".join(texts)
    item = {
        "category": _setting_concept(check.setting),
        "authorizationRequired": bool(check.gop_required),
        "description": "direct billing" if check.direct_billing else "no direct billing",
        "benefit": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/benefit-type",
                                          "code": "benefit", "display": "Benefit"}],
                              "text": "direct billing"},
                     "allowedString": "yes" if check.direct_billing else "no"}],
    }
    data = {
        "resourceType": "CoverageEligibilityResponse",
        "id": str(check.public_id),
        "meta": meta(check.updated_at),
        "status": "active",
        "purpose": ["validation", "benefits"],
        "patient": _patient(check.patient),
        "servicedDate": check.service_date.isoformat(),
        "created": check.created_at.isoformat(),
        "requestor": _organisation(check.hospital),
        "request": {"reference": f"CoverageEligibilityRequest/{check.public_id}"},
        "outcome": "complete",
        "insurer": _organisation(policy.payer, policy.insurer_label),
        "insurance": [{"coverage": _coverage(policy), "inforce": _policy_in_force(check), "item": [item]}],
    }
    if disposition:
        data["disposition"] = disposition
    if not check.direct_billing:
        errors = [{"code": {"coding": [{"system": REASON_SYSTEM, "code": code}], "text": text}}
                  for code, text in zip(reasons, texts, strict=True) if code not in ("gop_required", "gop_not_required")]
        if errors:
            data["error"] = errors
    return validated(data)


# --- Guarantees of payment ------------------------------------------------------------------------------------------


def _pre_auth_ref(gop):
    return gop.insurer_reference or gop.number


def gop_claim_resource(gop, *, estimate_lines=(), attachments=()):
    """Map a GOP request to a validated Claim with use preauthorization."""
    identifiers = [{"system": GOP_NUMBER_SYSTEM + gop.hospital.slug, "value": gop.number}]
    if gop.insurer_reference:
        identifiers.append({"system": INSURER_REFERENCE_SYSTEM, "value": gop.insurer_reference})
    insurance = {"sequence": 1, "focal": True, "coverage": _coverage(gop.policy)}
    if gop.insurer_reference:
        insurance["preAuthRef"] = [gop.insurer_reference]
    data = {
        "resourceType": "Claim",
        "id": gop_id(gop),
        "meta": meta(gop.updated_at),
        "identifier": identifiers,
        "status": _status(gop),
        "type": _claim_type(gop.setting),
        "use": "preauthorization",
        "patient": _patient(gop.patient),
        "billablePeriod": {key: day.isoformat() for key, day in (("start", gop.admission_date),
                                                                 ("end", gop.discharge_date)) if day},
        "created": (gop.requested_at or gop.created_at).isoformat(),
        "insurer": _organisation(gop.payer),
        "provider": _organisation(gop.hospital),
        "priority": {"coding": [{"system": PRIORITY, "code": "normal"}]},
        "insurance": [insurance],
        "total": _money(gop.requested_amount),
    }
    diagnoses = _diagnoses(gop.diagnoses)
    if diagnoses:
        data["diagnosis"] = diagnoses
    supporting = [{"sequence": 1, "category": {"coding": [{"system": INFORMATION_CATEGORY, "code": "info"}],
                                               "text": "treatment plan"},
                   "valueString": gop.treatment_plan}] if gop.treatment_plan else []
    for attachment in attachments:
        value = {"display": attachment.title}
        if attachment.report_id:
            value["reference"] = f"DiagnosticReport/{attachment.report.public_id}"
        elif attachment.patient_document_id:
            value["reference"] = f"DocumentReference/{attachment.patient_document.public_id}"
        supporting.append({"sequence": len(supporting) + 1,
                           "category": {"coding": [{"system": INFORMATION_CATEGORY, "code": "attachment"}]},
                           "valueReference": value})
    if supporting:
        data["supportingInfo"] = supporting
    items = []
    for line in estimate_lines:
        # An estimate line with a range is requested at its upper end: what the GOP must be able to cover.
        items.append({"sequence": len(items) + 1,
                      "productOrService": _service(gop.hospital, line.code, line.description),
                      "quantity": {"value": line.quantity},
                      "unitPrice": _money(line.unit_price_high),
                      "net": _money(line.unit_price_high * line.quantity)})
    if not items:
        items = [{"sequence": 1, "productOrService": {"text": gop.treatment_plan[:200] or "treatment"},
                  "net": _money(gop.requested_amount)}]
    data["item"] = items
    return validated(data)


def gop_has_response(gop):
    """Tell whether the insurer has answered a GOP request (asked for information, or decided)."""
    return gop.decided_at is not None or gop.status == "info_requested"


GOP_OUTCOMES = {"info_requested": "queued", "partially_approved": "partial"}


def gop_claim_response_resource(gop, *, events=()):
    """Map the insurer's answer to a GOP request to a validated ClaimResponse."""
    outcome = GOP_OUTCOMES.get(gop.status, "complete" if gop.decided_at else "queued")
    data = {
        "resourceType": "ClaimResponse",
        "id": gop_id(gop),
        "meta": meta(gop.updated_at),
        "identifier": [{"system": GOP_NUMBER_SYSTEM + gop.hospital.slug, "value": gop.number}],
        "status": "cancelled" if gop.status == "cancelled" else "active",
        "type": _claim_type(gop.setting),
        "use": "preauthorization",
        "patient": _patient(gop.patient),
        "created": (gop.decided_at or gop.updated_at).isoformat(),
        "insurer": _organisation(gop.payer),
        "requestor": _organisation(gop.hospital),
        "request": {"reference": f"Claim/{gop_id(gop)}"},
        "outcome": outcome,
        "preAuthRef": _pre_auth_ref(gop),
    }
    disposition = gop.get_status_display()
    if gop.decision_reason:
        disposition = f"{disposition}: {gop.decision_reason}"
    data["disposition"] = str(disposition)
    if gop.decided_at:
        period = {"start": _local_date(gop.decided_at, gop.hospital)}
        if gop.valid_until:
            period["end"] = gop.valid_until.isoformat()
        data["preAuthPeriod"] = period
        benefit = gop.approved_limit if gop.status in ("approved", "partially_approved", "closed") else 0
        data["total"] = [_adjudication("submitted", gop.requested_amount), _adjudication("benefit", benefit)]
        if gop.deductible:
            data["total"].append(_adjudication("deductible", gop.deductible))
    notes = []
    if gop.conditions:
        notes.append({"number": 1, "type": NOTE_TYPE, "text": f"Conditions: {gop.conditions}"})
    for event in events:
        text = event.get_kind_display()
        details = " ".join(part for part in (f"{event.amount} CNY" if event.amount is not None else "",
                                             event.note) if part)
        notes.append({"number": len(notes) + 1, "type": NOTE_TYPE,
                      "text": f"{_local_date(event.created_at, gop.hospital)} {text}{': ' + details if details else ''}"})
    if notes:
        data["processNote"] = notes
    return validated(data)


# --- Final claims --------------------------------------------------------------------------------------------------


def _claim_setting(claim):
    if claim.gop_id:
        return claim.gop.setting
    encounter = getattr(claim.invoice, "encounter", None)
    return "inpatient" if encounter is not None and encounter.kind == "inpatient" else "outpatient"


def final_claim_resource(claim, *, lines):
    """Map a final claim to a validated Claim with use claim (an item per invoice line, CNY)."""
    insurance = {"sequence": 1, "focal": True, "coverage": _coverage(claim.policy)}
    if claim.gop_id:
        insurance["preAuthRef"] = [_pre_auth_ref(claim.gop)]
    days = [line.invoice_line.service_date for line in lines if line.invoice_line.service_date]
    data = {
        "resourceType": "Claim",
        "id": claim_id(claim),
        "meta": meta(claim.updated_at),
        "identifier": [{"system": CLAIM_NUMBER_SYSTEM + claim.hospital.slug, "value": claim.number},
                       {"system": "urn:carebridge:invoice:" + claim.hospital.slug, "value": claim.invoice.number}],
        "status": _status(claim),
        "type": _claim_type(_claim_setting(claim)),
        "use": "claim",
        "patient": _patient(claim.patient),
        "created": (claim.submitted_at or claim.created_at).isoformat(),
        "insurer": _organisation(claim.payer),
        "provider": _organisation(claim.hospital),
        "priority": {"coding": [{"system": PRIORITY, "code": "normal"}]},
        "insurance": [insurance],
        "total": _money(claim.claimed),
    }
    if days:
        data["billablePeriod"] = {"start": min(days).isoformat(), "end": max(days).isoformat()}
    if claim.gop_id:
        data["related"] = [{"claim": {"reference": f"Claim/{gop_id(claim.gop)}"}}]
    diagnoses = _diagnoses(claim.invoice.diagnoses or (claim.gop.diagnoses if claim.gop_id else []))
    if diagnoses:
        data["diagnosis"] = diagnoses
    items = []
    for number, line in enumerate(lines, start=1):
        invoice_line = line.invoice_line
        item = {"sequence": number, "productOrService": _service(claim.hospital, line.code, line.description),
                "quantity": {"value": invoice_line.quantity}, "unitPrice": _money(invoice_line.unit_price),
                "net": _money(line.amount)}
        if diagnoses:
            item["diagnosisSequence"] = [1]
        if invoice_line.service_date:
            item["servicedDate"] = invoice_line.service_date.isoformat()
        items.append(item)
    if items:
        data["item"] = items
    return validated(data)


ADJUDICATED = ("adjudicated", "partially_paid", "paid", "rejected")


def claim_has_response(claim):
    """Tell whether the insurer has adjudicated a claim."""
    return claim.status in ADJUDICATED


def final_claim_response_resource(claim, *, lines):
    """Map an adjudicated claim to a validated ClaimResponse: per item submitted, eligible and benefit amounts."""
    partial = claim.status == "rejected" or any(line.decision in ("partial", "denied") for line in lines)
    data = {
        "resourceType": "ClaimResponse",
        "id": claim_id(claim),
        "meta": meta(claim.updated_at),
        "identifier": [{"system": CLAIM_NUMBER_SYSTEM + claim.hospital.slug, "value": claim.number}],
        "status": "cancelled" if claim.status == "cancelled" else "active",
        "type": _claim_type(_claim_setting(claim)),
        "use": "claim",
        "patient": _patient(claim.patient),
        "created": (claim.adjudicated_at or claim.updated_at).isoformat(),
        "insurer": _organisation(claim.payer),
        "requestor": _organisation(claim.hospital),
        "request": {"reference": f"Claim/{claim_id(claim)}"},
        "outcome": "partial" if partial else "complete",
        "disposition": str(claim.get_status_display()),
        "total": [_adjudication("submitted", claim.claimed), _adjudication("eligible", claim.insurer_share),
                  _adjudication("benefit", claim.approved)],
    }
    if claim.gop_id:
        data["preAuthRef"] = _pre_auth_ref(claim.gop)
    items, notes = [], []
    for number, line in enumerate(lines, start=1):
        reason = line.reason or str(line.get_decision_display())
        decision = {"category": {"coding": [{"system": DECISION_SYSTEM, "code": line.decision}],
                                 "text": str(line.get_decision_display())},
                    "reason": {"text": reason}}
        item = {"itemSequence": number, "adjudication": [
            _adjudication("submitted", line.amount),
            _adjudication("eligible", line.insurer_amount),
            _adjudication("benefit", line.approved_amount, reason),
            decision,
        ]}
        if line.reason:
            notes.append({"number": len(notes) + 1, "type": NOTE_TYPE, "text": f"{line.description}: {line.reason}"})
            item["noteNumber"] = [len(notes)]
        items.append(item)
    if items:
        data["item"] = items
    if notes:
        data["processNote"] = notes
    if claim.paid:
        data["payment"] = {
            "type": {"coding": [{"system": EX_PAYMENT_TYPE, "code": "complete" if claim.paid >= claim.approved
                                 else "partial"}]},
            "amount": _money(claim.paid),
        }
    return validated(data)


# --- Remittances ---------------------------------------------------------------------------------------------------


def payment_reconciliation_resource(claim_payment):
    """Map an insurer's remittance for a claim to a validated PaymentReconciliation."""
    payment, claim = claim_payment.payment, claim_payment.claim
    paid_on = _local_date(payment.received_at, claim.hospital)
    data = {
        "resourceType": "PaymentReconciliation",
        "id": str(payment.public_id),
        "meta": meta(payment.updated_at, claim_payment.created_at),
        "identifier": [{"system": REMITTANCE_SYSTEM, "value": claim_payment.remittance_reference}],
        "status": "active",
        "created": claim_payment.created_at.isoformat(),
        "paymentIssuer": _organisation(claim.payer),
        "requestor": _organisation(claim.hospital),
        "outcome": "complete",
        "disposition": f"Remittance {claim_payment.remittance_reference} for claim {claim.number}",
        "paymentDate": paid_on,
        "paymentAmount": _money(payment.amount_cny),
        "paymentIdentifier": {"system": REMITTANCE_SYSTEM, "value": claim_payment.remittance_reference},
        "detail": [{
            "identifier": {"system": CLAIM_NUMBER_SYSTEM + claim.hospital.slug, "value": claim.number},
            "type": {"coding": [{"system": PAYMENT_TYPE, "code": "payment", "display": "Payment"}]},
            "request": {"reference": f"Claim/{claim_id(claim)}"},
            "response": {"reference": f"ClaimResponse/{claim_id(claim)}"},
            "submitter": _organisation(claim.hospital),
            "payee": _organisation(claim.hospital),
            "date": paid_on,
            "amount": _money(payment.amount_cny),
        }],
    }
    return validated(data)
