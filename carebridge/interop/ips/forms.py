"""The upload form of a patient summary from abroad."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebridge.interop.ips.rules import MAX_BYTES


class IpsUploadForm(forms.Form):
    file = forms.FileField(label=_("Patient summary (IPS, FHIR JSON)"),
                           help_text=_("A .json file of at most 5 MB from the doctor or system at home."))
    identity_confirmed = forms.BooleanField(
        label=_("I have checked that this summary is this patient's, though the name is written differently."),
        required=False)

    def __init__(self, *args, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["identity_confirmed"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Read one byte more than allowed: the checker then answers "too large" without holding a huge file.
        return upload.read(MAX_BYTES + 1)
