"""Prices in the viewer's currency: Decimal cross rates through the euro, rounded per ISO 4217, dated."""

import datetime as dt
from decimal import Decimal

import pytest

from carebridge.catalog.selectors import latest_rates, price_in, rate_for
from carebridge.catalog.tests.factories import DAY, rates
from carebridge.core.errors import CareBridgeError

pytestmark = pytest.mark.django_db


def test_a_yuan_price_is_converted_through_the_euro_with_decimal_arithmetic():
    rates(CNY="8.0000", USD="1.1000")

    amount, info = price_in(Decimal("3880.00"), "USD", on=DAY)

    # 1 CNY = 1.1 / 8 = 0.1375 USD; 3880 × 0.1375 = 533.50
    assert info.rate == Decimal("0.1375") and info.date == DAY and info.source == "ECB"
    assert amount == Decimal("533.50") and isinstance(amount, Decimal)


def test_amounts_are_rounded_to_the_currencys_minor_unit():
    rates(CNY="8.0000", JPY="179.45", KWD="0.35560", USD="1.1590")

    yen, _ = price_in(Decimal("680.00"), "JPY", on=DAY)
    dinar, _ = price_in(Decimal("680.00"), "KWD", on=DAY)
    dollars, _ = price_in(Decimal("0.07"), "USD", on=DAY)

    assert yen == Decimal("15253") and yen.as_tuple().exponent == 0  # 15253.25 → no decimals
    assert dinar == Decimal("30.226") and dinar.as_tuple().exponent == -3  # 30.226 → three decimals
    assert dollars == Decimal("0.01")  # 0.0101… → cents, half up


def test_half_a_minor_unit_rounds_up():
    rates(CNY="1", USD="0.125")

    amount, _ = price_in(Decimal("0.10"), "USD", on=DAY)  # 0.0125

    assert amount == Decimal("0.01")
    assert price_in(Decimal("0.20"), "USD", on=DAY)[0] == Decimal("0.03")  # 0.025 → 0.03


def test_the_newest_rate_on_or_before_the_day_is_used():
    rates(DAY - dt.timedelta(days=3), CNY="8.0", USD="1.0")
    rates(DAY, CNY="8.0", USD="1.2")
    rates(DAY + dt.timedelta(days=1), CNY="8.0", USD="1.6")

    before, older = price_in(Decimal("100"), "USD", on=DAY - dt.timedelta(days=1))
    on_the_day, newest = price_in(Decimal("100"), "USD", on=DAY)

    assert older.date == DAY - dt.timedelta(days=3) and before == Decimal("12.50")
    assert newest.date == DAY and on_the_day == Decimal("15.00")


def test_yuan_and_euro_need_no_stored_rate_of_their_own():
    rates(CNY="8.0")

    yuan, yuan_info = price_in(Decimal("100"), "CNY", on=DAY)
    euro, euro_info = price_in(Decimal("100"), "EUR", on=DAY)

    assert yuan == Decimal("100.00") and yuan_info.rate == 1 and yuan_info.date is None
    assert euro == Decimal("12.50") and euro_info.date == DAY


def test_a_newer_rate_staff_entered_per_yuan_wins_over_an_older_cross_rate():
    rates(DAY - dt.timedelta(days=1), CNY="8.0", MNT="4000")
    rates(DAY, base="CNY", source="manual", MNT="480")

    amount, info = price_in(Decimal("10"), "MNT", on=DAY)

    assert info.base == "CNY" and info.source == "manual" and info.rate == Decimal("480")
    assert amount == Decimal("4800.00")


def test_an_unknown_currency_is_refused_with_a_stable_code():
    rates(CNY="8.0", USD="1.1")

    with pytest.raises(CareBridgeError) as unknown:
        price_in(Decimal("100"), "MNT", on=DAY)
    with pytest.raises(CareBridgeError) as nonsense:
        price_in(Decimal("100"), "XYZ", on=DAY)
    with pytest.raises(CareBridgeError) as too_early:
        price_in(Decimal("100"), "USD", on=DAY - dt.timedelta(days=1))

    assert unknown.value.code == nonsense.value.code == too_early.value.code == "rate_unknown"
    assert unknown.value.status == 400 and "MNT" in str(unknown.value.message)


def test_a_float_amount_is_refused():
    rates(CNY="8.0", USD="1.1")

    with pytest.raises(TypeError):
        price_in(680.0, "USD", on=DAY)


def test_the_latest_rates_list_every_currency_that_can_be_shown():
    rates(CNY="8.0", USD="1.1", JPY="180")

    listed = {info.currency: info.rate for info in latest_rates(on=DAY)}

    assert listed == {"EUR": Decimal("0.125"), "JPY": Decimal("22.5"), "USD": Decimal("0.1375")}
    assert rate_for("usd", on=DAY).currency == "USD"
