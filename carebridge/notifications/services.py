"""Messages to people, always in the recipient's language, sent after the change commits."""

from carebridge.core.jobs import job_enqueue


def email_send(*, user, template, context=None):
    """Queue an e-mail to a user, rendered later in the user's language from `<template>_subject.txt` and `_body.txt`.

    The context must be JSON-serialisable: the job stores it and may run in another process.
    """
    return job_enqueue(name="notifications.email", user_id=user.pk, template=template, context=context or {})
