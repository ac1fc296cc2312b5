"""The Stripe adapter on the official library: webhooks verified by stripe.Webhook.construct_event, and the calls
to Stripe made through the library's own request code with a fake HTTP client in place of the network."""

import datetime as dt
import json
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import stripe

from carebridge.billing import online, services
from carebridge.billing.models import Payment, PaymentIntent, Refund, WebhookEvent
from carebridge.billing.providers import provider_get
from carebridge.billing.providers.base import ProviderNotConfigured, ProviderUnavailable
from carebridge.billing.providers.stripe import StripeProvider
from carebridge.billing.tests.online_support import deliver, succeeded_event

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret_for_carebridge"


class FakeStripe(stripe.HTTPClient):
    """Stands in for api.stripe.com: records each request and answers like Stripe would."""

    name = "fake"

    def __init__(self, answers=None):
        super().__init__()
        self.requests = []
        self.answers = answers or {}

    def request(self, method, url, headers, post_data=None, **kwargs):
        form = {key: values[0] for key, values in parse_qs(post_data or "").items()}
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}), "form": form})
        for suffix, (status, body) in self.answers.items():
            if url.split("?")[0].endswith(suffix):
                return json.dumps(body), status, {"request-id": "req_fake"}
        return json.dumps({"error": {"type": "api_error", "message": "unexpected"}}), 500, {}

    def close(self):
        pass


@pytest.fixture
def stripe_on(settings):
    settings.PAYMENT_PROVIDERS = ["stripe", "sandbox"]
    settings.STRIPE_SECRET_KEY = "sk_test_carebridge"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    fake = FakeStripe()
    StripeProvider.http_client = fake
    yield fake
    StripeProvider.http_client = None


def test_stripe_is_offered_only_when_its_keys_are_in_the_environment(settings, monkeypatch):
    from carebridge.billing.providers import enabled_providers

    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    assert enabled_providers() == ["sandbox"]
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    assert enabled_providers() == ["stripe", "sandbox"]


def test_the_checkout_session_carries_our_intent_id_as_idempotency_key_and_metadata(
        stripe_on, temuulen, haikou, guardian, rates):
    stripe_on.answers = {"/v1/checkout/sessions": (200, {
        "id": "cs_test_123", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_123",
        "payment_status": "unpaid", "status": "open"})}

    intent = online.payment_intent_create(patient=temuulen, hospital=haikou, purpose="deposit", amount="370.00",
                                          currency="SGD", provider="stripe", created_by=guardian)

    assert (intent.status, intent.provider_reference) == (PaymentIntent.Status.PENDING, "cs_test_123")
    assert intent.checkout_url == "https://checkout.stripe.com/c/pay/cs_test_123"
    (sent,) = stripe_on.requests
    assert sent["method"] == "post"
    assert sent["url"] == "https://api.stripe.com/v1/checkout/sessions"
    assert sent["headers"]["Idempotency-Key"] == str(intent.public_id)
    assert sent["headers"]["Authorization"] == "Bearer sk_test_carebridge"
    assert sent["form"]["metadata[carebridge_intent]"] == str(intent.public_id)
    assert sent["form"]["payment_intent_data[metadata][carebridge_intent]"] == str(intent.public_id)
    assert sent["form"]["line_items[0][price_data][currency]"] == "sgd"
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "37000"
    assert sent["form"]["mode"] == "payment"


def test_a_stripe_outage_leaves_the_intent_recorded_for_the_reconciler(stripe_on, temuulen, haikou, guardian, rates):
    stripe_on.answers = {"/v1/checkout/sessions": (500, {"error": {"type": "api_error", "message": "down"}})}

    with pytest.raises(ProviderUnavailable):
        online.payment_intent_create(patient=temuulen, hospital=haikou, purpose="deposit", amount="370.00",
                                     currency="SGD", provider="stripe", created_by=guardian)

    intent = PaymentIntent.objects.get()
    assert intent.status == PaymentIntent.Status.CREATED and intent.provider_reference == ""

    session = {"id": "cs_test_9", "object": "checkout.session", "url": "https://checkout.stripe.com/c/pay/cs_test_9",
               "payment_status": "unpaid", "status": "open"}
    stripe_on.answers = {"/v1/checkout/sessions": (200, session), "/v1/checkout/sessions/cs_test_9": (200, session)}
    counts = online.payments_reconcile(older_than=dt.timedelta(0))

    intent.refresh_from_db()
    assert counts["checkouts"] == 1
    assert (intent.status, intent.provider_reference) == (PaymentIntent.Status.PENDING, "cs_test_9")
    creates = [r for r in stripe_on.requests if r["method"] == "post"]
    assert {r["headers"]["Idempotency-Key"] for r in creates} == {str(intent.public_id)}
    assert stripe_on.requests[-1]["url"] == "https://api.stripe.com/v1/checkout/sessions/cs_test_9"


