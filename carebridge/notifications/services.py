"""Messages to people, always in the recipient's language, sent after the change commits."""

from carebridge.core.jobs import job_enqueue


def email_send(*, user, template, context=None, attachments=None):
    """Queue an e-mail to a user, rendered later in the user's language from `<template>_subject.txt` and `_body.txt`.

    The context must be JSON-serialisable: the job stores it and may run in another process.
    """
    return job_enqueue(name="notifications.email", user_id=user.pk, template=template, context=context or {},
                       attachments=attachments or [])


def email_send_to_address(*, address, language, template, context=None, attachments=None):
    """Queue an e-mail to an address without an account (a patient's contact), in the given language.

    Attachments are [filename, text content, MIME type] triples (an .ics invitation, for instance).
    """
    return job_enqueue(name="notifications.email_address", address=address, language=language, template=template,
                       context=context or {}, attachments=attachments or [])


def sms_send(*, phone, language, template, context=None):
    """Queue a text message, rendered from `<template>.txt` in the given language."""
    return job_enqueue(name="notifications.sms", phone=phone, language=language, template=template,
                       context=context or {})


def in_app_message_send(*, user, template, context=None, link=""):
    """Leave a message in the person's portal, rendered now in their language from `<template>_title.txt`/`_body.txt`."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from carebridge.notifications.models import InAppMessage

    with translation.override(user.language):
        context = {**(context or {}), "user": user}
        title = render_to_string(f"{template}_title.txt", context).strip()[:200]
        body = render_to_string(f"{template}_body.txt", context).strip()
    return InAppMessage.objects.create(recipient=user, title=title, body=body, link=link)
