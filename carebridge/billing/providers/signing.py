"""The signed-webhook scheme of Stripe, which the sandbox speaks too.

Header ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``; more than one v1 may be
given (during a secret's rotation). A signature older than the tolerance (300 s) is refused like a forged one, so a
captured notification cannot be replayed later.
"""

import hashlib
import hmac
import time

from django.utils.translation import gettext as _

from carebridge.billing.providers.base import WebhookRejected

HEADER = "Stripe-Signature"
TOLERANCE = 300


def signature_header(payload, secret, *, timestamp=None):
    """Return the header value signing `payload` (bytes or str) at `timestamp` (now by default)."""
    if isinstance(payload, str):
        payload = payload.encode()
    timestamp = int(time.time() if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def forged():
    return WebhookRejected(_("The notification's signature could not be verified."),
                           code="webhook_signature_invalid")


def stale():
    return WebhookRejected(_("The notification's signature is too old; it may be a replay."),
                           code="webhook_signature_stale")


def signature_verify(payload, header, secret, *, tolerance=TOLERANCE, now=None):
    """Raise WebhookRejected unless `header` signs `payload` with `secret` within the tolerance."""
    if isinstance(payload, str):
        payload = payload.encode()
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures or not secret:
        raise forged()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise forged()
    if tolerance and timestamp < (time.time() if now is None else now) - tolerance:
        raise stale()


def header_of(headers, name=HEADER):
    """Return a header from a Django request.headers mapping or a plain dict, ignoring case."""
    if hasattr(headers, "get") and headers.get(name) is not None:
        return headers.get(name)
    lowered = name.lower()
    for key, value in dict(headers).items():
        if key.lower() == lowered:
            return value
    return ""
