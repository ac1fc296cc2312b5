"""The catalog through the JSON API: public prices in any currency, and rates only staff may change."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carebridge.catalog.models import ExchangeRate
from carebridge.catalog.tests.factories import checkup, chest_ct, rates
from conftest import signed_in

pytestmark = pytest.mark.django_db
XML = b"<Envelope><Cube><Cube time='2026-11-20'><Cube currency='CNY' rate='8.0'/></Cube></Cube></Envelope>"


def test_the_api_lists_a_hospitals_services_with_prices_in_the_asked_currency(haikou):
    chest_ct(haikou)
    checkup(haikou)
    rates(CNY="8.0", USD="1.1", JPY="180")

    dollars = Client().get(f"/api/v1/hospitals/{haikou.public_id}/services", {"currency": "USD"}).json()
    yen = Client().get(f"/api/v1/hospitals/{haikou.public_id}/services",
                       {"currency": "JPY", "kind": "imaging"}).json()

    ct = next(item for item in dollars["items"] if item["code"] == "chest-ct")
    assert dollars["count"] == 2
    assert Decimal(ct["price_cny"]) == Decimal("680.00") and ct["currency"] == "USD"
    assert ct["price"] == "93.50" and Decimal(ct["rate"]) == Decimal("0.1375") and ct["rate_date"] == "2026-11-20"
    assert [item["code"] for item in yen["items"]] == ["chest-ct"] and yen["items"][0]["price"] == "15300"


def test_the_api_answers_in_the_callers_language(haikou):
    chest_ct(haikou)

    body = Client().get(f"/api/v1/hospitals/{haikou.public_id}/services", HTTP_ACCEPT_LANGUAGE="ru").json()

    assert body["items"][0]["name"] == "КТ органов грудной клетки"
    assert body["items"][0]["currency"] == "CNY" and body["items"][0]["price"] == "680.00"


def test_an_unknown_currency_gets_the_error_body(haikou):
    chest_ct(haikou)

    response = Client().get(f"/api/v1/hospitals/{haikou.public_id}/services", {"currency": "MNT"})

    assert response.status_code == 400
    assert response.json()["code"] == "rate_unknown" and response.json()["details"] == {"currency": "MNT"}


def test_a_package_is_read_with_its_stations_in_order(haikou):
    package = checkup(haikou)

    body = Client().get(f"/api/v1/services/{package.public_id}").json()

    assert [s["order"] for s in body["stations"]] == [1, 2, 3, 4]
    assert [s["area"] for s in body["stations"]] == ["general", "general", "female", "male"]
    assert Client().get("/api/v1/services/00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_latest_rates_are_public(haikou):
    rates(CNY="8.0", USD="1.1")

    everything = Client().get("/api/v1/exchange-rates").json()
    one = Client().get("/api/v1/exchange-rates", {"currency": "USD"}).json()

    assert {r["currency"] for r in everything} == {"EUR", "USD"}
    assert one == [{"currency": "USD", "rate": "0.13750000", "date": "2026-11-20", "source": "ECB", "base": "EUR"}]


def test_a_patient_cannot_import_rates_and_is_told_not_found(guardian):
    response = signed_in(guardian).post("/api/v1/exchange-rates/import",
                                        {"file": SimpleUploadedFile("eurofxref-daily.xml", XML, "text/xml")})

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not ExchangeRate.objects.exists()


def test_an_anonymous_caller_cannot_enter_a_rate(db):
    response = Client().post("/api/v1/exchange-rates", {"date": "2026-11-20", "currency": "MNT", "rate": "480"},
                             content_type="application/json")

    assert response.status_code == 401


def test_a_cashier_imports_the_file_and_a_bad_one_is_refused_whole(coordinator):
    client = signed_in(coordinator)

    good = client.post("/api/v1/exchange-rates/import",
                       {"file": SimpleUploadedFile("eurofxref-daily.xml", XML, "text/xml")})
    bad = client.post("/api/v1/exchange-rates/import",
                      {"file": SimpleUploadedFile("eurofxref.csv", b"Date, USD, JPY\n2026-11-21, 1.1, -3\n")})

    assert good.status_code == 200 and good.json()["created"] == 1
    assert bad.status_code == 400 and bad.json()["code"] == "rate_file_bad_rate"
    assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["CNY"]


def test_staff_enter_a_rate_by_hand_but_never_over_a_published_one(coordinator):
    rates(CNY="8.0", USD="1.1")
    client = signed_in(coordinator)

    entered = client.post("/api/v1/exchange-rates", {"date": "2026-11-20", "currency": "MNT", "rate": "480.25"},
                          content_type="application/json")
    clash = client.post("/api/v1/exchange-rates", {"date": "2026-11-20", "currency": "USD", "rate": "1.2",
                                                   "base": "EUR"}, content_type="application/json")

    assert entered.status_code == 201 and entered.json()["source"] == "manual"
    assert clash.status_code == 409 and clash.json()["code"] == "rate_published"
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("1.1")
