"""Money: cost estimates, invoices and credit notes, payments through every channel, deposits, refunds, the ledger.

Amounts are Decimal. Invoices are in CNY; a payment may be made in another currency, and its CNY value is frozen
with the rate at the moment it was agreed. Every movement of money posts a balanced journal entry.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel

HOME_CURRENCY = "CNY"
ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class BillingPolicy(models.Model):
    """A hospital's billing settings: the tax on medical services (0 where they are exempt) and deposits."""

    hospital = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="billing_policy")
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, default=Decimal("0"),
                                   help_text=_("0.06 for 6%. Medical services are exempt from VAT in mainland China."))
    inpatient_deposit = money_field(_("usual inpatient deposit (CNY)"), default=Decimal("10000.00"))

    class Meta:
        verbose_name = _("billing policy")
        constraints = [models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1),
                                              name="billing_policy_tax_rate_range")]

    def __str__(self):
        return str(self.hospital)


class CostEstimate(BaseModel):
    """What a stay or a treatment will probably cost, sent before travel in the patient's language and currency."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="cost_estimates")
    number = models.CharField(_("number"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note to the patient"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(_("valid until"))
    currency = models.CharField(_("patient's currency"), max_length=3, default=HOME_CURRENCY)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Frozen when the estimate is sent: 1 CNY = rate × currency, published on rate_date.
    rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    rate_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)

    class Meta:
        verbose_name = _("cost estimate")
        ordering = ["-created_at"]

    def __str__(self):
        return self.number or self.title


class CostEstimateLine(models.Model):
    """One item of an estimate; `unit_price_high` above `unit_price_low` when the treatment is uncertain."""

    estimate = models.ForeignKey(CostEstimate, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    code = models.CharField(_("code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price_low = money_field(_("unit price, from (CNY)"), validators=[MinValueValidator(ZERO)])
    unit_price_high = money_field(_("unit price, up to (CNY)"), validators=[MinValueValidator(ZERO)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price_low__gte=0) & Q(unit_price_high__gte=models.F("unit_price_low")),
                                   name="estimate_line_range"),
        ]

    def __str__(self):
        return f"{self.description} x{self.quantity}"

    @property
    def total_low(self):
        return self.unit_price_low * self.quantity

    @property
    def total_high(self):
        return self.unit_price_high * self.quantity


class InvoiceSequence(models.Model):
    """The last invoice number a hospital issued in a year; locked while the next is taken, so numbers have no gaps."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "year"], name="invoice_sequence_unique")]

    def __str__(self):
        return f"{self.hospital_id}/{self.year}: {self.last_value}"


class Invoice(BaseModel):
    """An invoice (or a credit note against one) in CNY; once issued it is never edited, only credited."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="invoices")
    encounter = models.ForeignKey("clinical.Encounter", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    credits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes",
                                verbose_name=_("credits invoice"))
    number = models.CharField(_("number"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default=HOME_CURRENCY, editable=False)
    display_currency = models.CharField(_("patient's currency"), max_length=3, default=HOME_CURRENCY)
    # Frozen at issue: 1 CNY = display_rate × display_currency, as published on display_rate_date.
    display_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    display_rate_date = models.DateField(null=True, blank=True)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, default=Decimal("0"))
    subtotal = money_field(_("subtotal"), default=ZERO)
    tax = money_field(_("tax"), default=ZERO)
    total = money_field(_("total"), default=ZERO)
    # ICD-10 diagnoses of the stay, frozen at issue: [{"code": "J44.9", "display": "..."}].
    diagnoses = models.JSONField(_("diagnoses"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True, help_text=_("Why a credit note was issued."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True)

    class Meta:
        verbose_name = _("invoice")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "number"], condition=~Q(number=""),
                                    name="invoice_number_unique"),
            models.CheckConstraint(condition=Q(total__gte=0) & Q(subtotal__gte=0) & Q(tax__gte=0),
                                   name="invoice_amounts_not_negative"),
            models.CheckConstraint(condition=Q(kind="invoice", credits__isnull=True)
                                   | Q(kind="credit_note", credits__isnull=False),
                                   name="credit_note_credits_an_invoice"),
        ]

    def __str__(self):
        return self.number or str(self.public_id)


class InvoiceLine(models.Model):
    """One delivered item: a service, an order, a room night, a package, an extra; `source` says what it bills."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        EXAMINATION = "examination", _("Examination")
        PACKAGE = "package", _("Package")
        ROOM = "room", _("Room")
        EXTRA = "extra", _("Extra")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.OTHER)
    code = models.CharField(_("service code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300)
    service_date = models.DateField(_("date of service"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = money_field(_("unit price (CNY)"), validators=[MinValueValidator(ZERO)])
    amount = money_field(_("amount (CNY)"))
    # "appointment:<uuid>", "order:<uuid>", "room_booking:<uuid>": what was delivered; billed once while not credited.
    source = models.CharField(max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(unit_price__gte=0) & Q(amount__gte=0),
                                              name="invoice_line_not_negative")]

    def __str__(self):
        return f"{self.description} {self.amount}"


class Payment(BaseModel):
    """Money received from a patient (or for one), in any channel and currency; its CNY value is frozen."""

    class Channel(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card at the cashier")
        ONLINE_CARD = "online_card", _("Card online")
        WALLET = "wallet", _("Mobile wallet")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        INSURER = "insurer", _("Insurer")

    class Purpose(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        DEPOSIT = "deposit", _("Deposit")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="payments")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    channel = models.CharField(_("channel"), max_length=14, choices=Channel.choices)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    amount_cny = money_field(_("amount (CNY)"))
    rate = models.DecimalField(max_digits=18, decimal_places=8, default=Decimal(1))
    rate_date = models.DateField(null=True, blank=True)
    # The provider's charge id, the bank's reference, the card slip number: one payment per reference per channel.
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    provider = models.CharField(max_length=30, blank=True)
    intent = models.OneToOneField("billing.PaymentIntent", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="payment")
    received_at = models.DateTimeField(_("received"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount_cny__gt=0), name="payment_positive"),
            models.UniqueConstraint(fields=["channel", "provider", "reference"], condition=~Q(reference=""),
                                    name="payment_reference_once"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} ({self.get_channel_display()})"


class Allocation(models.Model):
    """Part of a payment applied to an invoice (a deposit applied at discharge is one); negative when released."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount_cny = money_field(_("amount (CNY)"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount_cny=0), name="allocation_not_zero")]

    def __str__(self):
        return f"{self.payment_id} -> {self.invoice_id}: {self.amount_cny}"


class Refund(BaseModel):
    """Money given back from a payment's unapplied part, through the channel it came by."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_cny = money_field(_("amount (CNY)"))
    amount = money_field(_("amount"))
    currency = models.CharField(max_length=3)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=120, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_cny__gt=0) & Q(amount__gt=0),
                                              name="refund_positive")]


class WriteOff(models.Model):
    """An amount of an invoice the hospital gives up collecting, with the reason."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    amount_cny = money_field(_("amount (CNY)"))
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_cny__gt=0), name="write_off_positive")]

    def __str__(self):
        return f"{self.invoice_id}: {self.amount_cny}"


class PaymentIntent(BaseModel):
    """An online payment as agreed before any call to the provider, so that a crash at any point loses nothing."""

    class Status(models.TextChoices):
        CREATED = "created", _("Started")
        PENDING = "pending", _("Waiting for the provider")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="payment_intents")
    purpose = models.CharField(max_length=10, choices=Payment.Purpose.choices)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    provider = models.CharField(max_length=30)
    channel = models.CharField(max_length=14, choices=Payment.Channel.choices, default=Payment.Channel.ONLINE_CARD)
    amount = money_field(_("amount"))
    currency = models.CharField(max_length=3)
    amount_cny = money_field(_("amount (CNY)"))
    rate = models.DecimalField(max_digits=18, decimal_places=8, default=Decimal(1))
    rate_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    provider_reference = models.CharField(max_length=120, blank=True)
    checkout_url = models.URLField(max_length=500, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount_cny__gt=0), name="intent_positive"),
            models.UniqueConstraint(fields=["provider", "provider_reference"], condition=~Q(provider_reference=""),
                                    name="intent_provider_reference_once"),
        ]


class WebhookEvent(models.Model):
    """A provider's notification, kept once per event id; processed exactly once, possibly after later ones."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        DEFERRED = "deferred", _("Waiting for an earlier event")
        IGNORED = "ignored", _("Ignored")

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=120)
    kind = models.CharField(max_length=80)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")]

    def __str__(self):
        return f"{self.provider}:{self.event_id} ({self.state})"


