"""The demo has the patients of the source stories, and loading it again adds none."""

import pytest
from django.core.management import call_command

from carebridge.patients.models import InsurancePolicy, MedicalRecordNumber, Patient

pytestmark = pytest.mark.django_db


def test_the_demo_registers_the_mongolian_child_the_singaporean_siblings_and_a_filipino_patient():
    call_command("demo_load")

    assert Patient.objects.filter(native_name="Батбаяр Тэмүүлэн", nationality="MN").exists()
    assert Patient.objects.filter(nationality="SG").count() == 2
    assert Patient.objects.filter(nationality="PH", account__email="maria@patient.demo").exists()
    assert InsurancePolicy.objects.filter(payer__slug="cigna-global").count() == 2


def test_loading_the_demo_twice_adds_no_patient():
    call_command("demo_load")
    before = (Patient.objects.count(), MedicalRecordNumber.objects.count(), InsurancePolicy.objects.count())

    call_command("demo_load")

    assert (Patient.objects.count(), MedicalRecordNumber.objects.count(), InsurancePolicy.objects.count()) == before
