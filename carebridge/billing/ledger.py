"""The double-entry ledger: every movement of patients' money posts one balanced journal entry."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from carebridge.billing.models import ZERO, JournalEntry, JournalLine, LedgerAccount, Payment

CHANNEL_ACCOUNTS = {
    Payment.Channel.CASH: LedgerAccount.CASH,
    Payment.Channel.CARD: LedgerAccount.CARD_CLEARING,
    Payment.Channel.ONLINE_CARD: LedgerAccount.ONLINE_CLEARING,
    Payment.Channel.WALLET: LedgerAccount.ONLINE_CLEARING,
    Payment.Channel.BANK_TRANSFER: LedgerAccount.BANK,
    Payment.Channel.INSURER: LedgerAccount.INSURER_CLEARING,
}


class UnbalancedEntry(Exception):
    """A programming error: an entry whose debits and credits differ is never written."""


def journal_post(*, hospital, kind, reference, lines, memo="", posted_at=None):
    """Post one entry; `lines` is [(account, debit, credit)] and must balance. Call inside the caller's transaction."""
    lines = [(account, Decimal(debit or 0), Decimal(credit or 0)) for account, debit, credit in lines
             if (debit or 0) or (credit or 0)]
    debits = sum((debit for _, debit, _ in lines), ZERO)
    credits = sum((credit for _, _, credit in lines), ZERO)
    if debits != credits or not lines:
        raise UnbalancedEntry(f"{kind} {reference}: debits {debits} != credits {credits}")
    entry = JournalEntry.objects.create(hospital=hospital, kind=kind, reference=str(reference), memo=memo[:300],
                                        posted_at=posted_at or timezone.now())
    JournalLine.objects.bulk_create([JournalLine(entry=entry, account=account, debit=debit, credit=credit)
                                     for account, debit, credit in lines])
    return entry


def channel_account(channel):
    """Return the clearing account where a channel's money arrives."""
    return CHANNEL_ACCOUNTS[channel]


def ledger_totals(*, hospital=None):
    """Return (total debits, total credits) of all posted lines (of one hospital); they are always equal."""
    lines = JournalLine.objects.all()
    if hospital is not None:
        lines = lines.filter(entry__hospital=hospital)
    sums = lines.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return sums["debit"] or ZERO, sums["credit"] or ZERO


def account_balances(*, hospital, until=None):
    """Return {account: debit - credit} for a hospital, optionally up to a moment."""
    lines = JournalLine.objects.filter(entry__hospital=hospital)
    if until is not None:
        lines = lines.filter(entry__posted_at__lte=until)
    balances = defaultdict(lambda: ZERO)
    for row in lines.values("account").annotate(debit=Sum("debit"), credit=Sum("credit")):
        balances[row["account"]] = (row["debit"] or ZERO) - (row["credit"] or ZERO)
    return dict(balances)


def unbalanced_entries(*, hospital=None):
    """Return the ids of entries whose lines do not balance (there should be none)."""
    entries = JournalLine.objects.values("entry_id").annotate(debit=Sum("debit"), credit=Sum("credit"))
    if hospital is not None:
        entries = entries.filter(entry__hospital=hospital)
    return [row["entry_id"] for row in entries if row["debit"] != row["credit"]]
