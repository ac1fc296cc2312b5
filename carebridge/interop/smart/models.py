"""SMART on FHIR authorisation: registered clients (hospital systems and public patient apps), issued access tokens
and authorisation codes (hashed), used assertion ids."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class SmartClient(BaseModel):
    """A hospital's system asking for tokens with client credentials (a secret or a signed JWT), or a public patient
    app the hospital registered, which a patient or guardian authorises (authorisation code with PKCE, no secret)."""

    class Auth(models.TextChoices):
        PRIVATE_KEY_JWT = "private_key_jwt", _("Signed JWT with a registered public key (SMART Backend Services)")
        CLIENT_SECRET = "client_secret", _("Client secret")
        PUBLIC = "none", _("Patient app (public client: sign-in, consent and PKCE, no secret)")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="smart_clients", verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=100)
    client_id = models.CharField(_("client id"), max_length=64, unique=True, editable=False)
    auth_method = models.CharField(_("authentication"), max_length=20, choices=Auth.choices)
    # A password hash (Django's hasher, Argon2 here) of the secret; the secret itself is shown once.
    secret_hash = models.CharField(max_length=200, blank=True, editable=False)
    jwks = models.JSONField(_("public keys (JWKS)"), default=dict, blank=True)
    allowed_scopes = models.JSONField(_("allowed scopes"), default=list)
    # A public app's exact redirect URIs (SMART App Launch); none for a system.
    redirect_uris = models.JSONField(_("redirect URIs"), default=list, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                      related_name="+", verbose_name=_("registered by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("system client")
        verbose_name_plural = _("system clients")

    def __str__(self):
        return f"{self.name} ({self.client_id})"

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def is_public(self):
        return self.auth_method == self.Auth.PUBLIC


class SmartToken(BaseModel):
    """An access token: a system's (client credentials) or one patient's app's; only its SHA-256 is stored."""

    class Kind(models.TextChoices):
        SYSTEM = "system", _("System")
        PATIENT = "patient", _("Patient app")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("patient"))
    # For a patient app: the patient or guardian who authorised it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    name = models.CharField(_("app"), max_length=100, blank=True)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        indexes = [models.Index(fields=["user", "revoked_at"]), models.Index(fields=["client", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="system", client__isnull=False, organisation__isnull=False)
                           | models.Q(kind="patient", patient__isnull=False, user__isnull=False)),
                name="smart_token_kind_fields"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.prefix}…"

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class ClientAssertionUse(models.Model):
    """A `jti` of a client assertion already used, kept until the assertion expires (replay protection)."""

    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="smart_assertion_jti_once")]

    def __str__(self):
        return f"{self.jti} until {self.expires_at:%Y-%m-%d %H:%M}"


class AuthorizationCode(BaseModel):
    """A one-time authorisation code (SMART App Launch): bound to its client, redirect URI and PKCE challenge."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=2000)
    scopes = models.JSONField(default=list)
    # The S256 challenge: BASE64URL(SHA256(code_verifier)), without padding.
    code_challenge = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The token the code was exchanged for, revoked should the code be presented again (RFC 6749 4.1.2).
    token = models.ForeignKey(SmartToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self):
        return f"code for {self.client_id} until {self.expires_at:%H:%M:%S}"
