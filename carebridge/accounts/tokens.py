"""Signed, expiring links for e-mail verification."""

from django.core import signing

EMAIL_VERIFICATION_SALT = "carebridge.accounts.email-verification"
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600


def email_verification_token(user):
    """Return a token that proves control of the user's current e-mail address."""
    return signing.dumps({"u": str(user.public_id), "e": user.email}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_read(token):
    """Return (public id, e-mail) from a valid token, or None when it is forged, altered or expired."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("u"), data.get("e")
