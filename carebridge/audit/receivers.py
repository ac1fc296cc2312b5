"""Write audit rows for sign-ins, failed sign-ins, sign-outs and refused accesses."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from carebridge.accounts.signals import access_denied, account_event, account_signed_up
from carebridge.audit.models import AuditEvent
from carebridge.audit.services import audit_record, consent_give


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    audit_record(action="auth.sign_in", actor=user, request=request, object_type="user", object_id=user.public_id)


@receiver(user_logged_out)
def record_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.sign_out", actor=user, request=request, object_type="user", object_id=user.public_id)


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The password is never logged; the address tried is, to spot attacks on one account.
    audit_record(
        action="auth.sign_in_failed",
        request=request,
        object_type="user",
        outcome=AuditEvent.Outcome.FAILURE,
        details={"username": str(credentials.get("username") or credentials.get("email") or "")[:254]},
    )


@receiver(access_denied)
def record_denied_access(sender, user, request, object_type, object_id, reason, **kwargs):
    audit_record(
        action="access.denied",
        actor=user,
        request=request,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditEvent.Outcome.DENIED,
        details={"reason": reason, "path": getattr(request, "path", "")},
    )


@receiver(account_event)
def record_account_event(sender, user, request, action, details=None, **kwargs):
    audit_record(action=action, actor=user, request=request, object_type="user", object_id=user.public_id,
                 details=details or {})


@receiver(account_signed_up)
def record_sign_up_consents(sender, user, request, consents, language, **kwargs):
    # Runs inside the sign-up transaction: if a consent cannot be recorded, no account is created.
    for kind in consents:
        consent_give(subject_public_id=user.public_id, kind=kind, given_by=user, language=language, request=request)
