"""Demo insurance data: the payer directory and Haikou's direct billing agreements (idempotent)."""

import datetime as dt

from django.dispatch import receiver

from carebridge.accounts.signals import demo_data_requested
from carebridge.insurance.models import DirectBillingAgreement, PayerKind, PayerProfile

PAYERS = {
    # slug: (kind, claims e-mail, 24-hour phone)
    "cigna-global": (PayerKind.INSURER, "claims@cigna.demo", "+44 1475 492 000"),
    "bupa-global": (PayerKind.INSURER, "claims@bupa.demo", "+44 1273 323 563"),
    "aetna-international": (PayerKind.INSURER, "claims@aetna.demo", "+1 800 231 7729"),
    "axa": (PayerKind.INSURER, "claims@axa.demo", "+33 1 55 92 26 92"),
    "allianz-care": (PayerKind.INSURER, "claims@allianz.demo", "+353 1 630 1301"),
}
AGREEMENTS = [
    # hospital, payer, plans, inpatient, outpatient, GOP rule, lead hours, terms, discount
    ("haikou-intl", "cigna-global", [], True, True, "inpatient", 48, 30, "0.05"),
    ("haikou-intl", "bupa-global", [], True, False, "always", 48, 45, "0"),
    ("haikou-intl", "allianz-care", ["Care Base", "Care Plus"], True, True, "above_amount", 72, 30, "0"),
    ("chongqing-intl", "aetna-international", [], True, True, "inpatient", 48, 30, "0"),
]


@receiver(demo_data_requested)
def demo_insurance_load(sender, organisations, users, **kwargs):
    """Describe the demo insurers and sign Haikou's and Chongqing's agreements with them."""
    for slug, (kind, email, phone) in PAYERS.items():
        if slug in organisations:
            PayerProfile.objects.get_or_create(organisation=organisations[slug],
                                               defaults={"kind": kind, "claims_email": email, "phone_24h": phone})
    for hospital, payer, plans, inpatient, outpatient, rule, lead, terms, discount in AGREEMENTS:
        if hospital in organisations and payer in organisations:
            DirectBillingAgreement.objects.get_or_create(
                hospital=organisations[hospital], payer=organisations[payer],
                defaults={"plans": plans, "covers_inpatient": inpatient, "covers_outpatient": outpatient,
                          "gop_rule": rule, "gop_lead_hours": lead, "payment_terms_days": terms,
                          "discount_rate": discount, "gop_above_amount": "5000.00",
                          "valid_from": dt.date(2026, 1, 1)})
