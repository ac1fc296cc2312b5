"""The reconciliation report agrees with the ledger per day and channel, and shows any difference."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from carebridge.billing import bank, reconciliation, services
from carebridge.billing.ledger import account_balances
from carebridge.billing.models import JournalEntry, JournalLine, LedgerAccount, PaymentIntent
from carebridge.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def today():
    """The hospitals' day (Asia/Shanghai), which the report counts in."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def day_of_money(issued_invoice, temuulen, haikou, cashier):
    """Cash on the invoice, a card deposit partly refunded, an unmatched bank credit, an online payment pending."""
    services.payment_record(hospital=haikou, patient=temuulen, invoice=issued_invoice, channel="cash",
                            amount="500.00", currency="CNY", received_by=cashier)
    deposit = services.payment_record(hospital=haikou, patient=temuulen, purpose="deposit", channel="card",
                                      amount="2000.00", currency="CNY", received_by=cashier)
    services.refund_request(payment=deposit, amount_cny="300.00", reason="Too much", requested_by=cashier)
    bank.bank_statement_import(hospital=haikou, filename="s.csv", imported_by=cashier, data=(
        "date,amount,currency,reference,counterparty,bank_reference\n"
        f"{today()},400.00,CNY,Invoice {issued_invoice.number},X,B-1\n"
        f"{today()},77.00,USD,unknown,Y,B-2\n").encode())
    PaymentIntent.objects.create(hospital=haikou, patient=temuulen, purpose="deposit", provider="sandbox",
                                 channel="online_card", amount="185.00", currency="SGD", amount_cny="1000.00",
                                 status=PaymentIntent.Status.PENDING, created_by=cashier)


def rows_by_channel(report):
    return {row["channel"]: row for row in report["rows"]}


def test_each_channels_figures_equal_the_ledgers_clearing_account(day_of_money, haikou):
    report = reconciliation.reconciliation_report(hospital=haikou, date_from=today(), date_to=today())

    rows = rows_by_channel(report)
    balances = account_balances(hospital=haikou)
    assert rows["cash"]["count"] == 1 and rows["cash"]["net"] == Decimal("500.00")
    assert rows["card"]["received"] == Decimal("2000.00") and rows["card"]["refunded"] == Decimal("300.00")
    assert rows["card"]["net"] == balances[LedgerAccount.CARD_CLEARING] == rows["card"]["ledger"]
    assert rows["bank_transfer"]["net"] == balances[LedgerAccount.BANK] == Decimal("400.00")
    assert rows["bank_transfer"]["unmatched_lines"] == 1 and rows["bank_transfer"]["unmatched_text"] == "77.00 USD"
    assert rows["online_card"]["pending_intents"] == 1 and rows["online_card"]["pending_amount"] == Decimal("1000.00")
    assert report["differences"] == [] and report["totals"]["difference"] == 0
    assert report["totals"]["net"] == Decimal("2600.00")


def test_a_difference_injected_in_the_ledger_is_shown(day_of_money, haikou):
    entry = JournalEntry.objects.filter(kind="payment", memo__startswith="cash").get()
    JournalLine.objects.filter(entry=entry, account=LedgerAccount.CASH).update(debit=Decimal("450.00"))

    report = reconciliation.reconciliation_report(hospital=haikou, date_from=today(), date_to=today())

    assert [(row["channel"], row["difference"]) for row in report["differences"]] == [("cash", Decimal("50.00"))]
    assert "50.00" in reconciliation.reconciliation_csv(report)


def test_a_payment_changed_behind_the_ledgers_back_is_shown(day_of_money, haikou):
    from carebridge.billing.models import Payment

    Payment.objects.filter(channel="card").update(amount_cny=Decimal("2100.00"))

    report = reconciliation.reconciliation_report(hospital=haikou, date_from=today(), date_to=today())

    assert rows_by_channel(report)["card"]["difference"] == Decimal("100.00")


def test_days_are_the_hospitals_days_and_other_hospitals_are_left_out(day_of_money, haikou, chongqing):
    yesterday = today() - dt.timedelta(days=1)

    assert reconciliation.reconciliation_report(hospital=chongqing, date_from=today(), date_to=today())["rows"] == []
    assert reconciliation.reconciliation_report(hospital=haikou, date_from=yesterday,
                                                date_to=yesterday)["rows"] == []


def test_a_reversed_or_too_long_period_is_refused(haikou):
    with pytest.raises(ValidationFailed):
        reconciliation.reconciliation_report(hospital=haikou, date_from=today(), date_to=today() - dt.timedelta(1))
    with pytest.raises(ValidationFailed):
        reconciliation.reconciliation_report(hospital=haikou, date_from=today() - dt.timedelta(400), date_to=today())
