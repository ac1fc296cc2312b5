"""The first-visit record: identity, contacts, guardians, documents, insurance, record numbers, duplicates."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core import crypto
from carebridge.core.models import BaseModel


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class BloodGroup(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    AB = "AB", "AB"
    O = "O", "O"  # noqa: E741 - the blood group's name
    UNKNOWN = "", _("Not known")


class RhFactor(models.TextChoices):
    POSITIVE = "positive", _("Rh positive")
    NEGATIVE = "negative", _("Rh negative")
    UNKNOWN = "", _("Not known")


class MessagingApp(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    WECHAT = "wechat", "WeChat"
    TELEGRAM = "telegram", "Telegram"
    LINE = "line", "LINE"
    KAKAOTALK = "kakaotalk", "KakaoTalk"


class Patient(BaseModel):
    """A person cared for on the platform: one identity, shared by every hospital that treats them."""

    family_name = models.CharField(_("surname (as on the passport)"), max_length=100)
    given_names = models.CharField(_("given names (as on the passport)"), max_length=150, blank=True)
    native_name = models.CharField(_("name in your own script"), max_length=200, blank=True)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"))
    nationality = models.CharField(_("nationality"), max_length=2, blank=True, help_text=_("ISO 3166-1 code"))
    preferred_language = models.CharField(_("preferred language"), max_length=35, default="en")
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    home_time_zone = models.CharField(_("home time zone"), max_length=64, default="Asia/Shanghai")
    phone = models.CharField(_("phone (international format)"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    address_country = models.CharField(_("country"), max_length=2, blank=True)
    address_lines = models.TextField(_("address"), blank=True)
    address_city = models.CharField(_("city"), max_length=100, blank=True)
    address_region = models.CharField(_("region or province"), max_length=100, blank=True)
    address_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(_("relationship"), max_length=50, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    blood_group = models.CharField(_("blood group"), max_length=2, choices=BloodGroup.choices, blank=True)
    rh_factor = models.CharField(_("Rh factor"), max_length=10, choices=RhFactor.choices, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="patient_record",
        verbose_name=_("own account"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records",
        verbose_name=_("merged into"),
    )
    # Case-folded names in every script, for search (SQLite's LIKE folds ASCII only).
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [models.Index(fields=["date_of_birth"]), models.Index(fields=["family_name"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return " ".join(part for part in [self.given_names, self.family_name] if part) or self.native_name

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.family_name, self.given_names, self.native_name, self.preferred_name]))
        super().save(*args, **kwargs)

    def age_on(self, day):
        years = day.year - self.date_of_birth.year
        return years - ((day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))

    @property
    def is_minor(self):
        return self.age_on(dt.date.today()) < 18  # noqa: DTZ011 - age in whole days; the zone does not matter

    @property
    def missing_fields(self):
        """Name what a complete first-visit record still lacks."""
        required = {
            "nationality": self.nationality, "phone": self.phone, "home_time_zone": self.home_time_zone,
            "emergency_contact_name": self.emergency_contact_name,
            "emergency_contact_phone": self.emergency_contact_phone,
        }
        return [name for name, value in required.items() if not value]


def fold(text):
    """Case-fold text in any script for matching."""
    return " ".join((text or "").casefold().split())


class MessagingHandle(BaseModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="messaging_handles")
    app = models.CharField(_("messaging app"), max_length=20, choices=MessagingApp.choices)
    handle = models.CharField(_("account or number"), max_length=100)

    class Meta:
        verbose_name = _("messaging handle")
        constraints = [models.UniqueConstraint(fields=["patient", "app"], name="messaging_handle_one_per_app")]


class IdentityDocument(BaseModel):
    """A passport or identity card; its number is encrypted and found through a keyed hash."""

    class Kind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        ID_CARD = "id_card", _("Identity card")
        OTHER = "other", _("Other travel document")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents_of_identity")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PASSPORT)
    mrz_format = models.CharField(_("MRZ format"), max_length=3, blank=True)
    issuing_state = models.CharField(_("issuing state"), max_length=3)
    number_encrypted = models.TextField(editable=False)
    number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    expiry_date = models.DateField(_("date of expiry"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        constraints = [
            # The same document number from the same issuer is the same person: link, never duplicate.
            models.UniqueConstraint(fields=["issuing_state", "number_hash"], name="identity_document_unique"),
        ]

    @property
    def number(self):
        return crypto.decrypt(self.number_encrypted)

    def set_number(self, number):
        self.number_encrypted = crypto.encrypt(crypto.normalise_identifier(number))
        self.number_hash = document_number_hash(number)


def document_number_hash(number):
    """Return the searchable keyed hash of a document number."""
    return crypto.search_hash(number, namespace="identity-document")


class Guardianship(BaseModel):
    """A person (with an account) who acts for a patient, usually a parent for a child."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
        SPOUSE = "spouse", _("Spouse or partner")
        OTHER = "other", _("Other relative")

    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guardianships")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="guardianships")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    can_manage = models.BooleanField(_("may manage the record and give consents"), default=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "patient"], condition=models.Q(ended_at__isnull=True),
                                    name="guardianship_one_active"),
        ]


class MedicalRecordNumber(BaseModel):
    """The record number a hospital gives a patient at the first registration there."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="record_numbers")
    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="record_numbers")
    number = models.CharField(_("medical record number"), max_length=30)

    class Meta:
        verbose_name = _("medical record number")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "number"], name="mrn_unique_number"),
            models.UniqueConstraint(fields=["hospital", "patient"], name="mrn_one_per_hospital"),
        ]

    def __str__(self):
        return self.number


class RecordNumberSequence(models.Model):
    """The last record number a hospital issued; locked while the next is taken, so numbers never repeat."""

    hospital = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.hospital_id}: {self.last_value}"


class InsurancePolicy(BaseModel):
    """A health insurance policy the patient holds (payer from the directory or named freely)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="insurance_policies")
    payer = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("insurer"),
    )
    payer_name = models.CharField(_("insurer (if not in the list)"), max_length=200, blank=True)
    member_id = models.CharField(_("member number"), max_length=60)
    policy_number = models.CharField(_("policy number"), max_length=60, blank=True)
    plan_name = models.CharField(_("plan"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    direct_billing_requested = models.BooleanField(_("ask the insurer to pay the hospital directly"), default=True)

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")

    @property
    def insurer_label(self):
        return self.payer.name if self.payer_id else self.payer_name


class PatientDocument(BaseModel):
    """A file the patient or staff uploaded: prior records, insurance card photos."""

    class Kind(models.TextChoices):
        DISCHARGE_SUMMARY = "discharge_summary", _("Discharge summary")
        IMAGING = "imaging", _("Imaging")
        LAB = "lab", _("Laboratory results")
        PRESCRIPTION = "prescription", _("Prescription")
        INSURANCE_CARD = "insurance_card", _("Insurance card")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="uploaded_documents")
    policy = models.ForeignKey(InsurancePolicy, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="card_images")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language of the document"), max_length=35, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(upload_to="patient-documents/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("patient document")
        ordering = ["-created_at"]


class DuplicateCandidate(BaseModel):
    """Two records that look like one person (same name in any script and birth date), for a coordinator to decide."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "other"], name="duplicate_pair_once")]
