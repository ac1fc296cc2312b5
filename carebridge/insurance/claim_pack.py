"""The claim pack: one PDF a family who paid takes (or sends) to its home insurer for reimbursement.

It holds the itemised invoice with service codes and WHO ICD-10 diagnoses, the medical report (stays and visits,
diagnoses, released examination results, discharge summaries issued), proof of payment, prescriptions and a
pre-filled common claim form; printed in English and the patient's language (Chinese and English for Chinese
readers) by the documents app, with the verification code on every page. Sending it to an insurer needs the
patient's active consent to cross-border transfer; without it nothing is recorded or sent.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carebridge.audit.models import AuditEvent, ConsentKind
from carebridge.audit.services import audit_record
from carebridge.billing import documents as billing_documents
from carebridge.billing.models import Invoice, Payment
from carebridge.core.errors import CareBridgeError, Conflict, ValidationFailed
from carebridge.core.jobs import job_enqueue, job_handler
from carebridge.documents.models import Document
from carebridge.documents.services import canonical_content, document_render_sync, document_request
from carebridge.insurance.models import Claim, ClaimPackSend

KIND = "insurance_claim_pack"
TEMPLATE = "insurance/documents/claim_pack.html"
TITLE = _("Insurance claim pack")
SEND_JOB = "insurance.claim_pack_send"
EMAIL_TEMPLATE = "insurance/messages/claim_pack"
EMAIL_LANGUAGE = "en"  # an insurer's claims department reads English; the pack itself is bilingual

LABELS = {
    "claim_form": _("Claim form"),
    "claim_form_note": _("Filled in by the hospital from its records, for the member's claim to their insurer."),
    "insured": _("Insured person"),
    "member_id": _("Member ID"),
    "policy_number": _("Policy number"),
    "plan": _("Plan"),
    "insurer": _("Insurer"),
    "dates_of_service": _("Dates of service"),
    "diagnosis_codes": _("Diagnosis codes (ICD-10)"),
    "amount_invoiced": _("Amount invoiced"),
    "amount_paid": _("Amount paid by the patient"),
    "currency": _("Currency"),
    "treating_hospital": _("Treating hospital"),
    "no_bank": _("No bank details are printed here: give them to your insurer on its own form if it asks."),
    "certify": _("The hospital certifies that the invoice, payments and medical records in this pack are true "
                 "copies of its records."),
    "medical_report": _("Medical report"),
    "stays": _("Visits and stays"),
    "kind": _("Kind of care"),
    "from": _("From"),
    "to": _("To"),
    "reason": _("Reason"),
    "results": _("Examination results"),
    "examination": _("Examination"),
    "conclusion": _("Conclusion"),
    "discharge_summaries": _("Discharge summaries issued (verify each with its own code)"),
    "verification_code": _("Verification code"),
    "proof_of_payment": _("Proof of payment"),
    "receipt": _("Receipt number"),
    "prescriptions": _("Prescriptions"),
    "medicine": _("Medicine"),
    "dosage": _("How to take it"),
    "prescribed_on": _("Prescribed on"),
    "none": _("None recorded."),
}
ENCOUNTER_KINDS = {"outpatient": _("Outpatient visit"), "inpatient": _("Hospital stay"),
                   "checkup": _("Health check-up")}


class ClaimPackConsentRequired(CareBridgeError):
    code = "cross_border_consent_required"
    status = 403
    default_message = _("We can send your claim pack to an insurer only with your consent to the transfer of your "
                        "information outside mainland China.")


# --- The content ---------------------------------------------------------------------------------------------------


def _label(message, languages):
    return billing_documents._label(message, languages)


def _date(value, languages):
    return billing_documents._date(value, languages)


def policy_for(invoice):
    """Return the policy a pack is claimed under: the claim's, else the patient's policy in force, else any."""
    claim = Claim.objects.filter(invoice=invoice).select_related("policy__payer").order_by("-created_at").first()
    if claim is not None:
        return claim.policy
    from carebridge.patients.models import InsurancePolicy

    policies = list(InsurancePolicy.objects.filter(patient=invoice.patient).select_related("payer")
                    .order_by("-created_at"))
    day = billing_documents._local_date(invoice.issued_at, invoice.hospital)
    in_force = [p for p in policies if (p.valid_from is None or p.valid_from <= day)
                and (p.valid_to is None or p.valid_to >= day)]
    return (in_force or policies or [None])[0]


def _medical(invoice, languages):
    from carebridge.clinical.models import DiagnosticReport, Encounter, MedicationRequest

    hospital, patient = invoice.hospital, invoice.patient
    encounters = Encounter.objects.filter(hospital=hospital, patient=patient).order_by("started_at")
    if invoice.encounter_id:
        encounters = encounters.filter(pk=invoice.encounter_id)
    encounters = list(encounters)
    stays = [{
        "kind": _label(ENCOUNTER_KINDS[e.kind], languages) if e.kind in ENCOUNTER_KINDS else None,
        "from": _date(billing_documents._local_date(e.started_at, hospital), languages),
        "to": _date(billing_documents._local_date(e.ended_at, hospital), languages),
        "reason": e.reason,
    } for e in encounters]
    reports = DiagnosticReport.objects.filter(hospital=hospital, patient=patient,
                                              status__in=DiagnosticReport.RELEASED).order_by("issued_at", "pk")
    results = []
    for report in reports:
        translated = report.translations.filter(status="approved", target_language__in=languages).first()
        results.append({"name": report.display, "date": _date(billing_documents._local_date(
            report.issued_at, hospital), languages), "conclusion": report.conclusion,
            "translated": translated.text if translated is not None and translated.text else ""})
    prescriptions = [{
        "name": m.display, "code": m.code, "dosage": m.dosage, "quantity": m.quantity,
        "date": _date(billing_documents._local_date(m.authored_at, hospital), languages),
    } for m in MedicationRequest.objects.filter(patient=patient, encounter__hospital=hospital)
        .exclude(status="cancelled").order_by("authored_at", "pk")]
    summaries = [{"title": d.title, "code": d.verification_code}
                 for d in Document.objects.filter(issuer=hospital, patient_public_id=patient.public_id,
                                                  kind="discharge_summary", status=Document.Status.READY)
                 .order_by("issued_at")]
    return stays, results, prescriptions, summaries


def _receipts(invoice, languages):
    rows = []
    for allocation in invoice.allocations.select_related("payment").order_by("created_at", "id"):
        payment = allocation.payment
        if payment.channel == Payment.Channel.INSURER:
            continue
        rows.append({
            "receipt": f"R-{str(payment.public_id)[:8].upper()}",
            "date": _date(billing_documents._local_date(payment.received_at, invoice.hospital), languages),
            "channel": _label(Payment.Channel(payment.channel).label, languages),
            "reference": payment.reference,
            "amount": f"{payment.amount} {payment.currency}",
            "amount_cny": str(allocation.amount_cny),
        })
    return rows


def _pair_country(code, languages):
    from carebridge.core import i18n

    return billing_documents._pair(*languages, lambda language: i18n.country_name(code, language=language)) \
        if code else None


def claim_pack_context(invoice, *, policy=None):
    """Return the JSON context of an invoice's claim pack, as the bill and the record stand now."""
    invoice_part = billing_documents.invoice_context(invoice)
    languages = tuple(invoice_part["languages"])
    policy = policy or policy_for(invoice)
    stays, results, prescriptions, summaries = _medical(invoice, languages)
    receipts = _receipts(invoice, languages)
    paid = sum((float(row["amount_cny"]) for row in receipts), 0.0)
    days = sorted({line.service_date for line in invoice.lines.all() if line.service_date})
    hospital = invoice.hospital
    return {
        **invoice_part,
        "kind": KIND,
        "title": _label(TITLE, languages),
        "pack_labels": {key: _label(message, languages) for key, message in LABELS.items()},
        "invoice_title": _label(billing_documents.TITLES[billing_documents.INVOICE], languages),
        "form": {
            "member_id": policy.member_id if policy else "",
            "policy_number": policy.policy_number if policy else "",
            "plan": policy.plan_name if policy else "",
            "insurer": policy.insurer_label if policy else "",
            "first_day": _date(days[0], languages) if days else invoice_part["issued_on"],
            "last_day": _date(days[-1], languages) if days else invoice_part["issued_on"],
            "diagnosis_codes": ", ".join(d["code"] for d in invoice_part["diagnoses"] if d["code"]),
            "amount_invoiced": invoice_part["total"],
            "amount_paid": f"{paid:.2f}",
            "hospital_name": hospital.name,
            "hospital_local": hospital.name_local,
            "hospital_city": hospital.city,
            "hospital_country": _pair_country(hospital.country, languages),
        },
        "stays": stays,
        "results": results,
        "prescriptions": prescriptions,
        "summaries": summaries,
        "receipts": receipts,
    }


