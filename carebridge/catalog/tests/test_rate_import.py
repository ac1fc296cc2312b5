"""Importing the ECB's daily reference file (XML or CSV): all or nothing, idempotent, problems named."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from carebridge.catalog.demo import ECB_SAMPLE, MANUAL_SAMPLE
from carebridge.catalog.models import ExchangeRate
from carebridge.catalog.rate_files import RateFileError
from carebridge.catalog.services import exchange_rates_import
from carebridge.catalog.tests.factories import DAY

pytestmark = pytest.mark.django_db

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                 xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2026-11-20">
      <Cube currency="USD" rate="1.0523"/>
      <Cube currency="CNY" rate="7.6410"/>
      <Cube currency="JPY" rate="162.88"/>
    </Cube>
  </Cube>
</gesmes:Envelope>
"""
CSV = b"Date, USD, JPY, CNY, \n20 November 2026, 1.0523, 162.88, 7.6410, \n"


def stored():
    return sorted(ExchangeRate.objects.values_list("date", "base", "currency", "rate", "source"))


def test_the_ecb_xml_file_is_imported_per_euro():
    result = exchange_rates_import(content=XML, filename="eurofxref-daily.xml")

    assert result.dates == [DAY] and result.created == 3
    assert stored() == [(DAY, "EUR", "CNY", Decimal("7.6410"), "ECB"), (DAY, "EUR", "JPY", Decimal("162.88"), "ECB"),
                        (DAY, "EUR", "USD", Decimal("1.0523"), "ECB")]


def test_the_ecb_csv_file_gives_the_same_rates_as_the_xml():
    exchange_rates_import(content=XML, filename="eurofxref-daily.xml")
    from_xml = stored()
    ExchangeRate.objects.all().delete()

    result = exchange_rates_import(content=CSV, filename="eurofxref.csv")

    assert result.created == 3 and stored() == from_xml


def test_the_history_csv_with_iso_dates_and_missing_values_is_read():
    content = b"Date,USD,CNY,RUB,\n2026-11-20,1.0523,7.6410,N/A,\n2026-11-19,1.0500,7.6300,N/A,\n"

    result = exchange_rates_import(content=content, filename="eurofxref-hist.csv")

    assert result.dates == [DAY - dt.timedelta(days=1), DAY] and result.created == 4
    assert not ExchangeRate.objects.filter(currency="RUB").exists()


def test_importing_the_same_file_again_changes_nothing():
    exchange_rates_import(content=XML, filename="eurofxref-daily.xml")
    before = list(ExchangeRate.objects.values_list("pk", "rate", "source"))

    again = exchange_rates_import(content=CSV, filename="eurofxref.csv")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(ExchangeRate.objects.values_list("pk", "rate", "source")) == before


def test_a_corrected_file_for_the_same_day_replaces_that_days_rates():
    exchange_rates_import(content=XML, filename="eurofxref-daily.xml")

    result = exchange_rates_import(content=XML.replace(b"1.0523", b"1.0530"), filename="eurofxref-daily.xml")

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("1.0530")
    assert ExchangeRate.objects.count() == 3


BAD_FILES = [
    ("not well-formed XML", b"<Cube><Cube time='2026-11-20'><Cube currency='USD' rate='1.05'></Cube>",
     "rate_file_malformed"),
    ("an XML entity bomb", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>",
     "rate_file_malformed"),
    ("a date that does not exist", XML.replace(b"2026-11-20", b"2026-11-31"), "rate_file_bad_date"),
    ("a currency that is not ISO 4217", XML.replace(b'"JPY"', b'"XXQ"'), "rate_file_bad_currency"),
    ("a negative rate", XML.replace(b"162.88", b"-162.88"), "rate_file_bad_rate"),
    ("a rate that is not a number", XML.replace(b"162.88", b"1,62"), "rate_file_bad_rate"),
    ("a currency twice on a day", XML.replace(b'"JPY"', b'"USD"'), "rate_file_duplicate"),
    ("a rate outside a dated Cube", XML.replace(b'<Cube time="2026-11-20">', b"<Cube>"), "rate_file_malformed"),
    ("an XML file without rates", b"<Envelope><Cube><Cube time='2026-11-20'/></Cube></Envelope>", "rate_file_empty"),
    ("a CSV row shorter than its header", b"Date, USD, JPY\n20 November 2026, 1.05\n", "rate_file_malformed"),
    ("a CSV without the Date column", b"USD, JPY\n1.05, 162.88\n", "rate_file_malformed"),
    ("a CSV header without rows", b"Date, USD, JPY\n", "rate_file_empty"),
    ("a CSV with an unreadable date", b"Date, USD\nyesterday, 1.05\n", "rate_file_bad_date"),
    ("an empty file", b"", "rate_file_empty"),
    ("a binary file", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "rate_file_malformed"),
]


@pytest.mark.parametrize(("problem", "content", "code"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_with_the_problem_named_and_nothing_written(problem, content, code):
    with pytest.raises(RateFileError) as refused:
        exchange_rates_import(content=content, filename="rates.xml" if content.startswith(b"<") else "rates.csv")

    assert refused.value.code == code and refused.value.status == 400
    assert str(refused.value.message)
    assert not ExchangeRate.objects.exists()


def test_a_file_whose_last_day_is_bad_writes_none_of_its_good_days():
    content = b"Date,USD,CNY\n2026-11-19,1.05,7.63\n2026-11-20,1.05,seven\n"

    with pytest.raises(RateFileError) as refused:
        exchange_rates_import(content=content, filename="eurofxref-hist.csv")

    assert refused.value.details["line"] == 3 and "seven" in str(refused.value.message)
    assert not ExchangeRate.objects.exists()


def test_the_command_imports_the_sample_files_and_refuses_a_bad_one(tmp_path, capsys):
    call_command("rates_import", str(ECB_SAMPLE))
    call_command("rates_import", str(MANUAL_SAMPLE), "--source", "manual")
    count = ExchangeRate.objects.count()
    call_command("rates_import", str(ECB_SAMPLE))
    bad = tmp_path / "eurofxref.csv"
    bad.write_bytes(b"Date, USD\n20 November 2026, -1\n")

    with pytest.raises(CommandError, match="rate_file_bad_rate"):
        call_command("rates_import", str(bad))

    assert ExchangeRate.objects.count() == count
    assert set(ExchangeRate.objects.filter(source="manual").values_list("currency", flat=True)) == {
        "RUB", "MNT", "AED", "VND", "PKR", "KWD"}
    assert {"CNY", "USD", "GBP", "JPY", "KRW", "SGD", "THB", "PHP"} <= set(
        ExchangeRate.objects.filter(source="ECB").values_list("currency", flat=True))
    assert "0 new, 0 changed" in capsys.readouterr().out