def _stripe_intent(temuulen, haikou, guardian):
    return PaymentIntent.objects.create(
        hospital=haikou, patient=temuulen, purpose="deposit", provider="stripe", amount=Decimal("370.00"),
        currency="SGD", amount_cny=Decimal("2000.00"), rate=Decimal("0.185"), status="pending",
        provider_reference="cs_test_1", created_by=guardian)


def test_a_webhook_signed_as_stripe_signs_is_verified_by_the_library_and_records_the_payment(
        stripe_on, temuulen, haikou, guardian, rates):
    intent = _stripe_intent(temuulen, haikou, guardian)
    event = succeeded_event(intent)
    event["data"]["object"]["id"] = "pi_test_42"

    for _ in range(3):
        answer = deliver(event, provider="stripe", secret=SECRET)
        assert answer.status_code == 200

    payment = Payment.objects.get()
    assert (payment.provider, payment.reference, payment.channel) == ("stripe", "pi_test_42", "online_card")
    assert WebhookEvent.objects.get().deliveries == 3


@pytest.mark.parametrize(("secret", "age", "code"), [
    ("whsec_wrong", 0, "webhook_signature_invalid"),
    (SECRET, 301, "webhook_signature_stale"),
])
def test_stripe_webhooks_forged_or_stale_are_refused_with_nothing_stored(stripe_on, temuulen, haikou, guardian,
                                                                         secret, age, code):
    intent = _stripe_intent(temuulen, haikou, guardian)

    answer = deliver(succeeded_event(intent), provider="stripe", secret=secret, timestamp=int(time.time()) - age)

    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert not WebhookEvent.objects.exists() and not Payment.objects.exists()


def test_a_refund_goes_to_stripe_with_its_own_idempotency_key(stripe_on, temuulen, haikou, guardian, cashier,
                                                              rates, django_capture_on_commit_callbacks):
    intent = _stripe_intent(temuulen, haikou, guardian)
    event = succeeded_event(intent)
    event["data"]["object"]["id"] = "pi_test_42"
    deliver(event, provider="stripe", secret=SECRET)
    stripe_on.answers = {"/v1/refunds": (200, {"id": "re_test_7", "object": "refund", "status": "succeeded",
                                               "amount": 37000, "currency": "sgd"})}

    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_request(payment=Payment.objects.get(), amount_cny="2000.00",
                                         reason="Treatment cancelled", requested_by=cashier)

    refund.refresh_from_db()
    assert (refund.status, refund.reference) == (Refund.Status.SUCCEEDED, "re_test_7")
    sent = stripe_on.requests[-1]
    assert sent["url"] == "https://api.stripe.com/v1/refunds"
    assert sent["headers"]["Idempotency-Key"] == f"refund-{refund.public_id}"
    assert (sent["form"]["payment_intent"], sent["form"]["amount"]) == ("pi_test_42", "37000")
    assert sent["form"]["metadata[carebridge_refund]"] == str(refund.public_id)


def test_alipay_plus_and_wechat_pay_say_plainly_that_they_are_not_configured(settings, temuulen, haikou, guardian,
                                                                             rates):
    settings.PAYMENT_PROVIDERS = ["alipay_plus", "wechat_pay"]
    for name in ("alipay_plus", "wechat_pay"):
        provider = provider_get(name)
        assert provider.channel == "wallet" and not provider.configured
        with pytest.raises(ProviderNotConfigured) as caught:
            provider.create_checkout(None)
        assert (caught.value.code, caught.value.status) == ("provider_not_configured", 503)
        with pytest.raises(ProviderNotConfigured):
            online.payment_intent_create(patient=temuulen, hospital=haikou, purpose="deposit", amount="10.00",
                                         currency="SGD", provider=name, created_by=guardian)
    assert not PaymentIntent.objects.exists()


def test_a_refund_made_in_stripe_s_dashboard_is_recorded_once_from_its_refund_event(
        stripe_on, temuulen, haikou, guardian, rates):
    intent = _stripe_intent(temuulen, haikou, guardian)
    event = succeeded_event(intent)
    event["data"]["object"]["id"] = "pi_test_42"
    deliver(event, provider="stripe", secret=SECRET)
    bare = {"id": "evt_charge_refunded", "type": "charge.refunded", "object": "event", "data": {"object": {
        "id": "ch_1", "object": "charge", "payment_intent": "pi_test_42", "currency": "sgd", "amount_refunded": 18500,
        "metadata": {"carebridge_intent": str(intent.public_id)}}}}
    refund_event = {"id": "evt_refund_updated", "type": "refund.updated", "object": "event", "data": {"object": {
        "id": "re_dash_1", "object": "refund", "payment_intent": "pi_test_42", "currency": "sgd", "amount": 18500,
        "status": "succeeded", "metadata": {}}}}

    answers = [deliver(e, provider="stripe", secret=SECRET).json()["state"] for e in (bare, refund_event)]
    deliver(refund_event, provider="stripe", secret=SECRET)

    assert answers == ["ignored", "processed"]
    refund = Refund.objects.get()
    assert (refund.reference, refund.amount, refund.amount_cny, refund.status) == (
        "re_dash_1", Decimal("185.00"), Decimal("1000.00"), Refund.Status.SUCCEEDED)
