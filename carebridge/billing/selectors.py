"""Reads of billing: what is still to bill, balances, a patient's account, the cashier's lists."""

from decimal import Decimal

from babel.numbers import get_territory_currencies
from django.db.models import Sum
from django.utils import timezone

from carebridge.billing.models import (
    HOME_CURRENCY,
    ZERO,
    BillingPolicy,
    CostEstimate,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentIntent,
    Refund,
)
from carebridge.catalog.models import Service
from carebridge.core.i18n import valid_currency

BILLED_STATES = (Invoice.Status.DRAFT, Invoice.Status.ISSUED, Invoice.Status.PAID)


def tax_rate_for(hospital):
    """Return the tax rate a hospital charges on its services (0 unless its billing policy says otherwise)."""
    policy = BillingPolicy.objects.filter(hospital=hospital).first()
    return policy.tax_rate if policy else Decimal("0")


def patient_currency(patient):
    """Return the currency a patient thinks in: that of their home address, else of their nationality, else CNY."""
    for country in (getattr(patient, "address_country", ""), getattr(patient, "nationality", "")):
        if not country or len(country) != 2:
            continue
        try:
            currencies = get_territory_currencies(country.upper(), tender=True)
        except Exception:  # noqa: BLE001 - an unknown territory simply has no currency
            currencies = []
        if currencies and valid_currency(currencies[0]):
            return currencies[0]
    return HOME_CURRENCY


def _billed_sources(hospital, patient):
    return set(InvoiceLine.objects.filter(invoice__hospital=hospital, invoice__patient=patient,
                                          invoice__kind=Invoice.Kind.INVOICE, invoice__status__in=BILLED_STATES)
               .exclude(source="").values_list("source", flat=True))


def billable_items(*, hospital, patient):
    """Return what was delivered to the patient at the hospital and is not yet on a live invoice, as line fields."""
    from carebridge.clinical.models import Order
    from carebridge.scheduling.models import Appointment, RoomBooking

    billed = _billed_sources(hospital, patient)
    items = []
    appointments = (Appointment.objects.filter(hospital=hospital, patient=patient,
                                               status__in=[Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED])
                    .select_related("service", "slot").order_by("slot__start"))
    for appointment in appointments:
        source = f"appointment:{appointment.public_id}"
        if source in billed:
            continue
        service = appointment.service
        package = service.kind in (Service.Kind.CHECKUP_PACKAGE, Service.Kind.TCM_PACKAGE)
        items.append({"kind": InvoiceLine.Kind.PACKAGE if package else InvoiceLine.Kind.CONSULTATION,
                      "code": service.code, "description": service.name,
                      "service_date": timezone.localdate(appointment.slot.start), "quantity": 1,
                      "unit_price": service.price, "amount": service.price, "source": source})
    orders = (Order.objects.filter(encounter__hospital=hospital, patient=patient, status=Order.Status.COMPLETED)
              .select_related("service").order_by("ordered_at"))
    for order in orders:
        source = f"order:{order.public_id}"
        if source in billed:
            continue
        items.append({"kind": InvoiceLine.Kind.EXAMINATION, "code": order.service.code,
                      "description": order.service.name, "service_date": timezone.localdate(order.ordered_at),
                      "quantity": 1, "unit_price": order.service.price, "amount": order.service.price,
                      "source": source})
    stays = (RoomBooking.objects.filter(room__room_type__hospital=hospital, patient=patient,
                                        status__in=[RoomBooking.Status.OCCUPIED, RoomBooking.Status.COMPLETED])
             .select_related("room__room_type").order_by("check_in"))
    for stay in stays:
        source = f"room_booking:{stay.public_id}"
        if source in billed:
            continue
        nights = (stay.check_out - stay.check_in).days
        room_type = stay.room.room_type
        items.append({"kind": InvoiceLine.Kind.ROOM, "code": f"room-{room_type.kind}", "description": room_type.name,
                      "service_date": stay.check_in, "quantity": nights, "unit_price": room_type.nightly_price,
                      "amount": room_type.nightly_price * nights, "source": source})
        for extra in stay.extras:
            quantity = nights if extra.get("per_night") else 1
            price = Decimal(str(extra.get("price", "0")))
            items.append({"kind": InvoiceLine.Kind.EXTRA, "code": extra.get("code", "")[:60],
                          "description": extra.get("name", "")[:300], "service_date": stay.check_in,
                          "quantity": quantity, "unit_price": price, "amount": price * quantity,
                          "source": f"room_extra:{stay.public_id}:{extra.get('code', '')}"[:80]})
    return items


