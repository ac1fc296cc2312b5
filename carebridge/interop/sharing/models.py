"""Share links (SMART Health Links style) and the log of every access to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.core.models import BaseModel


class ShareLink(BaseModel):
    """A time-limited, revocable link that gives whoever holds it read access to a patient's IPS and chosen documents.

    `token` names the link in its URL (the manifest id); `key_encrypted` holds the SHL key (32 random bytes,
    base64url) that encrypts the files, encrypted at rest. A passcode is stored only as a hash.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="share_links",
                                verbose_name=_("patient"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    label = models.CharField(_("label"), max_length=80)
    token = models.CharField(max_length=64, unique=True, editable=False)
    key_encrypted = models.TextField(editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    passcode_hash = models.CharField(max_length=200, blank=True, editable=False)
    failed_attempts = models.PositiveSmallIntegerField(_("wrong passcodes"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    document_ids = models.JSONField(_("documents"), default=list, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at"]

    def __str__(self):
        return self.label

    @property
    def has_passcode(self):
        return bool(self.passcode_hash)

    def state(self, now=None):
        """Return 'active', 'revoked', 'locked' or 'expired'."""
        if self.revoked_at is not None:
            return "revoked"
        if self.locked_at is not None:
            return "locked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"


class ShareLinkAccess(models.Model):
    """One use of a share link: who said they were, from where, when, what, and whether it was given."""

    class Channel(models.TextChoices):
        PAGE = "page", _("web page")
        MANIFEST = "manifest", _("manifest (health app)")
        FILE = "file", _("file (health app)")
        DOCUMENT = "document", _("document download")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("access given")
        WRONG_PASSCODE = "wrong_passcode", _("wrong passcode")
        REFUSED = "refused", _("refused (link not active)")

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="accesses")
    occurred_at = models.DateTimeField(_("time opened"), auto_now_add=True, db_index=True)
    channel = models.CharField(_("how it was opened"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or app"), max_length=300, blank=True)
    what = models.CharField(_("what was opened"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.channel} {self.outcome} {self.recipient}"