class IdempotencyRecord(models.Model):
    """The first answer to a money-creating call with an Idempotency-Key; a retry gets the same answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    operation = models.CharField(max_length=80)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once")]

    def __str__(self):
        return f"{self.operation} {self.key}"


class BankStatement(BaseModel):
    """An imported bank statement (CSV or ISO 20022 camt.053); the same file is imported once."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    account = models.CharField(max_length=60, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "sha256"], name="bank_statement_once")]


class BankStatementLine(models.Model):
    """One credit on the hospital's account, matched to an invoice (and so recorded as a payment) or left for staff."""

    class State(models.TextChoices):
        MATCHED = "matched", _("Matched")
        UNMATCHED = "unmatched", _("Not matched")
        IGNORED = "ignored", _("Ignored")

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    booked_on = models.DateField()
    amount = money_field(_("amount"))
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=200, blank=True)
    bank_reference = models.CharField(max_length=120)
    counterparty = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.UNMATCHED)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    def __str__(self):
        return f"{self.booked_on} {self.amount} {self.currency} {self.reference}"


class LedgerAccount(models.TextChoices):
    """The hospital's chart of accounts, as far as patients' money goes."""

    CASH = "1000", _("Cash")
    CARD_CLEARING = "1010", _("Card terminal clearing")
    ONLINE_CLEARING = "1020", _("Online payments clearing")
    BANK = "1030", _("Bank")
    INSURER_CLEARING = "1040", _("Insurer payments clearing")
    RECEIVABLE = "1200", _("Patients' receivables")
    INSURER_RECEIVABLE = "1210", _("Insurers' receivables")
    PATIENT_CREDIT = "2100", _("Deposits and patients' credit")
    TAX_PAYABLE = "2200", _("Tax payable")
    REVENUE = "4000", _("Medical services revenue")
    WRITE_OFF = "6900", _("Bad debts written off")


class JournalEntry(models.Model):
    """A balanced posting: the sum of its debits equals the sum of its credits (checked when posted)."""

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()
    kind = models.CharField(max_length=30)
    reference = models.CharField(max_length=80)
    memo = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [models.Index(fields=["hospital", "posted_at"])]

    def __str__(self):
        return f"{self.kind} {self.reference}"


class JournalLine(models.Model):
    """A debit or a credit of one account, in CNY."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(max_length=4, choices=LedgerAccount.choices)
    debit = money_field(_("debit"), default=ZERO)
    credit = money_field(_("credit"), default=ZERO)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)), name="journal_line_one_side")]

    def __str__(self):
        return f"{self.account} Dr {self.debit} Cr {self.credit}"

# The sandbox payment provider keeps its own books in this app (carebridge/billing/providers/sandbox_models.py).
from carebridge.billing.providers.sandbox_models import SandboxPayment, SandboxRefund  # noqa: E402, F401
