"""The catalog pages: a visitor's language and currency, a package's day, and the rates staff keep."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from carebridge.catalog.models import ExchangeRate
from carebridge.catalog.tests.factories import DAY, checkup, chest_ct, department, rates
from carebridge.core.i18n import format_date, format_money
from conftest import signed_in

pytestmark = pytest.mark.django_db


def russian_visitor():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    return client


def test_the_services_page_in_russian_shows_the_russian_name_and_the_price_in_roubles_with_the_rate_date(haikou):
    chest_ct(haikou, dept=department(haikou, ru="Лучевая диагностика"))
    rates(CNY="8.0", RUB="92.0")

    page = russian_visitor().get(f"/catalog/{haikou.slug}/", {"currency": "RUB"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "КТ органов грудной клетки" in text and "Лучевая диагностика" in text
    with translation.override("ru"):
        assert format_money(Decimal("7820.00"), "RUB") in text  # 680 × 92 / 8
        assert format_money(Decimal("680.00"), "CNY") in text
        assert format_date(DAY) in text
    assert "1 CNY = 11,5 RUB" in text


def test_the_chosen_currency_is_remembered_for_the_next_page(haikou):
    service = chest_ct(haikou)
    rates(CNY="8.0", USD="1.1")
    client = Client()

    client.get(f"/catalog/{haikou.slug}/", {"currency": "USD"})
    detail = client.get(f"/catalog/services/{service.public_id}/")

    assert "$93.50" in detail.content.decode()  # 680 × 0.1375


def test_a_currency_without_a_rate_shows_yuan_and_says_why(haikou):
    chest_ct(haikou)
    rates(CNY="8.0")

    page = Client().get(f"/catalog/{haikou.slug}/", {"currency": "MNT"})

    assert page.status_code == 200
    assert "No exchange rate is known for MNT" in page.content.decode()
    assert "CN¥680.00" in page.content.decode()


def test_the_services_page_filters_by_kind(haikou):
    chest_ct(haikou)
    checkup(haikou)

    page = Client().get(f"/catalog/{haikou.slug}/", {"kind": "checkup_package"})

    assert "Comprehensive health check-up" in page.content.decode()
    assert "Chest CT" not in page.content.decode()


def test_the_check_up_page_lists_the_stations_in_order_with_their_areas(haikou):
    package = checkup(haikou)

    page = Client().get(f"/catalog/services/{package.public_id}/")

    text = page.content.decode()
    assert "Do not eat for 8 hours" in text
    positions = [text.index(name) for name in ("Registration", "Blood draw", "women&#x27;s area", "men&#x27;s area")]
    assert positions == sorted(positions)
    assert "Women&#x27;s area" in text and "Men&#x27;s area" in text


def test_an_unknown_hospital_or_service_is_not_found(haikou):
    assert Client().get("/catalog/nowhere/").status_code == 404
    assert Client().get("/catalog/services/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_patient_cannot_reach_the_exchange_rates_page(guardian):
    client = signed_in(guardian)

    assert client.get("/catalog/exchange-rates/").status_code == 404
    assert client.post("/catalog/exchange-rates/add/", {"date": "2026-11-20", "base": "CNY", "currency": "MNT",
                                                        "rate": "480"}).status_code == 404
    assert not ExchangeRate.objects.exists()


def test_a_coordinator_uploads_the_daily_file_and_enters_a_missing_currency(coordinator):
    client = signed_in(coordinator)
    xml = b"<Envelope><Cube><Cube time='2026-11-20'><Cube currency='CNY' rate='8.0'/></Cube></Cube></Envelope>"
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = client.post("/catalog/exchange-rates/import/", {
        "file": SimpleUploadedFile("eurofxref-daily.xml", xml, "text/xml"), "source": "ECB"})
    entered = client.post("/catalog/exchange-rates/add/", {"date": "2026-11-20", "base": "CNY", "currency": "mnt",
                                                           "rate": "480.5"})
    page = client.get("/catalog/exchange-rates/")

    assert uploaded.status_code == 302 and entered.status_code == 302
    manual = ExchangeRate.objects.get(currency="MNT")
    assert manual.source == "manual" and manual.entered_by == coordinator and manual.base == "CNY"
    assert "MNT" in page.content.decode()


def test_a_bad_upload_names_the_problem_and_saves_nothing(coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = signed_in(coordinator).post("/catalog/exchange-rates/import/", {
        "file": SimpleUploadedFile("eurofxref.csv", b"Date, USD\n20 November 2026, abc\n", "text/csv"),
        "source": "ECB"})

    assert response.status_code == 400
    assert "abc" in response.content.decode()
    assert not ExchangeRate.objects.exists()
