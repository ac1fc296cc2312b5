"""Billing test data: Temuulen's chest CT at Haikou, exchange rates of the day, a cashier."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from carebridge.billing import services
from carebridge.catalog.models import ExchangeRate, Service
from carebridge.clinical import services as clinical_services
from carebridge.clinical.models import Condition, Order
from carebridge.patients.tests.factories import registered_child


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def rates(db):
    """1 CNY buys 0.1850 SGD, 480 MNT, 0.1380 USD, as the cashier entered them yesterday."""
    day = timezone.localdate() - dt.timedelta(days=1)
    for currency, rate in (("SGD", "0.1850"), ("MNT", "480.00"), ("USD", "0.1380")):
        ExchangeRate.objects.create(date=day, base="CNY", currency=currency, rate=Decimal(rate), source="manual")
    return day


@pytest.fixture
def temuulen(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.fixture
def chest_ct(haikou):
    return Service.objects.create(hospital=haikou, kind=Service.Kind.IMAGING, code="chest-ct", name="Chest CT",
                                  duration_minutes=30, price="900.00")


@pytest.fixture
def delivered(temuulen, haikou, chest_ct, coordinator):
    """A finished chest CT for Temuulen, with the diagnosis J44.9 recorded at the visit."""
    from carebridge.accounts.models import Role
    from conftest import _person

    clinician = _person("dr.li@haikou.test", org=haikou, role=Role.CLINICIAN, language="en")
    encounter = clinical_services.encounter_open(patient=temuulen, hospital=haikou, kind="outpatient",
                                                 opened_by=clinician, reason="Cough for three weeks")
    order = clinical_services.order_place(encounter=encounter, service=chest_ct, ordered_by=clinician)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED)
    Condition.objects.create(patient=temuulen, encounter=encounter, code_system="http://hl7.org/fhir/sid/icd-10",
                             code="J44.9", display="Chronic obstructive pulmonary disease, unspecified",
                             is_primary=True)
    return encounter


@pytest.fixture
def issued_invoice(delivered, temuulen, haikou, cashier, rates):
    invoice = services.invoice_draft_create(hospital=haikou, patient=temuulen, created_by=cashier)
    return services.invoice_issue(invoice=invoice, issued_by=cashier)
