"""Demo billing data: each hospital's billing policy, and a cost estimate sent to the Mongolian family."""

import datetime as dt

from django.dispatch import receiver
from django.utils import timezone

from carebridge.accounts.models import OrganisationKind
from carebridge.accounts.signals import demo_data_requested
from carebridge.billing.models import BillingPolicy, CostEstimate
from carebridge.catalog.models import Service
from carebridge.core.errors import CareBridgeError
from carebridge.patients.models import IdentityDocument

ESTIMATE_TITLE = "Respiratory assessment for Temuulen"


@receiver(demo_data_requested)
def demo_billing_load(sender, organisations, users, **kwargs):
    """Give every demo hospital a billing policy and send Temuulen's family an estimate (idempotent)."""
    from carebridge.billing.services import cost_estimate_create, cost_estimate_send

    for organisation in organisations.values():
        if organisation.kind == OrganisationKind.HOSPITAL:
            BillingPolicy.objects.get_or_create(hospital=organisation)
    haikou = organisations.get("haikou-intl")
    coordinator = users.get("coordinator@haikou.demo")
    document = IdentityDocument.objects.filter(issuing_state="MNG").select_related("patient").first()
    if haikou is None or coordinator is None or document is None:
        return
    patient = document.patient
    if CostEstimate.objects.filter(patient=patient, title=ESTIMATE_TITLE).exists():
        return
    services = {s.code: s for s in Service.objects.filter(hospital=haikou, code__in=[
        "consult-paediatric-respiratory", "chest-ct", "lab-basic-blood"])}
    lines = [{"service": service} for service in services.values()]
    lines.append({"description": "Inpatient stay if the doctor advises it (single room, per night)", "quantity": 3,
                  "low": "0.00", "high": "1280.00"})
    try:
        estimate = cost_estimate_create(hospital=haikou, patient=patient, title=ESTIMATE_TITLE,
                                        valid_until=timezone.localdate() + dt.timedelta(days=60), lines=lines,
                                        created_by=coordinator, note="Prices in CNY; the amount in tögrög is "
                                                                     "at the day's rate.")
        cost_estimate_send(estimate=estimate, sent_by=coordinator)
    except CareBridgeError:
        # Without an exchange rate for the family's currency the demo still loads; the estimate waits.
        return
