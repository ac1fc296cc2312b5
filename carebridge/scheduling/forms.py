"""Forms for booking: choosing a time, cancelling, rooms."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class AvailabilityForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.CharField(label=_("Doctors who speak"), required=False, max_length=35,
                               widget=forms.Select(choices=()))

    def clean(self):
        data = super().clean()
        today = dt.date.today()  # noqa: DTZ011 - a calendar day for the search window
        data["date_from"] = data.get("date_from") or today
        data["date_to"] = data.get("date_to") or data["date_from"] + dt.timedelta(days=14)
        if data["date_to"] < data["date_from"]:
            raise forms.ValidationError(_("The end of the search is before its start."))
        if (data["date_to"] - data["date_from"]).days > 92:
            raise forms.ValidationError(_("Search at most three months at a time."))
        return data


class BookForm(forms.Form):
    slot = forms.UUIDField(widget=forms.HiddenInput)
    patient = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Anything the hospital should know"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=200)


class RoomSearchForm(forms.Form):
    check_in = forms.DateField(label=_("Check-in"), widget=forms.DateInput(attrs={"type": "date"}))
    check_out = forms.DateField(label=_("Check-out"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("check_in") and data.get("check_out") and data["check_out"] <= data["check_in"]:
            raise forms.ValidationError(_("Check-out must be after check-in."))
        return data
