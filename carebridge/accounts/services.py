"""Writes for accounts: sign-up, e-mail verification, preferences, organisations, memberships, API tokens."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import (
    ROLES_BY_KIND,
    ApiToken,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from carebridge.accounts.signals import account_event, account_signed_up
from carebridge.accounts.tokens import email_verification_read, email_verification_token
from carebridge.core import i18n
from carebridge.core.errors import Conflict, NotFound, ValidationFailed
from carebridge.notifications.services import email_send

User = get_user_model()
TOKEN_PREFIX = "cb_"


def platform_organisation():
    """Return the platform operator's organisation, to which portal users belong."""
    org, _created = Organisation.objects.get_or_create(
        slug="carebridge",
        defaults={"name": "CareBridge", "kind": OrganisationKind.PLATFORM, "country": "CN"},
    )
    return org


def _check_preferences(language, time_zone):
    errors = {}
    if language not in i18n.LANGUAGE_CODES:
        errors["language"] = [str(_("Choose one of the offered languages."))]
    if not i18n.valid_time_zone(time_zone):
        errors["time_zone"] = [str(_("Choose a time zone from the list."))]
    if errors:
        raise ValidationFailed(details=errors)


def patient_sign_up(
    *, email, password, full_name, language, time_zone, consents, request=None, verify_url_base=""
):
    """Create a portal account, unverified, with the consents agreed to; e-mail the confirmation link after commit."""
    email = User.objects.normalize_email(email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(details={"email": [str(_("Enter a valid e-mail address."))]}) from exc
    _check_preferences(language, time_zone)
    if "personal_data" not in consents:
        raise ValidationFailed(details={"consent_personal_data": [str(_("This consent is needed to open an account."))]})
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationFailed(details={"password": list(exc.messages)}) from exc
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name, language=language, time_zone=time_zone
            )
            Membership.objects.create(user=user, organisation=platform_organisation(), role=Role.PATIENT)
            account_signed_up.send(sender=patient_sign_up, user=user, request=request, consents=list(consents),
                                   language=language)
            email_verification_send(user=user, verify_url_base=verify_url_base)
    except IntegrityError as exc:
        if not User.objects.filter(email=email).exists():
            raise
        raise Conflict(_("An account with this e-mail address already exists."), code="email_taken") from exc
    account_event.send(sender=patient_sign_up, user=user, request=request, action="account.signed_up")
    return user


def email_verification_send(*, user, verify_url_base=""):
    """Queue an e-mail with a link that confirms the user's address."""
    path = reverse("accounts:email_verify", args=[email_verification_token(user)])
    email_send(user=user, template="accounts/email/verify", context={"url": verify_url_base + path})


def email_verify(*, token, request=None):
    """Mark the address in a valid token as verified; return the user."""
    read = email_verification_read(token)
    user = User.objects.filter(public_id=read[0], email=read[1]).first() if read else None
    if user is None:
        raise ValidationFailed(
            _("This confirmation link is not valid or has expired. Sign in to get a new one."),
            code="verification_link_invalid",
        )
    if user.email_verified_at is None:
        User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
        user.refresh_from_db()
        account_event.send(sender=email_verify, user=user, request=request, action="account.email_verified")
    return user


def user_preferences_update(*, user, language, time_zone, full_name=None, request=None):
    """Change a user's language, time zone and (optionally) display name."""
    _check_preferences(language, time_zone)
    user.language = language
    user.time_zone = time_zone
    fields = ["language", "time_zone"]
    if full_name is not None:
        user.full_name = full_name.strip()[:200]
        fields.append("full_name")
    user.save(update_fields=fields)
    account_event.send(sender=user_preferences_update, user=user, request=request, action="account.preferences_changed",
                       details={"language": language, "time_zone": time_zone})
    return user


def organisation_create(*, name, slug, kind, country, time_zone, default_currency, city="", name_local=""):
    """Create an organisation after checking its country, time zone and currency codes."""
    errors = {}
    if kind not in OrganisationKind.values:
        errors["kind"] = [str(_("Unknown kind of organisation."))]
    if not i18n.valid_country(country):
        errors["country"] = [str(_("Enter an ISO 3166-1 country code such as CN or MN."))]
    if not i18n.valid_time_zone(time_zone):
        errors["time_zone"] = [str(_("Choose a time zone from the list."))]
    if not i18n.valid_currency(default_currency):
        errors["default_currency"] = [str(_("Enter an ISO 4217 currency code such as CNY."))]
    if errors:
        raise ValidationFailed(details=errors)
    return Organisation.objects.create(
        name=name, slug=slug, kind=kind, country=country.upper(), time_zone=time_zone,
        default_currency=default_currency.upper(), city=city, name_local=name_local,
    )


def membership_grant(*, user, organisation, role):
    """Give a user a role in an organisation, if that kind of organisation has such a role."""
    if role not in ROLES_BY_KIND[OrganisationKind(organisation.kind)]:
        raise ValidationFailed(_("This role does not exist in this kind of organisation."), code="role_not_allowed")
    membership, _created = Membership.objects.update_or_create(
        user=user, organisation=organisation, role=role, defaults={"is_active": True}
    )
    return membership


def api_token_create(*, organisation, name, scopes, created_by, expires_at=None):
    """Create a bearer token; return (token, raw secret). The secret is shown once and never stored."""
    from carebridge.accounts.scopes import SCOPES

    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationFailed(_("Choose at least one known scope."), code="invalid_scope", details={"scopes": unknown})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        prefix=raw[:10],
        digest=hashlib.sha256(raw.encode()).hexdigest(),
        scopes=sorted(set(scopes)),
        created_by=created_by,
        expires_at=expires_at,
    )
    account_event.send(sender=api_token_create, user=created_by, request=None, action="api_token.created",
                       details={"token": str(token.public_id), "scopes": token.scopes})
    return token, raw


def api_token_revoke(*, token, revoked_by):
    """Revoke a token at once; requests bearing it are refused from now on."""
    if token.revoked_at is not None:
        raise NotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    account_event.send(sender=api_token_revoke, user=revoked_by, request=None, action="api_token.revoked",
                       details={"token": str(token.public_id)})
    return token


def api_token_authenticate(raw):
    """Return the usable token for a raw bearer secret, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("organisation").filter(
        digest=hashlib.sha256(raw.encode()).hexdigest()
    ).first()
    if token is None or not token.is_usable:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