def claim_pack_document(*, invoice, requested_by, policy=None, request=None):
    """Return the claim pack PDF of an issued invoice as things stand (the same one again when nothing changed)."""
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED) or invoice.kind != Invoice.Kind.INVOICE:
        raise Conflict(_("A claim pack is made from an issued invoice."), code="claim_pack_invoice_not_issued")
    context = claim_pack_context(invoice, policy=policy)
    languages = context["languages"]
    with translation.override("en"):
        title = f"{TITLE} {invoice.number}"
    canonical = canonical_content(kind=KIND, title=title, languages=languages, context=context)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    existing = (Document.objects.filter(kind=KIND, issuer=invoice.hospital, content_sha256=digest)
                .exclude(status=Document.Status.FAILED).order_by("-issued_at").first())
    if existing is not None:
        return existing
    return document_request(kind=KIND, title=title, issuer=invoice.hospital,
                            patient_public_id=invoice.patient.public_id, template=TEMPLATE, context=context,
                            languages=languages, issued_by=requested_by, request=request)


def claim_pack_read_audit(*, document, user, request=None):
    """Record that a person downloaded a claim pack."""
    audit_record(action="document.read", actor=user, request=request, organisation=document.issuer,
                 object_type="document", object_id=document.public_id, patient_public_id=document.patient_public_id,
                 purpose="insurance-claim-pack", details={"kind": document.kind})


