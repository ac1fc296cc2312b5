"""Background work of billing: sending refunds to online providers (carebridge.billing.online)."""

from carebridge.billing import online, webhooks  # noqa: F401 - the online payments' job handlers
from carebridge.core.jobs import job_handler


@job_handler("billing.refund_send")
def refund_send(*, refund_id):
    """Ask the payment's provider to refund; the provider's webhook (or its answer) completes the refund."""
    from carebridge.billing.online import refund_send as send

    send(refund_id=refund_id)
