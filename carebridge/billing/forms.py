"""Forms of the billing pages: the cashier's desk (payments, lines, refunds, write-offs, credit notes) and estimates.

Amounts are taken as text and checked by the services, so every refusal reads the same on the page and in the API.
Forms that move money carry a hidden idempotency key made when the form is drawn: a double submit records once.
"""

import uuid

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from carebridge.billing.models import InvoiceLine, Payment

# What the cashier records at the desk; online channels arrive through their providers.
DESK_CHANNELS = (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.BANK_TRANSFER)


def new_key():
    """Return a fresh idempotency key for a form about to be drawn."""
    return uuid.uuid4().hex


def amount_field(label, *, required=True):
    return forms.CharField(label=label, max_length=20, required=required,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                         "dir": "ltr"}))


class KeyedForm(forms.Form):
    """A form with a hidden idempotency key, made fresh for every unbound form."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())


class PaymentForm(KeyedForm):
    """Money taken at the desk: a deposit, or a payment of one of the patient's open invoices."""

    purpose = forms.ChoiceField(label=_("What it is for"), choices=Payment.Purpose.choices,
                                initial=Payment.Purpose.DEPOSIT)
    invoice = forms.ChoiceField(label=_("Invoice"), required=False)
    channel = forms.ChoiceField(label=_("Paid by"), choices=[(c.value, c.label) for c in DESK_CHANNELS])
    amount = amount_field(_("Amount"))
    currency = forms.ChoiceField(label=_("Currency"), initial="CNY")
    reference = forms.CharField(label=_("Slip or transfer reference (optional)"), max_length=120, required=False)
    payer_name = forms.CharField(label=_("Paid by (name, optional)"), max_length=200, required=False)

    def __init__(self, *args, invoices=(), currencies=("CNY",), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [("", "—")] + [(str(i.public_id), i.number) for i in invoices]
        self.fields["currency"].choices = [(code, code) for code in currencies]


class InvoiceLineForm(forms.Form):
    """A line added by hand to a draft invoice: a drug, a fee, a service not booked."""

    kind = forms.ChoiceField(label=_("Kind of item"), choices=InvoiceLine.Kind.choices,
                             initial=InvoiceLine.Kind.OTHER)
    code = forms.CharField(label=_("Service code"), max_length=60, required=False)
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    unit_price = amount_field(_("Unit price (CNY)"))
    service_date = forms.DateField(label=_("Date of service"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))


class RefundForm(KeyedForm):
    """Give back what is left of a payment (a deposit's balance at discharge)."""

    amount = amount_field(_("Amount to refund (CNY)"))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class WriteOffForm(forms.Form):
    amount = amount_field(_("Amount to write off (CNY)"))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CreditNoteForm(forms.Form):
    amount = amount_field(_("Amount to credit (CNY); leave empty to credit the whole invoice"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class EstimateForm(forms.Form):
    """The heading of a cost estimate; the items come in EstimateLineFormSet."""

    title = forms.CharField(label=_("Title"), max_length=200)
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.ChoiceField(label=_("Patient's currency"))
    note = forms.CharField(label=_("Note to the patient"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, currencies=("CNY",), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]


class EstimateLineForm(forms.Form):
    """One item: a catalog service (its price by default) or free text, with a low–high range when uncertain."""

    service = forms.ChoiceField(label=_("Service"), required=False)
    description = forms.CharField(label=_("Description (optional for a service)"), max_length=300, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1, required=False)
    low = amount_field(_("Unit price, from (CNY)"), required=False)
    high = amount_field(_("Unit price, up to (CNY)"), required=False)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "—")] + [(str(s.public_id), f"{s.code} · {s.translated('name')}")
                                                         for s in services]

    @property
    def is_blank(self):
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(name) for name in ("service", "description", "low", "high"))


EstimateLineFormSet = formset_factory(EstimateLineForm, extra=5, max_num=50, validate_max=True)
