"""Idempotency keys for calls that create money: a retry with the same key gets the first answer, never a second charge."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carebridge.billing.models import IdempotencyRecord
from carebridge.core.errors import CareBridgeError, ValidationFailed

HEADER = "HTTP_IDEMPOTENCY_KEY"


def idempotency_key(request, *, required=True):
    """Return the request's Idempotency-Key header (1–200 visible characters), or raise ValidationFailed."""
    key = (request.META.get(HEADER) or "").strip()
    if not key:
        if required:
            raise ValidationFailed(_("Send an Idempotency-Key header with every payment request, so that a retry "
                                     "never charges twice."), code="idempotency_key_required")
        return ""
    if len(key) > 200 or not key.isprintable():
        raise ValidationFailed(_("The Idempotency-Key header must be at most 200 visible characters."),
                               code="idempotency_key_invalid")
    return key


def _fingerprint(operation, payload):
    return hashlib.sha256(json.dumps([operation, payload], sort_keys=True, default=str).encode()).hexdigest()


def idempotent(*, user, key, operation, payload, run):
    """Run `run()` -> (status, body) once per (user, key); replay the stored answer for a retry with the same payload.

    A reuse of the key for a different request is refused (422). Errors are not stored, so a failed call may be
    retried with the same key. The answer is stored in the same transaction as the work it describes.
    """
    fingerprint = _fingerprint(operation, payload)
    previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if previous is not None:
        if previous.fingerprint != fingerprint:
            raise CareBridgeError(_("This Idempotency-Key was already used for a different request."),
                                  code="idempotency_key_reused", status=422)
        return previous.status, previous.body, True
    try:
        with transaction.atomic():
            status, body = run()
            IdempotencyRecord.objects.create(user=user, key=key, operation=operation, fingerprint=fingerprint,
                                             status=status, body=json.loads(json.dumps(body, default=str)))
    except IntegrityError:
        # A concurrent retry with the same key committed first: its answer is the answer.
        previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if previous is None:
            raise
        if previous.fingerprint != fingerprint:
            raise CareBridgeError(_("This Idempotency-Key was already used for a different request."),
                                  code="idempotency_key_reused", status=422) from None
        return previous.status, previous.body, True
    return status, body, False
