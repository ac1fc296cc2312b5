"""Forms of the catalog: the filters and currency switcher, and the staff's exchange-rate forms."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.catalog.models import Service
from carebridge.catalog.rate_files import MAX_FILE_BYTES, RATE_SOURCES
from carebridge.core.i18n import babel_locale


class ServiceFilterForm(forms.Form):
    """Narrow a hospital's services by kind and department, and choose the currency prices are shown in."""

    kind = forms.ChoiceField(label=_("Kind of service"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    currency = forms.ChoiceField(label=_("Show prices also in"), required=False)

    def __init__(self, *args, departments=(), currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds"))] + list(Service.Kind.choices)
        self.fields["department"].choices = [("", _("All departments"))] + [
            (d.code, d.translated("name")) for d in departments]
        self.fields["currency"].choices = currency_choices(currencies)


def currency_choices(codes):
    """Label each currency code with its name in the viewer's language: 'USD – US dollar'."""
    from babel.numbers import get_currency_name

    locale = babel_locale()
    return [(code, f"{code} – {get_currency_name(code, locale=locale)}") for code in codes]


class CurrencyForm(forms.Form):
    """Choose the currency prices are shown in (beside CNY)."""

    currency = forms.ChoiceField(label=_("Show prices also in"))

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices(currencies)


class RateFileForm(forms.Form):
    """Upload an ECB-style daily reference file (XML or CSV)."""

    file = forms.FileField(
        label=_("Reference-rate file (eurofxref XML or CSV)"),
        help_text=_("Rates per 1 EUR, as the European Central Bank publishes them. Nothing is saved if any line is "
                    "wrong."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.csv,text/xml,application/xml,text/csv"}),
    )
    source = forms.ChoiceField(label=_("Source"), choices=[(s, s) for s in RATE_SOURCES], initial="ECB",
                               help_text=_("Choose manual for rates the hospital set itself (e.g. from its bank)."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class RateEntryForm(forms.Form):
    """Type one rate: 1 base (CNY or EUR) = rate currency, on a date."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    base = forms.ChoiceField(label=_("Per 1"), choices=[("CNY", "CNY"), ("EUR", "EUR")], initial="CNY")
    currency = forms.CharField(label=_("Currency (ISO 4217 code)"), min_length=3, max_length=3,
                               widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off",
                                                             "dir": "ltr", "pattern": "[A-Za-z]{3}"}))
    rate = forms.DecimalField(label=_("Rate"), max_digits=18, decimal_places=8, min_value=0,
                              help_text=_("How many units of the currency one unit of the base buys."),
                              widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "dir": "ltr"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
