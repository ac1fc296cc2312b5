"""Direct billing with insurers (商保直付): the payer directory, agreements, guarantees of payment, claims.

A guarantee of payment (GOP) is the insurer's promise to pay the hospital for a stay up to a limit; the hospital
asks for it before admission, the insurer's case manager decides in their own portal. After discharge the final
invoice becomes a claim, adjudicated line by line; the insurer's payment is matched to it and the patient pays the
rest (deductible, co-insurance, what the plan does not cover, what is over the limit).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class PayerKind(models.TextChoices):
    INSURER = "insurer", _("Insurer")
    TPA = "tpa", _("Third-party administrator")
    ASSISTANCE = "assistance", _("Assistance company")


class ClaimChannel(models.TextChoices):
    PORTAL = "portal", _("CareBridge insurer portal")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")


class PayerProfile(models.Model):
    """What the directory knows of an insurer, a TPA or an assistance company: contacts and how claims reach it."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE,
                                        related_name="payer_profile")
    kind = models.CharField(_("kind"), max_length=12, choices=PayerKind.choices, default=PayerKind.INSURER)
    administered_by = models.ForeignKey("accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("cases handled by"),
                                        help_text=_("The TPA or assistance company that works this insurer's cases."))
    claim_channel = models.CharField(_("claims are sent by"), max_length=10, choices=ClaimChannel.choices,
                                     default=ClaimChannel.PORTAL)
    claims_email = models.EmailField(_("claims e-mail"), blank=True)
    phone_24h = models.CharField(_("24-hour assistance phone"), max_length=40, blank=True)
    contacts = models.JSONField(_("contacts"), default=list, blank=True,
                                help_text=_('[{"name": "...", "role": "...", "email": "...", "phone": "..."}]'))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("payer")

    def __str__(self):
        return str(self.organisation)


