"""Demo billing data: each hospital's billing policy (medical services exempt from VAT)."""

from django.dispatch import receiver

from carebridge.accounts.models import OrganisationKind
from carebridge.accounts.signals import demo_data_requested
from carebridge.billing.models import BillingPolicy


@receiver(demo_data_requested)
def demo_billing_load(sender, organisations, users, **kwargs):
    """Give every demo hospital a billing policy (idempotent)."""
    for organisation in organisations.values():
        if organisation.kind == OrganisationKind.HOSPITAL:
            BillingPolicy.objects.get_or_create(hospital=organisation)
