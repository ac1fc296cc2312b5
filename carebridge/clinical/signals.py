"""Signals the clinical record sends to apps beside and above it."""

from django.dispatch import Signal

# Sent after a report becomes final or is amended (inside the transaction): kwargs report, request.
report_released = Signal()
# Sent when a clinician asks for a translation of free text (inside the transaction): kwargs translation.
translation_requested = Signal()
