"""Users (signing in by e-mail), organisations, memberships with roles, and API tokens."""

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    GUARDIAN = "guardian", _("Guardian")
    COORDINATOR = "coordinator", _("Coordinator")
    CLINICIAN = "clinician", _("Clinician")
    INTERPRETER = "interpreter", _("Interpreter")
    CASHIER = "cashier", _("Cashier")
    INSURER_CASE_MANAGER = "insurer_case_manager", _("Insurer case manager")
    AGENCY_AGENT = "agency_agent", _("Agency agent")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


PORTAL_ROLES = frozenset({Role.PATIENT, Role.GUARDIAN})
STAFF_ROLES = frozenset(set(Role) - PORTAL_ROLES)


class OrganisationKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    INSURER = "insurer", _("Insurer")
    AGENCY = "agency", _("Travel agency")
    PLATFORM = "platform", _("Platform")


# Which roles a member of each kind of organisation may hold.
ROLES_BY_KIND = {
    OrganisationKind.HOSPITAL: {
        Role.COORDINATOR, Role.CLINICIAN, Role.INTERPRETER, Role.CASHIER, Role.MANAGER, Role.ADMIN,
    },
    OrganisationKind.INSURER: {Role.INSURER_CASE_MANAGER, Role.MANAGER, Role.ADMIN},
    OrganisationKind.AGENCY: {Role.AGENCY_AGENT, Role.MANAGER, Role.ADMIN},
    OrganisationKind.PLATFORM: {Role.PATIENT, Role.GUARDIAN, Role.ADMIN, Role.INTERPRETER},
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organisation(BaseModel):
    """A hospital, an insurer, a travel agency, or the platform operator itself."""

    name = models.CharField(_("name"), max_length=200)
    name_local = models.CharField(_("name in the local language"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    default_currency = models.CharField(_("default currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(BaseModel):
    """A user's role in an organisation; one user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def is_staff_role(self):
        return self.role in STAFF_ROLES


class ApiToken(BaseModel):
    """A bearer token for an organisation's system; only its SHA-256 digest is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("created by")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self):
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
