"""Text messages through a provider interface; the console backend prints them (demo), locmem keeps them (tests)."""

import sys

from django.conf import settings
from django.utils.module_loading import import_string

outbox = []


class SmsBackend:
    """Send one text message to an E.164 number; providers subclass this."""

    def send(self, *, to, body):
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, to, body):
        sys.stdout.write(f"SMS to {to}: {body}\n")


class LocmemSmsBackend(SmsBackend):
    def send(self, *, to, body):
        outbox.append({"to": to, "body": body})


def sms_backend():
    """Return the configured SMS backend (settings.SMS_BACKEND)."""
    return import_string(settings.SMS_BACKEND)()
