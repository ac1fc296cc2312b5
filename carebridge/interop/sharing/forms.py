"""The form a patient or guardian fills to create a share link."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebridge.interop.sharing.services import DEFAULT_DAYS, MAX_DAYS, PASSCODE_MIN_LENGTH


class ShareLinkForm(forms.Form):
    label = forms.CharField(label=_("Name of the link"), max_length=80,
                            help_text=_("For you and the doctor, e.g. \"Dr Bat, family clinic\"."))
    expires_in_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS,
                                         initial=DEFAULT_DAYS)
    passcode = forms.CharField(label=_("Passcode (optional)"), required=False, min_length=PASSCODE_MIN_LENGTH,
                               max_length=64, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("Tell the doctor the passcode separately, not with the link. After 5 "
                                           "wrong tries the link locks."))
    document_ids = forms.MultipleChoiceField(label=_("Documents to add to your summary"), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_ids"].choices = [(str(d.public_id), f"{d.title} ({d.issued_at:%Y-%m-%d})")
                                               for d in documents]


class OpenForm(forms.Form):
    recipient = forms.CharField(label=_("Your name"), max_length=200,
                                help_text=_("The patient sees who opened the link and when."))
    passcode = forms.CharField(label=_("Passcode"), required=False, max_length=64,
                               widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
