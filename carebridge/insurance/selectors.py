"""Reads of insurance: agreements that apply, eligibility reasons in words, case queues, figures by insurer and month."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.insurance.models import (
    ZERO,
    Claim,
    DirectBilling,
    DirectBillingAgreement,
    GuaranteeOfPayment,
)

REASONS = {
    "payer_unknown": lambda: _("The insurer is not in our directory, so it cannot pay the hospital directly."),
    "policy_not_started": lambda: _("The policy has not started yet on that date."),
    "policy_expired": lambda: _("The policy has expired on that date."),
    "no_agreement": lambda: _("The hospital has no direct billing agreement with this insurer."),
    "plan_not_covered": lambda: _("The agreement does not include this plan."),
    "inpatient_not_covered": lambda: _("The agreement does not cover inpatient stays."),
    "outpatient_not_covered": lambda: _("The agreement does not cover outpatient care."),
    "direct_billing_not_requested": lambda: _("The patient did not ask for direct billing with this policy."),
    "gop_required": lambda: _("The insurer must issue a guarantee of payment before treatment."),
    "gop_not_required": lambda: _("No guarantee of payment is needed: the insurer pays the invoice directly."),
}


def reason_text(code):
    """Return the sentence, in the active language, that explains an eligibility reason code."""
    return str(REASONS[code]()) if code in REASONS else code


def case_organisations(payer):
    """Return the organisations whose case managers work a payer's cases: the payer and its TPA or assistance firm."""
    organisations = [payer]
    profile = getattr(payer, "payer_profile", None)
    if profile is not None and profile.administered_by_id:
        organisations.append(profile.administered_by)
    return organisations


def agreement_for(*, hospital, payer, on=None):
    """Return the hospital's active agreement with a payer on a date, or None."""
    on = on or timezone.localdate()
    return (DirectBillingAgreement.objects.filter(hospital=hospital, payer=payer, is_active=True, valid_from__lte=on)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on)).order_by("-valid_from").first())


def plan_covered(agreement, plan_name):
    """Tell whether the agreement includes a plan (an empty list of plans includes every plan)."""
    plans = [p.strip().casefold() for p in agreement.plans if p.strip()]
    return not plans or (plan_name or "").strip().casefold() in plans


def gop_valid(gop, *, on=None):
    """Tell whether a GOP is approved (wholly or in part) and still valid on a date."""
    on = on or timezone.localdate()
    return gop.status in GuaranteeOfPayment.VALID and (gop.valid_until is None or gop.valid_until >= on)


def gops_for_insurer(*, organisations, status=None):
    """Return the GOP cases addressed to these organisations (or to insurers they administer), newest first."""
    gops = GuaranteeOfPayment.objects.filter(
        Q(payer__in=organisations) | Q(payer__payer_profile__administered_by__in=organisations)
    ).exclude(status=GuaranteeOfPayment.Status.DRAFT).select_related("hospital", "patient", "payer", "policy")
    if status:
        gops = gops.filter(status=status)
    return gops.order_by("respond_by", "-created_at")


def claims_for_insurer(*, organisations, status=None):
    """Return the claims addressed to these organisations (or to insurers they administer), newest first."""
    claims = Claim.objects.filter(
        Q(payer__in=organisations) | Q(payer__payer_profile__administered_by__in=organisations)
    ).exclude(status=Claim.Status.DRAFT).select_related("hospital", "patient", "payer", "invoice")
    if status:
        claims = claims.filter(status=status)
    return claims.order_by("-submitted_at")


def gops_at(*, hospital, status=None):
    """Return a hospital's GOP cases, the ones waiting longest first."""
    gops = GuaranteeOfPayment.objects.filter(hospital=hospital).select_related("patient", "payer", "policy")
    if status:
        gops = gops.filter(status=status)
    return gops.order_by("-created_at")


def claims_at(*, hospital, status=None):
    """Return a hospital's claims, newest first."""
    claims = Claim.objects.filter(hospital=hospital).select_related("patient", "payer", "invoice")
    if status:
        claims = claims.filter(status=status)
    return claims.order_by("-created_at")


def gop_used(gop):
    """Return how much of a GOP's limit the claims under it have used (insurer's share, CNY)."""
    return gop.claims.exclude(status__in=[Claim.Status.CANCELLED, Claim.Status.REJECTED]).aggregate(
        s=Sum("insurer_share"))["s"] or ZERO


def direct_billing_figures(*, hospital, year):
    """Return, per month of a year, direct-billed and self-paid invoices by insurer: counts and CNY totals.

    {"months": [1..12], "rows": [{"insurer": name, "months": {m: {"count", "amount"}}, "total": Decimal}],
     "self_paid": {m: {"count", "amount"}}, "direct_total", "self_paid_total"}
    """
    from carebridge.billing.models import Invoice

    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    invoices = (Invoice.objects.filter(hospital=hospital, kind=Invoice.Kind.INVOICE, issued_at__gte=start,
                                       issued_at__lt=end)
                .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.CANCELLED]))
    direct = {d.invoice_id: d.gop.payer.name for d in DirectBilling.objects.filter(
        invoice__in=invoices).select_related("gop__payer")}
    claimed = {c.invoice_id: c.payer.name for c in Claim.objects.filter(invoice__in=invoices).exclude(
        status__in=[Claim.Status.CANCELLED, Claim.Status.REJECTED]).select_related("payer")}
    by_insurer = defaultdict(lambda: defaultdict(lambda: {"count": 0, "amount": Decimal("0.00")}))
    self_paid = defaultdict(lambda: {"count": 0, "amount": Decimal("0.00")})
    for invoice in invoices:
        month = timezone.localtime(invoice.issued_at).month
        insurer = direct.get(invoice.pk) or claimed.get(invoice.pk)
        cell = by_insurer[insurer][month] if insurer else self_paid[month]
        cell["count"] += 1
        cell["amount"] += invoice.total
    rows = [{"insurer": name, "months": dict(months),
             "total": sum((c["amount"] for c in months.values()), Decimal("0.00")),
             "count": sum(c["count"] for c in months.values())}
            for name, months in sorted(by_insurer.items())]
    return {"months": list(range(1, 13)), "rows": rows, "self_paid": dict(self_paid),
            "direct_total": sum((row["total"] for row in rows), Decimal("0.00")),
            "self_paid_total": sum((c["amount"] for c in self_paid.values()), Decimal("0.00"))}
