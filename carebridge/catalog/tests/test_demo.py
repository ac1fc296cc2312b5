"""The demo catalog: stable codes at both demo hospitals, translated stories, sample rates; loading twice adds nothing."""

import pytest
from django.core.management import call_command
from django.utils import translation

from carebridge.catalog.models import Department, ExchangeRate, PackageStation, Service

pytestmark = pytest.mark.django_db
CODES = {"consult-international", "consult-paediatric-respiratory", "consult-thyroid", "chest-ct",
         "ultrasound-thyroid", "lab-basic-blood", "checkup-comprehensive", "tcm-neck-shoulder", "tcm-sports-recovery"}


def counts():
    return (Department.objects.count(), Service.objects.count(), PackageStation.objects.count(),
            ExchangeRate.objects.count())


def test_the_demo_hospitals_offer_the_storys_services_in_the_storys_languages():
    call_command("demo_load")

    for slug in ("haikou-intl", "chongqing-intl"):
        assert set(Service.objects.filter(hospital__slug=slug).values_list("code", flat=True)) == CODES
    package = Service.objects.get(hospital__slug="haikou-intl", code="checkup-comprehensive")
    ct = Service.objects.get(hospital__slug="haikou-intl", code="chest-ct")
    for language in ("ru", "mn", "zh-hans", "ar"):
        with translation.override(language):
            assert package.translated("name") != package.name and ct.translated("preparation") != ct.preparation
    assert {s.area for s in package.stations.all()} == {"general", "female", "male"}
    assert ExchangeRate.objects.filter(currency="MNT", source="manual").exists()


def test_loading_the_demo_twice_adds_nothing():
    call_command("demo_load")
    before = counts()

    call_command("demo_load")

    assert counts() == before
