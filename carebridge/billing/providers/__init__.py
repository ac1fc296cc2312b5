"""Payment providers and their registry.

Which providers are on comes from settings.PAYMENT_PROVIDERS when set (a list of names); otherwise the sandbox is on
outside production, and Stripe is on whenever STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are in the environment.
Alipay+ and WeChat Pay have adapter skeletons only (carebridge/billing/providers/wallets.py): each merchant signs
its own contract and gets its own SDK and keys, so they answer "not configured" until an installation wires them.
Secrets are read from the environment (or settings of the same name), never from the database.

This package's __init__ imports nothing at load time: billing.models imports the sandbox's models from here.
"""

import os

from django.conf import settings
from django.utils.module_loading import import_string

ADAPTERS = {
    "sandbox": "carebridge.billing.providers.sandbox.SandboxProvider",
    "stripe": "carebridge.billing.providers.stripe.StripeProvider",
    "alipay_plus": "carebridge.billing.providers.wallets.AlipayPlusProvider",
    "wechat_pay": "carebridge.billing.providers.wallets.WeChatPayProvider",
}


def secret(name, default=""):
    """Return a secret from settings (tests) or the environment."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return value or default


def enabled_providers():
    """Return the names of the providers patients may pay through, in the order offered."""
    configured = getattr(settings, "PAYMENT_PROVIDERS", None)
    if configured is not None:
        return [name for name in configured if name in ADAPTERS]
    names = []
    if secret("STRIPE_SECRET_KEY") and secret("STRIPE_WEBHOOK_SECRET"):
        names.append("stripe")
    if getattr(settings, "PROFILE", "development") != "production":
        names.append("sandbox")
    return names


def provider_get(name):
    """Return the adapter of an enabled provider, or raise NotFound."""
    from carebridge.core.errors import NotFound

    if name not in enabled_providers():
        raise NotFound()
    return import_string(ADAPTERS[name])()
