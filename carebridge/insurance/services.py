"""Writes of insurance: eligibility, the GOP cycle, direct billing, claims, adjudication and the insurer's payment.

Each write validates, changes rows in one transaction, writes a GOP event or claim status, audits, and tells the
other side (the insurer's case managers, the hospital's coordinators, the family) after commit.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.accounts.models import Membership, OrganisationKind, Role
from carebridge.audit.services import audit_record
from carebridge.billing.services import money
from carebridge.core.errors import Conflict, NotFound, ValidationFailed
from carebridge.core.jobs import job_enqueue
from carebridge.insurance.models import (
    ZERO,
    CaseMessage,
    Claim,
    ClaimLine,
    ClaimPayment,
    DirectBilling,
    DirectBillingAgreement,
    EligibilityCheck,
    GopAttachment,
    GopEvent,
    GuaranteeOfPayment,
)
from carebridge.insurance.selectors import (
    agreement_for,
    case_organisations,
    gop_used,
    gop_valid,
    plan_covered,
)
from carebridge.notifications.services import email_send, in_app_message_send

CENT = Decimal("0.01")
REMINDER_JOB = "insurance.gop_reminder"


def _rate(value, *, field):
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        rate = Decimal(-1)
    if not Decimal(0) <= rate < Decimal(1):
        raise ValidationFailed(_("Give a share between 0 and 1 (0.2 for 20%)."), code="rate_invalid",
                               details={field: "range"})
    return rate


def _audit(action, *, actor, request, organisation, obj, object_type, details=None):
    audit_record(action=action, actor=actor, request=request, organisation=organisation, object_type=object_type,
                 object_id=obj.public_id, patient_public_id=obj.patient.public_id, purpose="insurance",
                 details=details or {})


def _event(gop, kind, *, actor, organisation, amount=None, note=""):
    return GopEvent.objects.create(gop=gop, kind=kind, actor=actor, organisation=organisation, amount=amount,
                                   note=note)


def _people_of(organisations, roles):
    return [m.user for m in Membership.objects.filter(organisation__in=organisations, role__in=roles,
                                                      user__is_active=True).select_related("user")]


def _tell(users, *, template, context, link):
    from django.conf import settings

    for user in users:
        in_app_message_send(user=user, template=template, context={**context, "link": link}, link=link)
        email_send(user=user, template=template, context={**context, "link": settings.SITE_URL + link})


def _tell_insurer(gop, template, link, **context):
    _tell(_people_of(case_organisations(gop.payer), [Role.INSURER_CASE_MANAGER]), template=template, link=link,
          context={"number": gop.number, "hospital": gop.hospital.name, **context})


def _tell_hospital(gop, template, link, **context):
    _tell(_people_of([gop.hospital], [Role.COORDINATOR]), template=template, link=link,
          context={"number": gop.number, "insurer": gop.payer.name, **context})


def _tell_family(patient, template, link, **context):
    people = []
    if patient.account_id:
        people.append(patient.account)
    people += [g.guardian for g in patient.guardianships.filter(ended_at__isnull=True).select_related("guardian")]
    _tell(people, template=template, link=link, context=context)


def _gop_link(gop):
    from django.urls import reverse

    return reverse("insurance:gop", args=[gop.public_id])


# Eligibility ----------------------------------------------------------------------------------------------------

def eligibility_check(*, policy, hospital, setting, on=None, amount=None, checked_by=None, request=None):
    """Decide whether direct billing applies to a policy at a hospital for a setting, and record the answer.

    Returns an EligibilityCheck with `direct_billing`, `gop_required` and the reason codes (selectors.reason_text
    turns them into sentences in the reader's language).
    """
    if setting not in GuaranteeOfPayment.Setting.values:
        raise ValidationFailed(_("Choose inpatient or outpatient."), code="setting_invalid")
    on = on or timezone.localdate()
    reasons, agreement, gop_required = [], None, False
    payer = policy.payer
    if payer is None or payer.kind != OrganisationKind.INSURER:
        reasons.append("payer_unknown")
    else:
        if policy.valid_from and on < policy.valid_from:
            reasons.append("policy_not_started")
        if policy.valid_to and on > policy.valid_to:
            reasons.append("policy_expired")
        if not policy.direct_billing_requested:
            reasons.append("direct_billing_not_requested")
        agreement = agreement_for(hospital=hospital, payer=payer, on=on)
        if agreement is None:
            reasons.append("no_agreement")
        else:
            if not plan_covered(agreement, policy.plan_name):
                reasons.append("plan_not_covered")
            if setting == "inpatient" and not agreement.covers_inpatient:
                reasons.append("inpatient_not_covered")
            if setting == "outpatient" and not agreement.covers_outpatient:
                reasons.append("outpatient_not_covered")
            rule = agreement.gop_rule
            gop_required = (rule == DirectBillingAgreement.GopRule.ALWAYS
                            or (rule == DirectBillingAgreement.GopRule.INPATIENT and setting == "inpatient")
                            or (rule == DirectBillingAgreement.GopRule.ABOVE_AMOUNT
                                and (amount is None or Decimal(amount) > agreement.gop_above_amount)))
    direct_billing = not reasons
    if direct_billing:
        reasons.append("gop_required" if gop_required else "gop_not_required")
    check = EligibilityCheck.objects.create(hospital=hospital, patient=policy.patient, policy=policy,
                                            agreement=agreement, setting=setting, service_date=on,
                                            direct_billing=direct_billing, gop_required=gop_required,
                                            reasons=reasons, checked_by=checked_by)
    _audit("insurance.eligibility", actor=checked_by, request=request, organisation=hospital, obj=check,
           object_type="eligibility_check", details={"direct_billing": direct_billing, "reasons": reasons})
    return check


# The GOP cycle --------------------------------------------------------------------------------------------------

def _gop_number(hospital):
    today = timezone.localdate()
    count = GuaranteeOfPayment.objects.filter(hospital=hospital, created_at__date=today).count() + 1
    code = "".join(ch for ch in hospital.slug.upper() if ch.isalpha())[:3] or "GOP"
    return f"GOP-{code}-{today:%Y%m%d}-{count:03d}"


def gop_request(*, hospital, policy, admission_date, diagnoses, treatment_plan, requested_amount, created_by,
                setting="inpatient", discharge_date=None, estimate=None, reports=(), documents=(), urgent=False,
                request=None):
    """Build a GOP request from the case and send it to the insurer; refused when direct billing does not apply.

    The agreement sets how long before admission a request must arrive (48 hours by default); an urgent admission
    may come later, and says so. The insurer is asked to answer before admission (or within 24 hours if sooner).
    """
    patient = policy.patient
    amount = money(requested_amount, field="requested_amount")
    if not (treatment_plan or "").strip():
        raise ValidationFailed(_("Describe the planned treatment."), code="treatment_plan_required",
                               details={"treatment_plan": "required"})
    if not diagnoses or not all((d.get("code") or "").strip() for d in diagnoses):
        raise ValidationFailed(_("Give at least one diagnosis with its ICD-10 code."), code="diagnosis_required",
                               details={"diagnoses": "required"})
    if admission_date < timezone.localdate():
        raise ValidationFailed(_("The admission date cannot be in the past."), code="admission_past",
                               details={"admission_date": "past"})
    if discharge_date and discharge_date < admission_date:
        raise ValidationFailed(_("The discharge date cannot be before the admission."), code="discharge_before",
                               details={"discharge_date": "before"})
    check = eligibility_check(policy=policy, hospital=hospital, setting=setting, on=admission_date, amount=amount,
                              checked_by=created_by, request=request)
    if not check.direct_billing:
        from carebridge.insurance.selectors import reason_text

        raise Conflict(" ".join(reason_text(code) for code in check.reasons), code="direct_billing_not_available",
                       details={"reasons": check.reasons})
    agreement = check.agreement
    now = timezone.now()
    admission = dt.datetime.combine(admission_date, dt.time(8, 0), tzinfo=timezone.get_current_timezone())
    late = admission - now < dt.timedelta(hours=agreement.gop_lead_hours)
    if late and not urgent:
        raise ValidationFailed(
            _("This insurer needs the request at least %(hours)s hours before admission. Mark it urgent if the "
              "admission cannot wait.") % {"hours": agreement.gop_lead_hours},
            code="gop_too_late", details={"lead_hours": agreement.gop_lead_hours})
    respond_by = min(admission, now + dt.timedelta(hours=24)) if late else admission - dt.timedelta(hours=24)
    with transaction.atomic():
        gop = GuaranteeOfPayment.objects.create(
            hospital=hospital, patient=patient, policy=policy, payer=policy.payer, agreement=agreement,
            estimate=estimate, number=_gop_number(hospital), status=GuaranteeOfPayment.Status.REQUESTED,
            setting=setting, admission_date=admission_date, discharge_date=discharge_date,
            diagnoses=[{"code": d["code"].strip().upper(), "display": (d.get("display") or "").strip()}
                       for d in diagnoses],
            treatment_plan=treatment_plan.strip(), requested_amount=amount, respond_by=respond_by,
            requested_at=now, created_by=created_by)
        for report in reports:
            GopAttachment.objects.create(gop=gop, title=str(report), report=report, added_by=created_by)
        for document in documents:
            GopAttachment.objects.create(gop=gop, title=document.title or document.get_kind_display(),
                                         patient_document=document, added_by=created_by)
        _event(gop, GopEvent.Kind.REQUESTED, actor=created_by, organisation=hospital, amount=amount,
               note=_("Urgent admission.") if late else "")
        job_enqueue(name=REMINDER_JOB, run_after=respond_by, gop_id=gop.pk, status=gop.status)
        _audit("gop.request", actor=created_by, request=request, organisation=hospital, obj=gop, object_type="gop",
               details={"amount": str(amount), "urgent": late})
        _tell_insurer(gop, "insurance/messages/gop_requested", _gop_link(gop))
    return gop


def _locked(gop):
    return GuaranteeOfPayment.objects.select_for_update().select_related("hospital", "patient", "payer").get(
        pk=gop.pk)


def _require_insurer(gop, organisation):
    if organisation not in case_organisations(gop.payer):
        raise NotFound()  # a decision by another insurer: as if the case did not exist


def gop_info_request(*, gop, question, by, organisation, request=None):
    """The insurer asks the hospital for more information; the clock waits for the answer."""
    if not (question or "").strip():
        raise ValidationFailed(_("Write what the insurer needs."), code="question_required")
    with transaction.atomic():
        gop = _locked(gop)
        _require_insurer(gop, organisation)
        if gop.status not in GuaranteeOfPayment.OPEN:
            raise Conflict(_("This request is no longer waiting for the insurer."), code="gop_not_open")
        gop.status = GuaranteeOfPayment.Status.INFO_REQUESTED
        gop.save(update_fields=["status", "updated_at"])
        _event(gop, GopEvent.Kind.INFO_REQUESTED, actor=by, organisation=organisation, note=question.strip())
        CaseMessage.objects.create(gop=gop, author=by, organisation=organisation, body=question.strip())
        _audit("gop.info_request", actor=by, request=request, organisation=organisation, obj=gop, object_type="gop")
        _tell_hospital(gop, "insurance/messages/gop_info_requested", _gop_link(gop))
    return gop


def gop_info_provide(*, gop, answer, by, reports=(), documents=(), request=None):
    """The hospital answers the insurer's question (with documents); the request waits for the insurer again."""
    if not (answer or "").strip():
        raise ValidationFailed(_("Write the answer for the insurer."), code="answer_required")
    with transaction.atomic():
        gop = _locked(gop)
        if gop.status != GuaranteeOfPayment.Status.INFO_REQUESTED:
            raise Conflict(_("The insurer has not asked for information."), code="gop_no_question")
        gop.status = GuaranteeOfPayment.Status.REQUESTED
        gop.save(update_fields=["status", "updated_at"])
        for report in reports:
            GopAttachment.objects.create(gop=gop, title=str(report), report=report, added_by=by)
        for document in documents:
            GopAttachment.objects.create(gop=gop, title=document.title or document.get_kind_display(),
                                         patient_document=document, added_by=by)
        _event(gop, GopEvent.Kind.INFO_PROVIDED, actor=by, organisation=gop.hospital, note=answer.strip())
        CaseMessage.objects.create(gop=gop, author=by, organisation=gop.hospital, body=answer.strip())
        _audit("gop.info_provide", actor=by, request=request, organisation=gop.hospital, obj=gop, object_type="gop")
        _tell_insurer(gop, "insurance/messages/gop_info_provided", _gop_link(gop))
    return gop


DECISIONS = {"approve": GuaranteeOfPayment.Status.APPROVED,
             "approve_part": GuaranteeOfPayment.Status.PARTIALLY_APPROVED,
             "deny": GuaranteeOfPayment.Status.DENIED}


def gop_decide(*, gop, decision, by, organisation, limit=None, reason="", conditions="", deductible="0",
               coinsurance_rate="0", excluded_codes=(), valid_until=None, insurer_reference="", request=None):
    """The insurer's case manager approves (with a limit and conditions), approves in part, or denies with a reason.

    An approval above the amount requested needs a reason; a partial approval is below it; a denial needs a reason.
    """
    if decision not in DECISIONS:
        raise ValidationFailed(_("Choose approve, approve in part or deny."), code="decision_invalid")
    reason = (reason or "").strip()
    with transaction.atomic():
        gop = _locked(gop)
        _require_insurer(gop, organisation)
        if gop.status != GuaranteeOfPayment.Status.REQUESTED:
            raise Conflict(_("This request is not waiting for a decision."), code="gop_not_open")
        if decision == "deny":
            if not reason:
                raise ValidationFailed(_("Say why the guarantee is denied."), code="reason_required",
                                       details={"reason": "required"})
            gop.approved_limit = ZERO
        else:
            limit = money(limit, field="limit")
            if decision == "approve" and limit > gop.requested_amount and not reason:
                raise ValidationFailed(_("An approval above the amount requested needs a reason."),
                                       code="limit_above_request", details={"limit": "above_request"})
            if decision == "approve_part" and limit >= gop.requested_amount:
                raise ValidationFailed(_("A partial approval is below the amount requested."),
                                       code="partial_not_below", details={"limit": "not_below"})
            gop.approved_limit = limit
            gop.deductible = money(deductible or "0", field="deductible", allow_zero=True)
            gop.coinsurance_rate = _rate(coinsurance_rate or "0", field="coinsurance_rate")
            gop.excluded_codes = [code.strip() for code in excluded_codes if code.strip()]
            gop.valid_until = valid_until or (gop.discharge_date or gop.admission_date) + dt.timedelta(days=30)
        gop.status = DECISIONS[decision]
        gop.decision_reason = reason
        gop.conditions = (conditions or "").strip()
        gop.insurer_reference = (insurer_reference or "").strip()[:80]
        gop.decided_at = timezone.now()
        gop.save()
        _event(gop, GopEvent.Kind(DECISIONS[decision].value), actor=by, organisation=organisation,
               amount=gop.approved_limit, note=reason)
        _audit(f"gop.{decision}", actor=by, request=request, organisation=organisation, obj=gop, object_type="gop",
               details={"limit": str(gop.approved_limit)})
        _tell_hospital(gop, "insurance/messages/gop_decided", _gop_link(gop), status=gop.get_status_display())
        _tell_family(gop.patient, "insurance/messages/gop_decided_family", _gop_link(gop),
                     insurer=gop.payer.name, status=gop.get_status_display())
    return gop


def gop_extension_request(*, gop, additional_amount, reason, by, request=None):
    """Ask the insurer to raise the limit when the stay will cost more than approved."""
    amount = money(additional_amount, field="additional_amount")
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why more is needed."), code="reason_required", details={"reason": "required"})
    with transaction.atomic():
        gop = _locked(gop)
        if not gop_valid(gop):
            raise Conflict(_("Only a valid, approved guarantee can be extended."), code="gop_not_valid")
        if gop.events.filter(kind=GopEvent.Kind.EXTENSION_REQUESTED).count() > gop.events.filter(
                kind__in=[GopEvent.Kind.EXTENSION_APPROVED, GopEvent.Kind.EXTENSION_DENIED]).count():
            raise Conflict(_("An extension is already waiting for the insurer."), code="extension_pending")
        _event(gop, GopEvent.Kind.EXTENSION_REQUESTED, actor=by, organisation=gop.hospital, amount=amount,
               note=reason.strip())
        _audit("gop.extension_request", actor=by, request=request, organisation=gop.hospital, obj=gop,
               object_type="gop", details={"amount": str(amount)})
        _tell_insurer(gop, "insurance/messages/gop_extension_requested", _gop_link(gop), amount=str(amount))
    return gop


def gop_extension_decide(*, gop, approve, by, organisation, amount=None, reason="", request=None):
    """The insurer raises the limit by the amount asked (or less), or refuses the extension with a reason."""
    with transaction.atomic():
        gop = _locked(gop)
        _require_insurer(gop, organisation)
        asked = gop.events.filter(kind=GopEvent.Kind.EXTENSION_REQUESTED).order_by("-id").first()
        answered = gop.events.filter(kind__in=[GopEvent.Kind.EXTENSION_APPROVED,
                                               GopEvent.Kind.EXTENSION_DENIED]).count()
        if asked is None or gop.events.filter(kind=GopEvent.Kind.EXTENSION_REQUESTED).count() <= answered:
            raise Conflict(_("No extension is waiting for a decision."), code="no_extension")
        if approve:
            granted = money(amount if amount is not None else asked.amount, field="amount")
            if granted > asked.amount and not (reason or "").strip():
                raise ValidationFailed(_("An approval above the amount requested needs a reason."),
                                       code="limit_above_request")
            gop.approved_limit += granted
            gop.save(update_fields=["approved_limit", "updated_at"])
            _event(gop, GopEvent.Kind.EXTENSION_APPROVED, actor=by, organisation=organisation, amount=granted,
                   note=(reason or "").strip())
        else:
            if not (reason or "").strip():
                raise ValidationFailed(_("Say why the extension is refused."), code="reason_required")
            _event(gop, GopEvent.Kind.EXTENSION_DENIED, actor=by, organisation=organisation, note=reason.strip())
        _audit("gop.extension_" + ("approve" if approve else "deny"), actor=by, request=request,
               organisation=organisation, obj=gop, object_type="gop", details={"limit": str(gop.approved_limit)})
        _tell_hospital(gop, "insurance/messages/gop_decided", _gop_link(gop), status=gop.get_status_display())
    return gop


def gop_cancel(*, gop, by, reason="", request=None):
    """The hospital withdraws a request (the patient did not come, or chose to pay)."""
    with transaction.atomic():
        gop = _locked(gop)
        if gop.status in (GuaranteeOfPayment.Status.CANCELLED, GuaranteeOfPayment.Status.CLOSED) or gop.claims.exists():
            raise Conflict(_("This guarantee can no longer be cancelled."), code="gop_not_cancellable")
        gop.status = GuaranteeOfPayment.Status.CANCELLED
        gop.save(update_fields=["status", "updated_at"])
        _event(gop, GopEvent.Kind.CANCELLED, actor=by, organisation=gop.hospital, note=(reason or "").strip())
        _audit("gop.cancel", actor=by, request=request, organisation=gop.hospital, obj=gop, object_type="gop")
        _tell_insurer(gop, "insurance/messages/gop_cancelled", _gop_link(gop))
    return gop


def case_message_post(*, gop, body, by, organisation, request=None):
    """Leave a message on a case for the other side (coordinator ↔ case manager)."""
    if not (body or "").strip():
        raise ValidationFailed(_("Write a message."), code="message_required")
    with transaction.atomic():
        message = CaseMessage.objects.create(gop=gop, author=by, organisation=organisation, body=body.strip())
        _audit("gop.message", actor=by, request=request, organisation=organisation, obj=gop, object_type="gop")
        if organisation == gop.hospital:
            _tell_insurer(gop, "insurance/messages/case_message", _gop_link(gop))
        else:
            _tell_hospital(gop, "insurance/messages/case_message", _gop_link(gop))
    return message


# Direct billing and claims --------------------------------------------------------------------------------------

def direct_billing_mark(*, invoice, gop, by, request=None):
    """Mark an invoice as paid by the insurer directly; only under a valid GOP for the same patient and hospital.

    Without one the patient is asked for a deposit instead (409 `gop_required`).
    """
    if gop is None or not gop_valid(gop) or gop.patient_id != invoice.patient_id or gop.hospital_id != invoice.hospital_id:
        raise Conflict(_("Direct billing needs a valid guarantee of payment for this patient. Without one, ask the "
                         "patient for a deposit."), code="gop_required")
    with transaction.atomic():
        try:
            marked = DirectBilling.objects.create(invoice=invoice, gop=gop, marked_by=by)
        except IntegrityError:
            return DirectBilling.objects.get(invoice=invoice)
        _audit("invoice.direct_billing", actor=by, request=request, organisation=invoice.hospital, obj=invoice,
               object_type="invoice", details={"gop": gop.number})
    return marked


def _claim_number(hospital):
    year = timezone.localdate().year
    count = Claim.objects.filter(hospital=hospital, created_at__year=year).count() + 1
    code = "".join(ch for ch in hospital.slug.upper() if ch.isalpha())[:3] or "CLM"
    return f"CLM-{code}-{year}-{count:05d}"


def _split(total, parts):
    """Split `total` over `parts` (amounts) in proportion, to the cent, the last part taking the rounding."""
    whole = sum(parts, ZERO)
    if whole == 0:
        return [ZERO for _ in parts]
    shares, given = [], ZERO
    for index, part in enumerate(parts):
        if index == len(parts) - 1:
            shares.append(total - given)
        else:
            share = (total * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)
            shares.append(share)
            given += share
    return shares


def claim_create(*, invoice, by, policy=None, request=None):
    """Reconcile an issued final invoice against the stay's GOP into a draft claim: insurer's and patient's shares.

    Deductible first, then co-insurance on the rest of what is covered; lines the GOP excludes are the patient's;
    what passes the approved limit (less what earlier claims used) is over the limit and the patient's too. A claim
    without a valid GOP where the agreement needs one, or a second final claim for the same invoice, is refused.
    """
    from carebridge.billing.models import Invoice

    if invoice.kind != Invoice.Kind.INVOICE or invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        raise Conflict(_("Only an issued invoice can be claimed."), code="invoice_not_claimable")
    if Claim.objects.filter(invoice=invoice).exclude(status__in=[Claim.Status.CANCELLED,
                                                                 Claim.Status.REJECTED]).exists():
        raise Conflict(_("This stay has already been claimed."), code="claim_exists")
    direct = DirectBilling.objects.filter(invoice=invoice).select_related("gop__policy", "gop__agreement").first()
    gop = direct.gop if direct else None
    policy = gop.policy if gop else policy
    if policy is None or policy.patient_id != invoice.patient_id or policy.payer_id is None:
        raise ValidationFailed(_("Choose the patient's insurance policy."), code="policy_required")
    agreement = gop.agreement if gop else agreement_for(hospital=invoice.hospital, payer=policy.payer)
    if agreement is None:
        raise Conflict(_("The hospital has no direct billing agreement with this insurer."), code="no_agreement")
    setting = gop.setting if gop else "outpatient"
    needs_gop = (agreement.gop_rule == DirectBillingAgreement.GopRule.ALWAYS
                 or (agreement.gop_rule == DirectBillingAgreement.GopRule.INPATIENT and setting == "inpatient")
                 or (agreement.gop_rule == DirectBillingAgreement.GopRule.ABOVE_AMOUNT
                     and invoice.total > agreement.gop_above_amount))
    if needs_gop and (gop is None or not gop_valid(gop)):
        raise Conflict(_("The agreement with this insurer needs a valid guarantee of payment before a claim."),
                       code="claim_needs_gop")
    lines = list(invoice.lines.all())
    credited = invoice.credit_notes.aggregate(s=Sum("total"))["s"] or ZERO
    excluded = set(gop.excluded_codes) if gop else set()
    covered_lines = [line for line in lines if line.code not in excluded]
    not_covered = sum((line.amount for line in lines if line.code in excluded), ZERO)
    tax_factor = (invoice.total / invoice.subtotal) if invoice.subtotal else Decimal(1)
    claimed = invoice.total - credited
    covered = max(ZERO, (sum((line.amount for line in covered_lines), ZERO) * tax_factor).quantize(CENT)
                  - credited)
    not_covered = claimed - covered
    deductible = min(gop.deductible if gop else ZERO, covered)
    coinsurance = ((covered - deductible) * (gop.coinsurance_rate if gop else Decimal(0))).quantize(
        CENT, rounding=ROUND_HALF_UP)
    insurer = covered - deductible - coinsurance
    over_limit = ZERO
    if gop is not None:
        room = max(ZERO, gop.approved_limit - gop_used(gop))
        over_limit = max(ZERO, insurer - room)
        insurer -= over_limit
    with transaction.atomic():
        claim = Claim.objects.create(
            hospital=invoice.hospital, patient=invoice.patient, payer=policy.payer, policy=policy, gop=gop,
            invoice=invoice, number=_claim_number(invoice.hospital), claimed=claimed, deductible=deductible,
            coinsurance=coinsurance, not_covered=not_covered, over_limit=over_limit, insurer_share=insurer,
            patient_share=claimed - insurer, created_by=by)
        insurer_parts = _split(insurer, [line.amount for line in covered_lines])
        by_line = dict(zip([line.pk for line in covered_lines], insurer_parts, strict=True))
        rows = []
        for line in lines:
            gross = (line.amount * tax_factor).quantize(CENT, rounding=ROUND_HALF_UP)
            share = by_line.get(line.pk, ZERO)
            rows.append(ClaimLine(claim=claim, invoice_line=line, code=line.code, description=line.description,
                                  amount=gross, covered=line.pk in by_line, insurer_amount=share,
                                  patient_amount=max(ZERO, gross - share)))
        ClaimLine.objects.bulk_create(rows)
        _audit("claim.create", actor=by, request=request, organisation=invoice.hospital, obj=claim,
               object_type="claim", details={"insurer_share": str(insurer), "patient_share": str(claim.patient_share)})
    return claim


def claim_submit(*, claim, by, request=None):
    """Send a draft claim to the insurer."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("hospital", "patient", "payer").get(pk=claim.pk)
        if claim.status != Claim.Status.DRAFT:
            raise Conflict(_("This claim has already been submitted."), code="claim_not_draft")
        claim.status = Claim.Status.SUBMITTED
        claim.submitted_at = timezone.now()
        claim.save(update_fields=["status", "submitted_at", "updated_at"])
        _audit("claim.submit", actor=by, request=request, organisation=claim.hospital, obj=claim, object_type="claim")
        from django.urls import reverse

        _tell(_people_of(case_organisations(claim.payer), [Role.INSURER_CASE_MANAGER]),
              template="insurance/messages/claim_submitted", link=reverse("insurance:claim", args=[claim.public_id]),
              context={"number": claim.number, "hospital": claim.hospital.name})
    return claim


def claim_adjudicate(*, claim, decisions, by, organisation, request=None):
    """Record the insurer's decision per line: {claim line id: (decision, approved amount, reason)}.

    Every line must be decided; an approved amount is at most the insurer's part of the line (denied lines 0), and
    a line approved in part or denied needs a reason.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("hospital", "patient", "payer").get(pk=claim.pk)
        if organisation not in case_organisations(claim.payer):
            raise NotFound()
        if claim.status != Claim.Status.SUBMITTED:
            raise Conflict(_("This claim is not waiting for a decision."), code="claim_not_submitted")
        lines = {line.pk: line for line in claim.lines.all()}
        if set(decisions) != set(lines):
            raise ValidationFailed(_("Decide every line of the claim."), code="lines_undecided")
        approved_total = ZERO
        for line_id, (decision, approved, reason) in decisions.items():
            line = lines[line_id]
            if decision not in (ClaimLine.Decision.APPROVED, ClaimLine.Decision.PARTIAL, ClaimLine.Decision.DENIED):
                raise ValidationFailed(_("Choose approved, approved in part or denied."), code="decision_invalid")
            approved = ZERO if decision == ClaimLine.Decision.DENIED else money(
                approved if approved is not None else line.insurer_amount, field="approved_amount", allow_zero=True)
            if decision == ClaimLine.Decision.APPROVED:
                approved = line.insurer_amount if approved is None else approved
            if approved > line.insurer_amount:
                raise ValidationFailed(_("A line cannot be approved above the insurer's part."),
                                       code="approved_above_share", details={"line": str(line_id)})
            if decision != ClaimLine.Decision.APPROVED and not (reason or "").strip():
                raise ValidationFailed(_("Give the reason for each line approved in part or denied."),
                                       code="reason_required", details={"line": str(line_id)})
            line.decision, line.approved_amount, line.reason = decision, approved, (reason or "").strip()[:300]
            approved_total += approved
        ClaimLine.objects.bulk_update(lines.values(), ["decision", "approved_amount", "reason"])
        claim.approved = approved_total
        claim.status = Claim.Status.ADJUDICATED
        claim.adjudicated_at = timezone.now()
        claim.save(update_fields=["approved", "status", "adjudicated_at", "updated_at"])
        _audit("claim.adjudicate", actor=by, request=request, organisation=organisation, obj=claim,
               object_type="claim", details={"approved": str(approved_total)})
    return claim


def claim_payment_record(*, claim, amount, remittance_reference, by, request=None):
    """Match the insurer's remittance to a claim: post it on the invoice, and tell the family what is left to pay."""
    from carebridge.billing.selectors import invoice_balance
    from carebridge.billing.services import payment_record

    amount = money(amount, field="amount")
    if not (remittance_reference or "").strip():
        raise ValidationFailed(_("Give the insurer's remittance reference."), code="reference_required")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("hospital", "patient", "payer", "invoice").get(
            pk=claim.pk)
        if claim.status not in (Claim.Status.ADJUDICATED, Claim.Status.PARTIALLY_PAID):
            raise Conflict(_("Record the insurer's payment once the claim is decided."), code="claim_not_adjudicated")
        existing = ClaimPayment.objects.filter(claim=claim, remittance_reference=remittance_reference.strip()).first()
        if existing:
            return claim
        if claim.paid + amount > claim.approved:
            raise ValidationFailed(_("The insurer cannot pay more than it approved (%(amount)s CNY).")
                                   % {"amount": claim.approved - claim.paid}, code="payment_above_approved")
        payment = payment_record(hospital=claim.hospital, patient=claim.patient, invoice=claim.invoice,
                                 channel="insurer", provider=claim.payer.slug, amount=amount, currency="CNY",
                                 reference=remittance_reference.strip(), payer_name=claim.payer.name,
                                 received_by=by, request=request)
        ClaimPayment.objects.create(claim=claim, payment=payment, remittance_reference=remittance_reference.strip())
        claim.paid += amount
        claim.status = Claim.Status.PAID if claim.paid >= claim.approved else Claim.Status.PARTIALLY_PAID
        claim.save(update_fields=["paid", "status", "updated_at"])
        if claim.gop_id and claim.status == Claim.Status.PAID:
            GuaranteeOfPayment.objects.filter(pk=claim.gop_id).update(status=GuaranteeOfPayment.Status.CLOSED)
        _audit("claim.payment", actor=by, request=request, organisation=claim.hospital, obj=claim,
               object_type="claim", details={"amount": str(amount), "reference": remittance_reference})
        due = invoice_balance(claim.invoice)
        if due > 0:
            from django.urls import reverse

            _tell_family(claim.patient, "insurance/messages/patient_share_due",
                         reverse("billing:portal_invoice", args=[claim.invoice.public_id]),
                         insurer=claim.payer.name, amount=str(due), number=claim.invoice.number)
    return claim
