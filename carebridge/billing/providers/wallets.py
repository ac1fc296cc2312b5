"""Alipay+ and WeChat Pay: the adapter interface only.

Both are contracted per merchant: the acquiring agreement decides the endpoints, the RSA or certificate keys, the
signature scheme version and the settlement currency, and each ships its own SDK. CareBridge therefore does not
pretend to speak them: these classes name the provider and answer every call with ProviderNotConfigured (503,
`provider_not_configured`) until an installation implements create_checkout / refund / parse_webhook / retrieve
with its contract, exactly as the Stripe and sandbox adapters do. Enabling them in PAYMENT_PROVIDERS without
doing so only shows patients that the method is not available.
"""

from carebridge.billing.providers.base import PaymentProvider


class AlipayPlusProvider(PaymentProvider):
    """Alipay+ (Alipay, AlipayHK, GCash, Kakao Pay, Touch 'n Go...): not configured in this installation."""

    name = "alipay_plus"
    channel = "wallet"
    label = "Alipay+"


class WeChatPayProvider(PaymentProvider):
    """WeChat Pay cross-border: not configured in this installation."""

    name = "wechat_pay"
    channel = "wallet"
    label = "WeChat Pay"
