"""The reconciliation report: per day and channel, what the cashier's records say against what the ledger says.

For each day (in the hospital's time zone) and channel: the payments received (count, CNY), the refunds completed,
the net; beside it the movement of that channel's clearing account in the ledger on that day. The two must agree:
any difference is shown. Online payments still waiting for their provider and bank credits still waiting for the
cashier are shown beside them, since they are money that may yet arrive in the books.
"""

import csv
import datetime as dt
import io
import zoneinfo
from collections import defaultdict

from django.utils.translation import gettext as _

from carebridge.billing.ledger import CHANNEL_ACCOUNTS
from carebridge.billing.models import (
    ZERO,
    BankStatementLine,
    JournalLine,
    Payment,
    PaymentIntent,
    Refund,
)
from carebridge.core.errors import ValidationFailed

MAX_DAYS = 366
PENDING_INTENTS = (PaymentIntent.Status.CREATED, PaymentIntent.Status.PENDING)


def _channel_of_line(account, memo):
    """Return the channel a clearing-account line belongs to: its entry's memo names it; else the account's first."""
    word = (memo or "").split(" ", 1)[0]
    if word in CHANNEL_ACCOUNTS and CHANNEL_ACCOUNTS[word] == account:
        return word
    return str(next(channel for channel, target in CHANNEL_ACCOUNTS.items() if target == account))


def report_period(date_from, date_to):
    """Check a report's dates: from ≤ to, at most a year apart."""
    if date_from is None or date_to is None:
        raise ValidationFailed(_("Choose the first and the last day."), code="dates_required",
                               details={"date_from": "required"})
    if date_to < date_from:
        raise ValidationFailed(_("The last day cannot be before the first."), code="dates_reversed",
                               details={"date_to": "before_date_from"})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationFailed(_("A report covers at most %(days)s days.") % {"days": MAX_DAYS},
                               code="period_too_long", details={"date_to": "too_far"})
    return date_from, date_to


def _bounds(hospital, date_from, date_to):
    zone = zoneinfo.ZoneInfo(hospital.time_zone)
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return zone, start, end


def _row(day, channel):
    return {"day": day, "channel": channel, "channel_label": str(Payment.Channel(channel).label), "count": 0,
            "received": ZERO, "refunded": ZERO, "net": ZERO, "ledger": ZERO, "difference": ZERO,
            "pending_intents": 0, "pending_amount": ZERO, "unmatched_lines": 0, "unmatched_amounts": {}}


def reconciliation_report(*, hospital, date_from, date_to):
    """Return {rows, totals, differences} for a hospital and a period (both days included)."""
    date_from, date_to = report_period(date_from, date_to)
    zone, start, end = _bounds(hospital, date_from, date_to)
    rows = {}

    def row(moment_or_day, channel):
        day = moment_or_day if isinstance(moment_or_day, dt.date) and not isinstance(moment_or_day, dt.datetime) \
            else moment_or_day.astimezone(zone).date()
        channel = str(channel)  # a TextChoices member from CHANNEL_ACCOUNTS hashes unlike its value
        key = (day, channel)
        if key not in rows:
            rows[key] = _row(day, channel)
        return rows[key]

    for channel, received_at, amount in Payment.objects.filter(
            hospital=hospital, received_at__gte=start, received_at__lt=end).values_list(
            "channel", "received_at", "amount_cny"):
        target = row(received_at, channel)
        target["count"] += 1
        target["received"] += amount
    for channel, completed_at, amount in Refund.objects.filter(
            payment__hospital=hospital, status=Refund.Status.SUCCEEDED, completed_at__gte=start,
            completed_at__lt=end).values_list("payment__channel", "completed_at", "amount_cny"):
        row(completed_at, channel)["refunded"] += amount
    clearing = set(CHANNEL_ACCOUNTS.values())
    for account, posted_at, memo, debit, credit in JournalLine.objects.filter(
            entry__hospital=hospital, account__in=clearing, entry__posted_at__gte=start,
            entry__posted_at__lt=end).values_list("account", "entry__posted_at", "entry__memo", "debit", "credit"):
        row(posted_at, _channel_of_line(account, memo))["ledger"] += debit - credit
    for channel, created_at, amount in PaymentIntent.objects.filter(
            hospital=hospital, status__in=PENDING_INTENTS, created_at__gte=start, created_at__lt=end).values_list(
            "channel", "created_at", "amount_cny"):
        target = row(created_at, channel)
        target["pending_intents"] += 1
        target["pending_amount"] += amount
    for booked_on, amount, currency in BankStatementLine.objects.filter(
            statement__hospital=hospital, state=BankStatementLine.State.UNMATCHED, booked_on__gte=date_from,
            booked_on__lte=date_to).values_list("booked_on", "amount", "currency"):
        target = row(booked_on, Payment.Channel.BANK_TRANSFER)
        target["unmatched_lines"] += 1
        target["unmatched_amounts"][currency] = target["unmatched_amounts"].get(currency, ZERO) + amount

    channel_order = {channel: index for index, channel in enumerate(Payment.Channel.values)}
    result = sorted(rows.values(), key=lambda r: (r["day"], channel_order.get(r["channel"], 99)))
    totals = defaultdict(lambda: ZERO)
    for item in result:
        item["net"] = item["received"] - item["refunded"]
        item["difference"] = item["net"] - item["ledger"]
        item["unmatched_text"] = ", ".join(f"{amount} {currency}"
                                           for currency, amount in sorted(item["unmatched_amounts"].items()))
        for key in ("count", "received", "refunded", "net", "ledger", "difference", "pending_intents",
                    "pending_amount", "unmatched_lines"):
            totals[key] += item[key]
    return {"hospital": hospital, "date_from": date_from, "date_to": date_to, "rows": result,
            "totals": dict(totals), "differences": [item for item in result if item["difference"] != 0]}


CSV_COLUMNS = ("day", "channel", "count", "received", "refunded", "net", "ledger", "difference", "pending_intents",
               "pending_amount", "unmatched_lines", "unmatched_text")


def reconciliation_csv(report):
    """Return the report as CSV text (UTF-8 with BOM for spreadsheets), one row per day and channel."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Day"), _("Channel"), _("Payments"), _("Received (CNY)"), _("Refunded (CNY)"),
                     _("Net (CNY)"), _("Ledger (CNY)"), _("Difference (CNY)"), _("Online payments pending"),
                     _("Pending amount (CNY)"), _("Bank credits not matched"), _("Amounts not matched")])
    for item in report["rows"]:
        writer.writerow([item["day"].isoformat(), item["channel"], *[str(item[key]) for key in CSV_COLUMNS[2:]]])
    return out.getvalue()
