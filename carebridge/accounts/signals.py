"""Signals the accounts app sends to the apps above it (audit listens)."""

from django.dispatch import Signal

# Sent when an access check refuses a user: kwargs user, request, object_type, object_id, reason.
access_denied = Signal()
# Sent after a security-relevant account change: kwargs user, request, action, details.
account_event = Signal()
# Sent inside the sign-up transaction: kwargs user, request, consents (kinds agreed to), language.
# The audit app records the consents; an exception there rolls the whole sign-up back.
account_signed_up = Signal()
# Sent by `manage.py demo_load` after the organisations and accounts exist, so each app adds its own demo
# data: kwargs organisations (by slug) and users (by e-mail). Receivers must be idempotent.
demo_data_requested = Signal()
