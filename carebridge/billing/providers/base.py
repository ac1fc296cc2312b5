"""What every payment provider adapter offers: a checkout, a refund, a verified webhook, a status look-up.

Adapters translate between a provider's objects and these small records, so that carebridge.billing.online and
carebridge.billing.webhooks never speak any one provider's dialect.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import get_currency_precision
from django.utils.translation import gettext_lazy as _

from carebridge.core.errors import CareBridgeError

# What happened, in our words.
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
REFUND_SUCCEEDED = "refund.succeeded"
REFUND_FAILED = "refund.failed"
OTHER = "other"


class WebhookRejected(CareBridgeError):
    """A webhook whose signature is missing, wrong or too old: answered 400, nothing stored."""

    code = "webhook_signature_invalid"
    status = 400
    default_message = _("The notification's signature could not be verified.")


class ProviderNotConfigured(CareBridgeError):
    """A provider named in settings whose contract (keys, certificates) this installation does not have."""

    code = "provider_not_configured"
    status = 503
    default_message = _("This payment method is not available at the moment. Choose another one.")


class ProviderUnavailable(CareBridgeError):
    """The provider could not be reached or refused the call; the intent stays recorded and is retried."""

    code = "provider_unavailable"
    status = 502
    default_message = _("The payment service did not answer. Your payment was not taken; please try again.")


@dataclass
class ProviderEvent:
    """A verified notification, reduced to what billing needs."""

    event_id: str
    type: str  # the provider's own name, e.g. payment_intent.succeeded
    kind: str  # one of PAYMENT_SUCCEEDED, PAYMENT_FAILED, REFUND_SUCCEEDED, REFUND_FAILED, OTHER
    payload: dict
    intent_public_id: str = ""  # our PaymentIntent.public_id from the metadata we sent
    provider_reference: str = ""  # what create_checkout returned (checkout session / sandbox payment)
    payment_reference: str = ""  # the provider's id of the money movement, stored as Payment.reference
    refund_reference: str = ""
    refund_public_id: str = ""  # our Refund.public_id from the metadata we sent, if we asked for it
    refund_amount: Decimal | None = None
    currency: str = ""
    failure: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class ProviderStatus:
    """The provider's answer when asked about an intent (the reconciler asks)."""

    state: str  # "succeeded", "failed", "pending" or "unknown"
    payment_reference: str = ""
    failure: str = ""


class PaymentProvider:
    """Base class of the adapters; every method raises ProviderNotConfigured until an adapter implements it."""

    name = ""
    channel = "online_card"
    label = ""

    @property
    def configured(self):
        """Whether this installation can take payments through the provider (an adapter that implements it)."""
        return type(self).create_checkout is not PaymentProvider.create_checkout

    def create_checkout(self, intent):
        """Start the payment at the provider; return (provider_reference, checkout_url). Must be idempotent per intent."""
        raise ProviderNotConfigured()

    def refund(self, refund):
        """Ask the provider to refund; return (provider refund reference, state) with state succeeded|pending|failed."""
        raise ProviderNotConfigured()

    def parse_webhook(self, body, headers):
        """Verify a notification (raw bytes, request headers) and return a ProviderEvent, or raise WebhookRejected."""
        raise ProviderNotConfigured()

    def event_from_payload(self, payload):
        """Rebuild the ProviderEvent of a stored, already verified payload."""
        raise ProviderNotConfigured()

    def retrieve(self, intent):
        """Return a ProviderStatus for an intent the provider already knows."""
        raise ProviderNotConfigured()


def to_minor_units(amount, currency):
    """Return an amount as an integer of the currency's smallest unit (cents; yen and won have none)."""
    digits = get_currency_precision(currency)
    return int((Decimal(amount) * (10**digits)).to_integral_value())


def from_minor_units(value, currency):
    """Return a Decimal amount from the currency's smallest unit."""
    digits = get_currency_precision(currency.upper())
    return (Decimal(int(value)) / (10**digits)).quantize(Decimal(1).scaleb(-digits)) if digits else Decimal(int(value))
