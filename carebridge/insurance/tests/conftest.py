"""Insurance test data: a Cigna Global policy for Temuulen, Haikou's agreement with Cigna, a delivered stay."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from carebridge.billing import services as billing
from carebridge.billing.tests.conftest import chest_ct, delivered, rates, temuulen  # noqa: F401 - shared fixtures
from carebridge.insurance.models import DirectBillingAgreement, PayerProfile
from carebridge.patients.models import InsurancePolicy


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def policy(temuulen, cigna):
    PayerProfile.objects.create(organisation=cigna, claims_email="claims@cigna.test")
    today = timezone.localdate()
    return InsurancePolicy.objects.create(patient=temuulen, payer=cigna, member_id="CG-8841-2207",
                                          plan_name="Cigna Global Gold", valid_from=today - dt.timedelta(days=200),
                                          valid_to=today + dt.timedelta(days=165))


@pytest.fixture
def agreement(haikou, cigna):
    return DirectBillingAgreement.objects.create(hospital=haikou, payer=cigna, covers_inpatient=True,
                                                 covers_outpatient=True, gop_rule="inpatient", gop_lead_hours=48,
                                                 valid_from=timezone.localdate() - dt.timedelta(days=365))


@pytest.fixture
def admission():
    return timezone.localdate() + dt.timedelta(days=5)


@pytest.fixture
def gop(policy, agreement, haikou, coordinator, admission):
    from carebridge.insurance import services

    return services.gop_request(hospital=haikou, policy=policy, admission_date=admission,
                                discharge_date=admission + dt.timedelta(days=3),
                                diagnoses=[{"code": "J18.9", "display": "Pneumonia, unspecified"}],
                                treatment_plan="Admission for IV antibiotics and oxygen, 3 nights.",
                                requested_amount="20000.00", created_by=coordinator)


@pytest.fixture
def final_invoice(delivered, temuulen, haikou, cashier, rates):  # noqa: F811
    invoice = billing.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)
    billing.invoice_line_add(invoice=invoice, description="Ward, 3 nights", unit_price="1280.00", quantity=3,
                             code="room-single", kind="room", created_by=cashier)
    billing.invoice_line_add(invoice=invoice, description="Private nurse", unit_price="600.00", code="nurse-private",
                             kind="extra", created_by=cashier)
    return billing.invoice_issue(invoice=invoice, issued_by=cashier)


__all__ = ["chest_ct", "delivered", "rates", "temuulen", "Decimal"]