def invoice_credited(invoice):
    """Return the total of the credit notes against an invoice."""
    return invoice.credit_notes.aggregate(s=Sum("total"))["s"] or ZERO


def invoice_paid(invoice):
    """Return what payments (deposits included) have settled of an invoice, in CNY."""
    return invoice.allocations.aggregate(s=Sum("amount_cny"))["s"] or ZERO


def invoice_balance(invoice):
    """Return what is still due on an issued invoice, in CNY (0 for drafts, credit notes and cancelled invoices)."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        return ZERO
    written_off = invoice.write_offs.aggregate(s=Sum("amount_cny"))["s"] or ZERO
    return invoice.total - invoice_credited(invoice) - invoice_paid(invoice) - written_off


def payment_unapplied(payment):
    """Return the part of a payment neither applied to an invoice nor refunded (refunds pending count as taken)."""
    applied = payment.allocations.aggregate(s=Sum("amount_cny"))["s"] or ZERO
    refunded = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount_cny"))["s"] or ZERO
    return payment.amount_cny - applied - refunded


def patient_credit(*, hospital, patient):
    """Return the patient's deposits and credit not yet applied or refunded at a hospital, in CNY."""
    return sum((payment_unapplied(p) for p in Payment.objects.filter(hospital=hospital, patient=patient)), ZERO)


def patient_account(*, hospital=None, patient):
    """Return the patient's invoices, payments, refunds, estimates and balance (one hospital or all)."""
    invoices = Invoice.objects.filter(patient=patient).exclude(status=Invoice.Status.DRAFT).select_related("hospital")
    payments = Payment.objects.filter(patient=patient).select_related("hospital", "invoice")
    refunds = Refund.objects.filter(payment__patient=patient).select_related("payment__hospital")
    estimates = CostEstimate.objects.filter(patient=patient).exclude(status=CostEstimate.Status.DRAFT)
    intents = PaymentIntent.objects.filter(patient=patient).exclude(status=PaymentIntent.Status.SUCCEEDED)
    if hospital is not None:
        invoices = invoices.filter(hospital=hospital)
        payments = payments.filter(hospital=hospital)
        refunds = refunds.filter(payment__hospital=hospital)
        estimates = estimates.filter(hospital=hospital)
        intents = intents.filter(hospital=hospital)
    invoices = list(invoices)
    for invoice in invoices:
        invoice.balance = invoice_balance(invoice)
    payments = list(payments)
    for payment in payments:
        payment.unapplied = payment_unapplied(payment)
    due = sum((invoice.balance for invoice in invoices), ZERO)
    credit = sum((payment.unapplied for payment in payments), ZERO)
    return {"invoices": invoices, "payments": payments, "refunds": list(refunds), "estimates": list(estimates),
            "intents": list(intents.order_by("-created_at")[:20]), "due": due, "credit": credit,
            "balance": due - credit}


def invoices_at(*, hospital, status=None, query=""):
    """Return a hospital's invoices (newest first), optionally of one status or matching a number or name."""
    invoices = Invoice.objects.filter(hospital=hospital).select_related("patient").order_by("-created_at")
    if status:
        invoices = invoices.filter(status=status)
    if query:
        from django.db.models import Q

        invoices = invoices.filter(Q(number__icontains=query) | Q(patient__family_name__icontains=query)
                                   | Q(patient__given_names__icontains=query))
    return invoices


def payments_at(*, hospital, day=None):
    """Return a hospital's payments, newest first, optionally of one day (hospital time)."""
    payments = Payment.objects.filter(hospital=hospital).select_related("patient", "invoice").order_by("-received_at")
    if day is not None:
        payments = payments.filter(received_at__date=day)
    return payments


def estimates_at(*, hospital):
    """Return a hospital's cost estimates, newest first."""
    return CostEstimate.objects.filter(hospital=hospital).select_related("patient").prefetch_related("lines")


def estimate_totals(estimate):
    """Return (low, high) in CNY and (low, high) in the estimate's currency at its frozen (or today's) rate."""
    from carebridge.catalog.selectors import rate_for, round_money

    lines = list(estimate.lines.all())
    low = sum((line.total_low for line in lines), ZERO)
    high = sum((line.total_high for line in lines), ZERO)
    rate = estimate.rate or rate_for(estimate.currency).rate
    return {"low": low, "high": high, "currency": estimate.currency,
            "low_converted": round_money(low * rate, estimate.currency),
            "high_converted": round_money(high * rate, estimate.currency), "rate": rate,
            "rate_date": estimate.rate_date}
