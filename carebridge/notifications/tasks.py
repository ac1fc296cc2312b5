"""Job handlers that deliver messages."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from carebridge.core.jobs import job_handler


@job_handler("notifications.email")
def email_deliver(*, user_id, template, context):
    """Render and send one e-mail in the recipient's language."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(user.language):
        context = {**context, "user": user}
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"{template}_body.txt", context)
    send_mail(subject, body, None, [user.email])