class DirectBillingAgreement(BaseModel):
    """A hospital's contract with a payer: which plans and settings it pays directly, GOP rules, terms, discount."""

    class GopRule(models.TextChoices):
        ALWAYS = "always", _("Always")
        INPATIENT = "inpatient", _("For inpatient stays")
        ABOVE_AMOUNT = "above_amount", _("Above an amount")
        NEVER = "never", _("Never")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="agreements")
    plans = models.JSONField(_("plans covered"), default=list, blank=True,
                             help_text=_("Plan names as on the member's card; empty means every plan."))
    covers_inpatient = models.BooleanField(_("inpatient"), default=True)
    covers_outpatient = models.BooleanField(_("outpatient"), default=False)
    gop_rule = models.CharField(_("guarantee of payment needed"), max_length=14, choices=GopRule.choices,
                                default=GopRule.INPATIENT)
    gop_above_amount = money_field(_("GOP needed above (CNY)"), default=ZERO)
    gop_lead_hours = models.PositiveSmallIntegerField(_("request at least (hours before admission)"), default=48)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    discount_rate = models.DecimalField(_("discount"), max_digits=5, decimal_places=4, default=Decimal("0"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("direct billing agreement")
        constraints = [models.CheckConstraint(condition=Q(discount_rate__gte=0) & Q(discount_rate__lt=1),
                                              name="agreement_discount_range")]

    def __str__(self):
        return f"{self.hospital} – {self.payer}"


class EligibilityCheck(BaseModel):
    """Whether direct billing applies to a policy at a hospital for a setting, with the reasons, as answered then."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="eligibility_checks")
    policy = models.ForeignKey("patients.InsurancePolicy", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(DirectBillingAgreement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    setting = models.CharField(max_length=10)
    service_date = models.DateField()
    direct_billing = models.BooleanField()
    gop_required = models.BooleanField()
    reasons = models.JSONField(default=list, help_text="Stable codes: policy_expired, no_agreement, ...")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.policy_id} {self.setting} {self.direct_billing}"


class GuaranteeOfPayment(BaseModel):
    """A GOP case: the hospital's request, the insurer's decisions, extensions, until the stay is claimed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REQUESTED = "requested", _("Waiting for the insurer")
        INFO_REQUESTED = "info_requested", _("Insurer asked for information")
        APPROVED = "approved", _("Approved")
        PARTIALLY_APPROVED = "partially_approved", _("Approved in part")
        DENIED = "denied", _("Denied")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed")

    VALID = (Status.APPROVED, Status.PARTIALLY_APPROVED)
    OPEN = (Status.REQUESTED, Status.INFO_REQUESTED)

    class Setting(models.TextChoices):
        INPATIENT = "inpatient", _("Inpatient")
        OUTPATIENT = "outpatient", _("Outpatient")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="guarantees")
    policy = models.ForeignKey("patients.InsurancePolicy", on_delete=models.PROTECT, related_name="guarantees")
    payer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="guarantees",
                              verbose_name=_("insurer"))
    agreement = models.ForeignKey(DirectBillingAgreement, on_delete=models.PROTECT, related_name="guarantees")
    estimate = models.ForeignKey("billing.CostEstimate", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    number = models.CharField(_("number"), max_length=40)
    insurer_reference = models.CharField(_("insurer's reference"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    setting = models.CharField(_("setting"), max_length=10, choices=Setting.choices, default=Setting.INPATIENT)
    admission_date = models.DateField(_("admission date"))
    discharge_date = models.DateField(_("expected discharge"), null=True, blank=True)
    diagnoses = models.JSONField(_("diagnoses"), default=list, help_text=_('[{"code": "J18.9", "display": "..."}]'))
    treatment_plan = models.TextField(_("treatment plan"))
    requested_amount = money_field(_("amount requested (CNY)"))
    approved_limit = money_field(_("approved limit (CNY)"), default=ZERO)
    conditions = models.TextField(_("conditions"), blank=True)
    deductible = money_field(_("deductible (CNY)"), default=ZERO)
    coinsurance_rate = models.DecimalField(_("patient's co-insurance"), max_digits=5, decimal_places=4,
                                           default=Decimal("0"))
    excluded_codes = models.JSONField(_("services not covered"), default=list, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    respond_by = models.DateTimeField(_("answer needed by"), null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateField(_("guarantee valid until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("guarantee of payment")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "number"], name="gop_number_unique"),
            models.CheckConstraint(condition=Q(requested_amount__gt=0), name="gop_requested_positive"),
            models.CheckConstraint(condition=Q(approved_limit__gte=0), name="gop_limit_not_negative"),
        ]

    def __str__(self):
        return self.number


class GopEvent(models.Model):
    """One step of a GOP case, in order: requested, information asked and given, decisions, extensions."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        INFO_REQUESTED = "info_requested", _("Information asked")
        INFO_PROVIDED = "info_provided", _("Information given")
        APPROVED = "approved", _("Approved")
        PARTIALLY_APPROVED = "partially_approved", _("Approved in part")
        DENIED = "denied", _("Denied")
        EXTENSION_REQUESTED = "extension_requested", _("Extension asked")
        EXTENSION_APPROVED = "extension_approved", _("Extension approved")
        EXTENSION_DENIED = "extension_denied", _("Extension denied")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDER = "reminder", _("Reminder sent")

    gop = models.ForeignKey(GuaranteeOfPayment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                              blank=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    amount = money_field(_("amount (CNY)"), null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.gop_id} {self.kind}"


class GopAttachment(models.Model):
    """A document sent with a GOP request: a medical report, the cost estimate, a passport copy."""

    gop = models.ForeignKey(GuaranteeOfPayment, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    patient_document = models.ForeignKey("patients.PatientDocument", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    report = models.ForeignKey("clinical.DiagnosticReport", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title


class CaseMessage(models.Model):
    """A message between the hospital's coordinator and the insurer's case manager about a GOP or a claim."""

    gop = models.ForeignKey(GuaranteeOfPayment, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.gop_id}: {self.body[:40]}"


class Claim(BaseModel):
    """The final invoice of a stay sent to the insurer, reconciled against the GOP and adjudicated line by line."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ADJUDICATED = "adjudicated", _("Decided")
        PARTIALLY_PAID = "partially_paid", _("Paid in part")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="claims")
    payer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="claims")
    policy = models.ForeignKey("patients.InsurancePolicy", on_delete=models.PROTECT, related_name="claims")
    gop = models.ForeignKey(GuaranteeOfPayment, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="claims")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="claims")
    number = models.CharField(_("number"), max_length=40)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    claimed = money_field(_("claimed (CNY)"), default=ZERO)
    deductible = money_field(_("deductible (CNY)"), default=ZERO)
    coinsurance = money_field(_("co-insurance (CNY)"), default=ZERO)
    not_covered = money_field(_("not covered (CNY)"), default=ZERO)
    over_limit = money_field(_("over the limit (CNY)"), default=ZERO)
    insurer_share = money_field(_("insurer's share (CNY)"), default=ZERO)
    patient_share = money_field(_("patient's share (CNY)"), default=ZERO)
    approved = money_field(_("approved by the insurer (CNY)"), default=ZERO)
    paid = money_field(_("paid by the insurer (CNY)"), default=ZERO)
    submitted_at = models.DateTimeField(null=True, blank=True)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("claim")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "number"], name="claim_number_unique"),
            # One live final claim per invoice (the stay): a second is refused by the database too.
            models.UniqueConstraint(fields=["invoice"], condition=~Q(status__in=["cancelled", "rejected"]),
                                    name="claim_once_per_invoice"),
        ]

    def __str__(self):
        return self.number


class ClaimLine(models.Model):
    """One invoice line as claimed, with the hospital's split and then the insurer's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided yet")
        APPROVED = "approved", _("Approved")
        PARTIAL = "partial", _("Approved in part")
        DENIED = "denied", _("Denied")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey("billing.InvoiceLine", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=60, blank=True)
    description = models.CharField(max_length=300)
    amount = money_field(_("amount (CNY)"))
    covered = models.BooleanField(default=True)
    insurer_amount = money_field(_("insurer's part (CNY)"), default=ZERO)
    patient_amount = money_field(_("patient's part (CNY)"), default=ZERO)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    approved_amount = money_field(_("approved (CNY)"), default=ZERO)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.description} {self.amount}"


class ClaimPayment(models.Model):
    """The insurer's remittance matched to a claim (the money itself is a billing Payment on the invoice)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    payment = models.OneToOneField("billing.Payment", on_delete=models.PROTECT, related_name="+")
    remittance_reference = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.claim_id}: {self.remittance_reference}"


class DirectBilling(models.Model):
    """An invoice the insurer pays directly under a valid GOP (the patient is not asked to pay up front)."""

    invoice = models.OneToOneField("billing.Invoice", on_delete=models.PROTECT, related_name="direct_billing")
    gop = models.ForeignKey(GuaranteeOfPayment, on_delete=models.PROTECT, related_name="direct_billings")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.invoice_id} under {self.gop_id}"


class ClaimPackSend(models.Model):
    """A claim pack the patient asked us to send to their home insurer (only with their consent)."""

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    address = models.EmailField(blank=True)
    consent = models.ForeignKey("audit.Consent", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.invoice_id} → {self.address or self.payer_id}"
