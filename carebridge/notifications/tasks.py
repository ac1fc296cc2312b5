"""Job handlers that deliver messages."""

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from carebridge.core.jobs import job_handler
from carebridge.notifications.sms import sms_backend


def _send(subject, body, address, attachments):
    message = EmailMessage(subject, body, None, [address])
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()


@job_handler("notifications.email")
def email_deliver(*, user_id, template, context, attachments=None):
    """Render and send one e-mail in the recipient's language."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(user.language):
        context = {**context, "user": user}
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"{template}_body.txt", context)
    _send(subject, body, user.email, attachments)


@job_handler("notifications.email_address")
def email_deliver_to_address(*, address, language, template, context, attachments=None):
    """Render and send one e-mail to an address in the given language."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"{template}_body.txt", context)
    _send(subject, body, address, attachments)


@job_handler("notifications.sms")
def sms_deliver(*, phone, language, template, context):
    """Render and send one text message in the given language."""
    with translation.override(language):
        body = render_to_string(f"{template}.txt", context).strip()
    sms_backend().send(to=phone, body=body)
