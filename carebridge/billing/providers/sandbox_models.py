"""The sandbox provider's own books: what a real provider keeps on its side (imported by billing.models)."""

from django.db import models


class SandboxPayment(models.Model):
    """A payment page opened at the sandbox for one of our intents; the reconciler may ask about it."""

    class Status(models.TextChoices):
        OPEN = "open"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    reference = models.CharField(max_length=60, unique=True)
    intent_public_id = models.UUIDField(unique=True)
    merchant = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    return_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "billing"

    def __str__(self):
        return f"{self.reference} {self.amount} {self.currency} ({self.status})"


class SandboxRefund(models.Model):
    """A refund the sandbox was asked for; answered by a signed charge.refunded notification."""

    reference = models.CharField(max_length=60, unique=True)
    payment = models.ForeignKey(SandboxPayment, on_delete=models.CASCADE, related_name="refunds")
    refund_public_id = models.UUIDField(unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "billing"

    def __str__(self):
        return f"{self.reference} {self.amount} {self.currency}"
