"""Signals booking sends to the apps beside and above it (language services assign interpreters)."""

from django.dispatch import Signal

# Sent inside the booking transaction: kwargs appointment, request. A receiver's exception undoes the booking.
appointment_booked = Signal()
# Sent inside the cancelling transaction: kwargs appointment, request.
appointment_cancelled = Signal()
