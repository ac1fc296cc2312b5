"""Forms of the pathway pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebridge.clinical.pathways.definitions import REGISTRY


class StartForm(forms.Form):
    key = forms.ChoiceField(label=_("Pathway"), choices=())
    event_at = forms.DateTimeField(label=_("When the sensitising event or the delivery happened"), required=False,
                                   help_text=_("Leave empty to count from now."),
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(d.key, d.name) for d in REGISTRY.values()]


class StepNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why the pathway is cancelled"), max_length=300)


class HomeDoseForm(forms.Form):
    vaccine = forms.ChoiceField(label=_("Vaccine"), choices=())
    occurred_on = forms.DateField(label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"}))
    dose_number = forms.IntegerField(label=_("Dose"), min_value=1, max_value=10, required=False)
    country = forms.CharField(label=_("Country where given (ISO code)"), max_length=2, required=False)

    def __init__(self, *args, vaccines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vaccine"].choices = list(vaccines)
