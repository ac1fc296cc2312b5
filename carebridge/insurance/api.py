"""API of insurance: eligibility, the GOP cycle for both sides, direct billing, claims and their adjudication.

The hospital's coordinators, cashiers and managers and the insurer's case managers use the same endpoints; each
sees only the cases of its own organisation (anything else answers 404, the refusal audited). Amounts are CNY
decimal strings.
"""

import datetime as dt
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carebridge.billing.access import invoice_get_for_user
from carebridge.billing.idempotency import idempotency_key, idempotent
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.core.schemas import ErrorOut
from carebridge.insurance import selectors, services
from carebridge.insurance.access import (
    claim_get_for_user,
    gop_get_for_user,
    insurance_hospitals,
    insurer_organisations,
)
from carebridge.insurance.models import Claim, GuaranteeOfPayment
from carebridge.patients.access import patient_get_for_user
from carebridge.patients.models import InsurancePolicy

router = Router(tags=["insurance"], auth=SessionAuth())

READ = {401: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ReasonOut(Schema):
    code: str = Field(description="Stable code, e.g. no_agreement, policy_expired, gop_required")
    text: str = Field(description="The reason in the caller's language")


class EligibilityOut(Schema):
    policy_id: UUID
    insurer: str
    plan: str
    setting: str
    direct_billing: bool
    gop_required: bool
    reasons: list[ReasonOut]


class DiagnosisIn(Schema):
    code: str = Field(max_length=12, description="WHO ICD-10")
    display: str = Field("", max_length=300)


class GopIn(Schema):
    policy_id: UUID
    hospital_id: UUID | None = None
    setting: str = Field("inpatient", description="inpatient or outpatient")
    admission_date: dt.date
    discharge_date: dt.date | None = None
    diagnoses: list[DiagnosisIn] = Field(min_length=1, max_length=20)
    treatment_plan: str = Field(max_length=5000)
    requested_amount: str = Field(description="CNY")
    estimate_id: UUID | None = Field(None, description="An accepted cost estimate of the patient at the hospital")
    urgent: bool = Field(False, description="Later than the agreement's lead time: an admission that cannot wait")


class EventOut(Schema):
    kind: str
    organisation: str
    amount: str | None
    note: str
    at: dt.datetime


class MessageOut(Schema):
    organisation: str
    author: str
    body: str
    at: dt.datetime


class GopOut(Schema):
    id: UUID
    number: str
    status: str
    hospital: str
    insurer: str
    patient_id: UUID
    patient_name: str
    member_id: str
    plan: str
    setting: str
    admission_date: dt.date
    discharge_date: dt.date | None
    diagnoses: list[DiagnosisIn]
    treatment_plan: str
    requested_amount: str
    approved_limit: str
    conditions: str
    deductible: str
    coinsurance_rate: str
    excluded_codes: list[str]
    decision_reason: str
    respond_by: dt.datetime | None
    valid_until: dt.date | None
    insurer_reference: str
    events: list[EventOut]
    messages: list[MessageOut]


class QuestionIn(Schema):
    question: str = Field(max_length=5000)


class AnswerIn(Schema):
    answer: str = Field(max_length=5000)


class DecisionIn(Schema):
    decision: str = Field(description="approve, approve_part or deny")
    limit: str | None = Field(None, description="CNY; above the amount requested only with a reason")
    reason: str = Field("", max_length=5000)
    conditions: str = Field("", max_length=5000)
    deductible: str = Field("0")
    coinsurance_rate: str = Field("0", description="The patient's share of covered costs, 0.2 for 20%")
    excluded_codes: list[str] = Field(default_factory=list, description="Service codes the plan does not cover")
    valid_until: dt.date | None = None
    insurer_reference: str = Field("", max_length=80)


class ExtensionIn(Schema):
    additional_amount: str
    reason: str = Field(max_length=5000)


class ExtensionDecisionIn(Schema):
    approve: bool
    amount: str | None = None
    reason: str = Field("", max_length=5000)


class MessageIn(Schema):
    body: str = Field(max_length=5000)


class DirectBillingIn(Schema):
    gop_id: UUID


class ClaimIn(Schema):
    invoice_id: UUID
    policy_id: UUID | None = Field(None, description="Needed when the invoice is not direct-billed under a GOP")


class ClaimLineOut(Schema):
    id: int
    code: str
    description: str
    amount: str
    covered: bool
    insurer_amount: str
    patient_amount: str
    decision: str
    approved_amount: str
    reason: str


class ClaimOut(Schema):
    id: UUID
    number: str
    status: str
    hospital: str
    insurer: str
    patient_id: UUID
    invoice_id: UUID
    invoice_number: str
    gop_id: UUID | None
    claimed: str
    deductible: str
    coinsurance: str
    not_covered: str
    over_limit: str
    insurer_share: str
    patient_share: str
    approved: str
    paid: str
    submitted_at: dt.datetime | None
    lines: list[ClaimLineOut]


class LineDecisionIn(Schema):
    line_id: int
    decision: str = Field(description="approved, partial or denied")
    approved_amount: str | None = None
    reason: str = Field("", max_length=300)


class AdjudicationIn(Schema):
    lines: list[LineDecisionIn] = Field(min_length=1)


class RemittanceIn(Schema):
    amount: str
    remittance_reference: str = Field(max_length=120)


class AgreementOut(Schema):
    plans: list[str] = Field(description="Plan names covered; empty means every plan")
    covers_inpatient: bool
    covers_outpatient: bool
    gop_rule: str = Field(description="always, inpatient, above_amount or never")
    gop_above_amount: str
    gop_lead_hours: int
    payment_terms_days: int
    discount_rate: str
    valid_from: dt.date
    valid_until: dt.date | None
    is_active: bool


class PayerOut(Schema):
    id: UUID
    name: str
    country: str
    kind: str | None = Field(description="insurer, tpa or assistance; none when not described yet")
    claim_channel: str | None
    claims_email: str
    phone_24h: str
    administered_by: str | None
    contacts: list[dict]
    agreements: list[AgreementOut] = Field(description="The caller's hospital's agreements with this payer")


class FiguresRowOut(Schema):
    insurer: str
    count: int
    total: str
    months: dict[int, dict[str, str]]


class FiguresOut(Schema):
    year: int
    direct_total: str
    self_paid_total: str
    rows: list[FiguresRowOut]
    self_paid: dict[int, dict[str, str]]


def _gop_out(gop):
    return {
        "id": gop.public_id, "number": gop.number, "status": gop.status, "hospital": gop.hospital.name,
        "insurer": gop.payer.name, "patient_id": gop.patient.public_id, "patient_name": str(gop.patient),
        "member_id": gop.policy.member_id, "plan": gop.policy.plan_name, "setting": gop.setting,
        "admission_date": gop.admission_date, "discharge_date": gop.discharge_date, "diagnoses": gop.diagnoses,
        "treatment_plan": gop.treatment_plan, "requested_amount": str(gop.requested_amount),
        "approved_limit": str(gop.approved_limit), "conditions": gop.conditions, "deductible": str(gop.deductible),
        "coinsurance_rate": str(gop.coinsurance_rate), "excluded_codes": gop.excluded_codes,
        "decision_reason": gop.decision_reason, "respond_by": gop.respond_by, "valid_until": gop.valid_until,
        "insurer_reference": gop.insurer_reference,
        "events": [{"kind": e.kind, "organisation": e.organisation.name if e.organisation_id else "",
                    "amount": str(e.amount) if e.amount is not None else None, "note": e.note, "at": e.created_at}
                   for e in gop.events.select_related("organisation")],
        "messages": [{"organisation": m.organisation.name, "author": m.author.full_name, "body": m.body,
                      "at": m.created_at} for m in gop.messages.select_related("organisation", "author")],
    }


def _claim_out(claim):
    return {
        "id": claim.public_id, "number": claim.number, "status": claim.status, "hospital": claim.hospital.name,
        "insurer": claim.payer.name, "patient_id": claim.patient.public_id, "invoice_id": claim.invoice.public_id,
        "invoice_number": claim.invoice.number, "gop_id": claim.gop.public_id if claim.gop_id else None,
        **{field: str(getattr(claim, field)) for field in ("claimed", "deductible", "coinsurance", "not_covered",
                                                           "over_limit", "insurer_share", "patient_share",
                                                           "approved", "paid")},
        "submitted_at": claim.submitted_at,
        "lines": [{"id": line.pk, "code": line.code, "description": line.description, "amount": str(line.amount),
                   "covered": line.covered, "insurer_amount": str(line.insurer_amount),
                   "patient_amount": str(line.patient_amount), "decision": line.decision,
                   "approved_amount": str(line.approved_amount), "reason": line.reason}
                  for line in claim.lines.all()],
    }


def _gop(request, gop_id, sides=("hospital", "insurer", "patient")):
    return gop_get_for_user(user=request.auth, public_id=str(gop_id), request=request, sides=sides)


def _claim(request, claim_id, sides=("hospital", "insurer", "patient")):
    return claim_get_for_user(user=request.auth, public_id=str(claim_id), request=request, sides=sides)


def _hospital_for(request, hospital_id):
    hospitals = insurance_hospitals(request.auth)
    if hospital_id is not None:
        hospital = next((h for h in hospitals if h.public_id == hospital_id), None)
    else:
        hospital = hospitals[0] if len(hospitals) == 1 else None
    if hospital is None:
        raise NotFound()
    return hospital


# --- Eligibility -------------------------------------------------------------------------------------------------


@router.get("/patients/{patient_id}/eligibility", response={200: list[EligibilityOut], **READ},
            summary="Does direct billing apply?")
def eligibility_read(request, patient_id: UUID, setting: str = "inpatient", hospital_id: UUID | None = None):
    """For each of the patient's policies: whether the hospital bills the insurer directly, with the reasons."""
    patient = patient_get_for_user(user=request.auth, public_id=str(patient_id), request=request,
                                   purpose="insurance")
    from carebridge.patients.selectors import patients_at

    hospitals = [h for h in insurance_hospitals(request.auth) if patients_at(h).filter(pk=patient.pk).exists()]
    if hospital_id is not None:
        from carebridge.catalog.selectors import hospital_by

        hospital = hospital_by(public_id=hospital_id)
    else:
        hospital = hospitals[0] if hospitals else None
    if hospital is None:
        raise NotFound()
    results = []
    for policy in patient.insurance_policies.select_related("payer"):
        check = services.eligibility_check(policy=policy, hospital=hospital, setting=setting,
                                           checked_by=request.auth, request=request)
        results.append({"policy_id": policy.public_id, "insurer": policy.insurer_label, "plan": policy.plan_name,
                        "setting": setting, "direct_billing": check.direct_billing,
                        "gop_required": check.gop_required,
                        "reasons": [{"code": code, "text": selectors.reason_text(code)} for code in check.reasons]})
    return results


# --- Guarantees of payment ---------------------------------------------------------------------------------------


@router.post("/gops", response={201: GopOut, **WRITE}, summary="Request a guarantee of payment")
def gops_request(request, payload: GopIn):
    """Send the insurer a GOP request built from the case; 409 `direct_billing_not_available` with the reasons."""
    hospital = _hospital_for(request, payload.hospital_id)
    policy = InsurancePolicy.objects.select_related("patient", "payer").filter(public_id=payload.policy_id).first()
    if policy is None:
        raise NotFound()
    patient_get_for_user(user=request.auth, public_id=str(policy.patient.public_id), request=request,
                         purpose="insurance")
    estimate = None
    if payload.estimate_id is not None:
        from carebridge.billing.models import CostEstimate

        estimate = CostEstimate.objects.filter(public_id=payload.estimate_id, patient=policy.patient,
                                               hospital=hospital).first()
        if estimate is None:
            raise NotFound()
    gop = services.gop_request(hospital=hospital, policy=policy, setting=payload.setting,
                               admission_date=payload.admission_date, discharge_date=payload.discharge_date,
                               diagnoses=[d.dict() for d in payload.diagnoses],
                               treatment_plan=payload.treatment_plan, requested_amount=payload.requested_amount,
                               estimate=estimate, urgent=payload.urgent, created_by=request.auth, request=request)
    return Status(201, _gop_out(gop))


@router.get("/gops", response={200: list[GopOut], **READ}, summary="GOP cases")
def gops_list(request, status: str = ""):
    """The caller's queue: an insurer's case managers see cases addressed to them; hospital staff their hospital's."""
    from carebridge.audit.services import audit_record_reads

    organisations = insurer_organisations(request.auth)
    if organisations:
        gops = list(selectors.gops_for_insurer(organisations=organisations, status=status or None)[:200])
    else:
        hospitals = insurance_hospitals(request.auth)
        if not hospitals:
            raise NotFound()
        gops = list(GuaranteeOfPayment.objects.filter(hospital__in=hospitals).select_related(
            "hospital", "patient", "payer", "policy").order_by("-created_at")[:200])
        if status:
            gops = [gop for gop in gops if gop.status == status]
    audit_record_reads(actor=request.auth, request=request, patients=[gop.patient for gop in gops],
                       purpose="insurance")
    return [_gop_out(gop) for gop in gops]


@router.get("/gops/{gop_id}", response={200: GopOut, **READ}, summary="A GOP case")
def gops_read(request, gop_id: UUID):
    """The case with its history and messages; 404 for anyone not a party to it."""
    return _gop_out(_gop(request, gop_id))


@router.post("/gops/{gop_id}/questions", response={200: GopOut, **WRITE}, summary="Ask the hospital")
def gops_question(request, gop_id: UUID, payload: QuestionIn):
    """The insurer asks for more information; the request waits for the hospital's answer."""
    gop = _gop(request, gop_id, sides=("insurer",))
    return _gop_out(services.gop_info_request(gop=gop, question=payload.question, by=request.auth,
                                              organisation=gop.acting, request=request))


@router.post("/gops/{gop_id}/answers", response={200: GopOut, **WRITE}, summary="Answer the insurer")
def gops_answer(request, gop_id: UUID, payload: AnswerIn):
    """The hospital answers the insurer's question."""
    gop = _gop(request, gop_id, sides=("hospital",))
    return _gop_out(services.gop_info_provide(gop=gop, answer=payload.answer, by=request.auth, request=request))


@router.post("/gops/{gop_id}/decision", response={200: GopOut, **WRITE}, summary="Decide a GOP request")
def gops_decide(request, gop_id: UUID, payload: DecisionIn):
    """Approve with a limit and conditions, approve in part, or deny with a reason (the insurer's case manager)."""
    gop = _gop(request, gop_id, sides=("insurer",))
    return _gop_out(services.gop_decide(
        gop=gop, decision=payload.decision, by=request.auth, organisation=gop.acting, limit=payload.limit,
        reason=payload.reason, conditions=payload.conditions, deductible=payload.deductible,
        coinsurance_rate=payload.coinsurance_rate, excluded_codes=payload.excluded_codes,
        valid_until=payload.valid_until, insurer_reference=payload.insurer_reference, request=request))


@router.post("/gops/{gop_id}/extensions", response={200: GopOut, **WRITE}, summary="Ask for an extension")
def gops_extension(request, gop_id: UUID, payload: ExtensionIn):
    """The hospital asks to raise the limit when the stay will cost more than approved."""
    gop = _gop(request, gop_id, sides=("hospital",))
    return _gop_out(services.gop_extension_request(gop=gop, additional_amount=payload.additional_amount,
                                                   reason=payload.reason, by=request.auth, request=request))


@router.post("/gops/{gop_id}/extensions/decision", response={200: GopOut, **WRITE},
             summary="Decide an extension")
def gops_extension_decide(request, gop_id: UUID, payload: ExtensionDecisionIn):
    """The insurer raises the limit (by the amount asked unless told otherwise) or refuses with a reason."""
    gop = _gop(request, gop_id, sides=("insurer",))
    return _gop_out(services.gop_extension_decide(gop=gop, approve=payload.approve, amount=payload.amount,
                                                  reason=payload.reason, by=request.auth,
                                                  organisation=gop.acting, request=request))


@router.post("/gops/{gop_id}/cancel", response={200: GopOut, **WRITE}, summary="Withdraw a request")
def gops_cancel(request, gop_id: UUID, payload: MessageIn):
    """The hospital withdraws its request (body: the reason)."""
    gop = _gop(request, gop_id, sides=("hospital",))
    return _gop_out(services.gop_cancel(gop=gop, by=request.auth, reason=payload.body, request=request))


@router.post("/gops/{gop_id}/messages", response={201: MessageOut, **WRITE}, summary="Message the other side")
def gops_message(request, gop_id: UUID, payload: MessageIn):
    """A message between the coordinator and the case manager."""
    gop = _gop(request, gop_id, sides=("hospital", "insurer"))
    message = services.case_message_post(gop=gop, body=payload.body, by=request.auth,
                                         organisation=gop.acting or gop.hospital, request=request)
    return Status(201, {"organisation": message.organisation.name, "author": message.author.full_name,
                        "body": message.body, "at": message.created_at})


# --- Direct billing and claims -----------------------------------------------------------------------------------


@router.post("/invoices/{invoice_id}/direct-billing", response={200: GopOut, **WRITE},
             summary="Bill the insurer directly")
def invoices_direct_billing(request, invoice_id: UUID, payload: DirectBillingIn):
    """Mark the invoice as paid by the insurer under a valid GOP; 409 `gop_required` (ask for a deposit) otherwise."""
    invoice = invoice_get_for_user(user=request.auth, public_id=str(invoice_id), request=request, manage=True)
    gop = _gop(request, payload.gop_id, sides=("hospital",))
    services.direct_billing_mark(invoice=invoice, gop=gop, by=request.auth, request=request)
    return _gop_out(gop)


@router.post("/claims", response={201: ClaimOut, **WRITE}, summary="Create a claim from a final invoice")
def claims_create(request, payload: ClaimIn):
    """Reconcile the final invoice against the GOP into insurer's and patient's shares; 409 on a second claim."""
    from carebridge.billing.models import Invoice

    hospitals = insurance_hospitals(request.auth)
    invoice = Invoice.objects.select_related("hospital", "patient").filter(public_id=payload.invoice_id,
                                                                           hospital__in=hospitals).first()
    if invoice is None:
        raise NotFound()
    policy = None
    if payload.policy_id is not None:
        policy = InsurancePolicy.objects.filter(public_id=payload.policy_id, patient=invoice.patient).first()
        if policy is None:
            raise NotFound()
    return Status(201, _claim_out(services.claim_create(invoice=invoice, by=request.auth, policy=policy,
                                                        request=request)))


@router.get("/claims", response={200: list[ClaimOut], **READ}, summary="Claims")
def claims_list(request, status: str = ""):
    """The caller's claims: an insurer's submitted claims, or the hospital's."""
    from carebridge.audit.services import audit_record_reads

    organisations = insurer_organisations(request.auth)
    if organisations:
        claims = list(selectors.claims_for_insurer(organisations=organisations, status=status or None)[:200])
    else:
        hospitals = insurance_hospitals(request.auth)
        if not hospitals:
            raise NotFound()
        claims = list(Claim.objects.filter(hospital__in=hospitals).select_related(
            "hospital", "patient", "payer", "invoice").order_by("-created_at")[:200])
        if status:
            claims = [claim for claim in claims if claim.status == status]
    audit_record_reads(actor=request.auth, request=request, patients=[c.patient for c in claims],
                       purpose="insurance")
    return [_claim_out(claim) for claim in claims]


@router.get("/claims/{claim_id}", response={200: ClaimOut, **READ}, summary="A claim")
def claims_read(request, claim_id: UUID):
    """The claim with its lines; 404 for anyone not a party to it."""
    return _claim_out(_claim(request, claim_id))


@router.post("/claims/{claim_id}/submit", response={200: ClaimOut, **WRITE}, summary="Submit a claim")
def claims_submit(request, claim_id: UUID):
    """Send the claim to the insurer."""
    claim = _claim(request, claim_id, sides=("hospital",))
    return _claim_out(services.claim_submit(claim=claim, by=request.auth, request=request))


@router.post("/claims/{claim_id}/adjudication", response={200: ClaimOut, **WRITE}, summary="Adjudicate a claim")
def claims_adjudicate(request, claim_id: UUID, payload: AdjudicationIn):
    """The insurer decides every line: approved, partial (with amount and reason) or denied (with reason)."""
    claim = _claim(request, claim_id, sides=("insurer",))
    decisions = {line.line_id: (line.decision, line.approved_amount, line.reason) for line in payload.lines}
    if len(decisions) != len(payload.lines):
        raise ValidationFailed(_("Decide each line once."), code="lines_repeated")
    return _claim_out(services.claim_adjudicate(claim=claim, decisions=decisions, by=request.auth,
                                                organisation=claim.acting, request=request))


@router.post("/claims/{claim_id}/payments", response={200: ClaimOut, **WRITE}, summary="Record the remittance")
def claims_payment(request, claim_id: UUID, payload: RemittanceIn):
    """Match the insurer's payment to the claim (Idempotency-Key required); the family is told what is left."""
    key = idempotency_key(request)
    claim = _claim(request, claim_id, sides=("hospital",))

    def run():
        return 200, _claim_out(services.claim_payment_record(claim=claim, amount=payload.amount,
                                                             remittance_reference=payload.remittance_reference,
                                                             by=request.auth, request=request))

    status, body, _replayed = idempotent(user=request.auth, key=key, operation=f"claim_payment:{claim_id}",
                                         payload=payload.dict(), run=run)
    return Status(status, body)


@router.get("/payers", response={200: list[PayerOut], **READ}, summary="The payer directory")
def payers_list(request, hospital_id: UUID | None = None):
    """Insurers, TPAs and assistance companies with their contacts, and the hospital's direct billing agreements."""
    from carebridge.insurance.directory import payer_directory

    hospital = _hospital_for(request, hospital_id)
    rows = []
    for payer in payer_directory(hospital=hospital):
        profile = payer.profile
        rows.append({
            "id": payer.public_id, "name": payer.name, "country": payer.country,
            "kind": profile.kind if profile else None, "claim_channel": profile.claim_channel if profile else None,
            "claims_email": profile.claims_email if profile else "", "phone_24h": profile.phone_24h if profile else "",
            "administered_by": profile.administered_by.name if profile and profile.administered_by_id else None,
            "contacts": profile.contacts if profile else [],
            "agreements": [{"plans": a.plans, "covers_inpatient": a.covers_inpatient,
                            "covers_outpatient": a.covers_outpatient, "gop_rule": a.gop_rule,
                            "gop_above_amount": str(a.gop_above_amount), "gop_lead_hours": a.gop_lead_hours,
                            "payment_terms_days": a.payment_terms_days, "discount_rate": str(a.discount_rate),
                            "valid_from": a.valid_from, "valid_until": a.valid_until, "is_active": a.is_active}
                           for a in payer.hospital_agreements]})
    return rows


@router.get("/insurance/figures", response={200: FiguresOut, 400: ErrorOut, **READ},
            summary="Direct-billed versus self-paid")
def figures_read(request, year: int = Query(..., ge=2000, le=2100),  # noqa: B008 - ninja's marker
                 hospital_id: UUID | None = None):
    """Invoices of a year by insurer and month, direct-billed versus paid by the patients themselves."""
    hospital = _hospital_for(request, hospital_id)
    figures = selectors.direct_billing_figures(hospital=hospital, year=year)

    def cells(months):
        return {m: {"count": str(c["count"]), "amount": str(c["amount"])} for m, c in months.items()}

    return {"year": year, "direct_total": str(figures["direct_total"]),
            "self_paid_total": str(figures["self_paid_total"]), "self_paid": cells(figures["self_paid"]),
            "rows": [{"insurer": row["insurer"], "count": row["count"], "total": str(row["total"]),
                      "months": cells(row["months"])} for row in figures["rows"]]}