# --- Sending -------------------------------------------------------------------------------------------------------


def cross_border_consent(patient):
    """Return the patient's active consent to cross-border transfer, or None."""
    from carebridge.audit.models import Consent

    return (Consent.objects.filter(subject_public_id=patient.public_id, kind=ConsentKind.CROSS_BORDER_TRANSFER,
                                   withdrawn_at__isnull=True).order_by("-given_at").first())


def default_address(invoice, policy=None):
    """Return (payer, claims e-mail) of the insurer of the pack's policy, as the directory knows them."""
    policy = policy or policy_for(invoice)
    payer = policy.payer if policy is not None and policy.payer_id else None
    profile = getattr(payer, "payer_profile", None) if payer is not None else None
    return payer, (profile.claims_email if profile is not None else "")


def claim_pack_send(*, invoice, requested_by, address="", request=None):
    """Send the claim pack to the insurer's claims e-mail (or the address given), only with the patient's consent.

    Without an active cross-border transfer consent nothing is recorded or sent (the refusal is audited).
    """
    patient = invoice.patient
    consent = cross_border_consent(patient)
    if consent is None:
        audit_record(action="claim_pack.refused", actor=requested_by, request=request,
                     organisation=invoice.hospital, object_type="invoice", object_id=invoice.public_id,
                     patient_public_id=patient.public_id, purpose="insurance-claim-pack",
                     outcome=AuditEvent.Outcome.DENIED, details={"reason": "no_cross_border_consent"})
        raise ClaimPackConsentRequired(details={"kind": ConsentKind.CROSS_BORDER_TRANSFER.value})
    payer, claims_email = default_address(invoice)
    address = (address or "").strip() or claims_email
    if not address:
        raise ValidationFailed(_("Give the e-mail address of your insurer's claims department."),
                               code="claim_pack_address_missing", details={"address": "required"})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(_("Give the e-mail address of your insurer's claims department."),
                               code="claim_pack_address_invalid", details={"address": "invalid"}) from None
    with transaction.atomic():
        document = claim_pack_document(invoice=invoice, requested_by=requested_by, request=request)
        send = ClaimPackSend.objects.create(invoice=invoice, payer=payer, address=address, consent=consent,
                                            requested_by=requested_by)
        audit_record(action="claim_pack.sent", actor=requested_by, request=request, organisation=invoice.hospital,
                     object_type="claim_pack_send", object_id=send.pk, patient_public_id=patient.public_id,
                     purpose="insurance-claim-pack",
                     details={"address": address, "payer": str(payer.public_id) if payer else "",
                              "document": str(document.public_id), "consent": str(consent.public_id)})
        job_enqueue(name=SEND_JOB, send_id=send.pk, document_id=document.pk)
    return send


@job_handler(SEND_JOB)
def claim_pack_deliver(*, send_id, document_id):
    """Render the pack if needed and e-mail it as a PDF attachment, once (a re-run after success sends nothing)."""
    send = ClaimPackSend.objects.select_related("invoice__hospital", "invoice__patient").filter(pk=send_id).first()
    if send is None:
        return
    if AuditEvent.objects.filter(action="claim_pack.emailed", object_type="claim_pack_send",
                                 object_id=str(send.pk)).exists():
        return
    document = document_render_sync(document_id=document_id)
    invoice = send.invoice
    context = {"invoice_number": invoice.number, "hospital": invoice.hospital.name,
               "patient": " ".join(part for part in [invoice.patient.family_name.upper(),
                                                     invoice.patient.given_names] if part),
               "verification_code": document.verification_code}
    with translation.override(EMAIL_LANGUAGE):
        subject = render_to_string(f"{EMAIL_TEMPLATE}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"{EMAIL_TEMPLATE}_body.txt", context)
    message = EmailMessage(subject, body, None, [send.address])
    with document.file.open("rb") as pdf:
        message.attach(f"claim-pack-{invoice.number}.pdf", pdf.read(), "application/pdf")
    message.send()
    audit_record(action="claim_pack.emailed", organisation=invoice.hospital, object_type="claim_pack_send",
                 object_id=send.pk, patient_public_id=invoice.patient.public_id, purpose="insurance-claim-pack",
                 details={"address": send.address, "document": str(document.public_id)})
