"""What a hospital offers: departments, services and packages with prices, and exchange rates."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel, TranslatableMixin


class Department(TranslatableMixin, BaseModel):
    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("department")
        constraints = [models.UniqueConstraint(fields=["hospital", "code"], name="department_code_unique")]

    def __str__(self):
        return self.name


class Service(TranslatableMixin, BaseModel):
    """A bookable service; translatable fields: name, description, preparation."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Outpatient consultation")
        INTERNATIONAL_CLINIC = "international_clinic", _("International special clinic")
        IMAGING = "imaging", _("Imaging")
        LAB_PANEL = "lab_panel", _("Laboratory panel")
        CHECKUP_PACKAGE = "checkup_package", _("Health check-up package")
        TCM_PACKAGE = "tcm_package", _("Traditional Chinese medicine package")

    hospital = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="services")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services", null=True,
                                   blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    preparation = models.TextField(_("how to prepare"), blank=True,
                                   help_text=_("Fasting, what to bring, what to wear."))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), validators=[MinValueValidator(5)])
    price = models.DecimalField(_("price (CNY)"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="CNY", editable=False)
    is_active = models.BooleanField(_("offered"), default=True)
    report_target_hours = models.PositiveSmallIntegerField(
        _("report due within (hours)"), default=24,
        help_text=_("From the order to the final report; 8 means the same working day."))

    class Meta:
        verbose_name = _("service")
        constraints = [models.UniqueConstraint(fields=["hospital", "code"], name="service_code_unique")]
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class PackageStation(TranslatableMixin, BaseModel):
    """One stop of a check-up package's day, in its order; areas keep women and men apart where needed."""

    class Area(models.TextChoices):
        GENERAL = "general", _("Shared area")
        FEMALE = "female", _("Women's area")
        MALE = "male", _("Men's area")

    package = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="stations")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(_("station"), max_length=150)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices, default=Area.GENERAL)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), validators=[MinValueValidator(5)])
    # Stations of one area run in parallel lanes; `capacity` people can be at the station at once.
    capacity = models.PositiveSmallIntegerField(_("people at once"), default=1)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["package", "order"], name="station_order_unique")]

    def __str__(self):
        return self.name


class ExchangeRate(models.Model):
    """A reference rate (ECB style): one `base` unit buys `rate` units of `currency`, on `date`."""

    date = models.DateField(_("date"))
    base = models.CharField(max_length=3, default="EUR")
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=40, default="ECB")
    entered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("exchange rate")
        constraints = [
            models.UniqueConstraint(fields=["date", "base", "currency"], name="exchange_rate_unique"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]
        indexes = [models.Index(fields=["currency", "-date"])]

    def __str__(self):
        return f"{self.date} 1 {self.base} = {self.rate} {self.currency}"
