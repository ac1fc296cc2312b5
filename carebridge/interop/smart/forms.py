"""Forms of the SMART pages: registering a hospital's client, issuing an app's token, the app consent screen."""

import json

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from carebridge.interop.smart.models import SmartClient
from carebridge.interop.smart.services import (
    LAUNCH_PATIENT,
    PATIENT_SCOPES,
    PATIENT_TOKEN_LIFETIMES,
    SYSTEM_SCOPES,
)

# What each scope lets an app or a system do, in words; the scope itself is shown beside.
SCOPE_LABELS = {
    "system/*.read": _("Read and search the records of the hospital's patients"),
    "system/*.rs": _("Read and search the records of the hospital's patients (SMART v2)"),
    "system/Patient.read": _("Read and search patients' identity details only"),
    "system/Patient.rs": _("Read and search patients' identity details only (SMART v2)"),
    "system/Bundle.write": _("Import International Patient Summaries into patients' records"),
    "patient/*.read": _("The whole record"),
    "patient/*.rs": _("The whole record (SMART v2)"),
    "patient/Patient.read": _("Identity and contact details"),
    "patient/Condition.read": _("Problems and diagnoses"),
    "patient/AllergyIntolerance.read": _("Allergies"),
    "patient/MedicationStatement.read": _("Medicines taken"),
    "patient/MedicationRequest.read": _("Prescriptions"),
    "patient/Immunization.read": _("Vaccinations"),
    "patient/Observation.read": _("Test results and vital signs"),
    "patient/DiagnosticReport.read": _("Reports"),
    "patient/DocumentReference.read": _("Documents"),
    LAUNCH_PATIENT: _("Know which record it reads"),
}


def scope_label(scope):
    """Return a scope in words, with the scope itself in brackets."""
    return format_lazy("{} ({})", SCOPE_LABELS.get(scope, scope), scope)


def scope_choices(scopes):
    return [(scope, scope_label(scope)) for scope in scopes]


class ClientForm(forms.Form):
    hospital = forms.ChoiceField(label=_("Hospital"))
    name = forms.CharField(label=_("Name of the system or app"), max_length=100)
    auth_method = forms.ChoiceField(label=_("Kind of client"), widget=forms.RadioSelect,
                                    choices=SmartClient.Auth.choices, initial=SmartClient.Auth.PRIVATE_KEY_JWT)
    allowed_scopes = forms.MultipleChoiceField(
        label=_("Allowed scopes"), widget=forms.CheckboxSelectMultiple,
        choices=scope_choices(SYSTEM_SCOPES) + scope_choices(PATIENT_SCOPES),
        help_text=_("A system takes system/ scopes; a patient app takes patient/ scopes."))
    jwks = forms.CharField(label=_("Public keys (JWKS)"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("For a signed JWT client: paste the JWKS as JSON. A jwks_uri cannot be "
                                       "used: this server does not fetch keys from the internet."))
    redirect_uris = forms.CharField(label=_("Redirect URIs"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("For a patient app: one https address per line."))

    def __init__(self, *args, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [(str(h.public_id), h.name) for h in hospitals]
        self.hospitals = {str(h.public_id): h for h in hospitals}

    def clean_hospital(self):
        return self.hospitals[self.cleaned_data["hospital"]]

    def clean_jwks(self):
        text = self.cleaned_data["jwks"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON.")) from None

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("auth_method")
        if method == SmartClient.Auth.PRIVATE_KEY_JWT and not cleaned.get("jwks") and "jwks" not in self.errors:
            self.add_error("jwks", _("Paste the client's public keys (JWKS)."))
        return cleaned

    def redirect_uri_list(self):
        return self.cleaned_data.get("redirect_uris", "").split()


class AppTokenForm(forms.Form):
    patient = forms.ChoiceField(label=_("Record"))
    name = forms.CharField(label=_("Name of the app"), max_length=100)
    lifetime = forms.ChoiceField(label=_("For how long"), initial="1h",
                                 choices=[(key, label) for key, (_delta, label) in PATIENT_TOKEN_LIFETIMES.items()])
    scopes = forms.MultipleChoiceField(label=_("What the app may read"), widget=forms.CheckboxSelectMultiple,
                                       choices=scope_choices(PATIENT_SCOPES), initial=["patient/*.read"])

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [(str(p.public_id), p.display_name) for p in patients]
        self.patients = {str(p.public_id): p for p in patients}

    def clean_patient(self):
        return self.patients[self.cleaned_data["patient"]]


class ConsentForm(forms.Form):
    """The consent screen: which record the app reads, and which of the parts it asked for."""

    patient = forms.ChoiceField(label=_("Which record may the app read?"), widget=forms.RadioSelect)
    scopes = forms.MultipleChoiceField(label=_("What the app may read"), widget=forms.CheckboxSelectMultiple,
                                       required=False)

    def __init__(self, *args, patients, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [(str(p.public_id), p.display_name) for p in patients]
        if len(patients) == 1:
            self.fields["patient"].initial = str(patients[0].public_id)
        self.fields["scopes"].choices = scope_choices(scopes)
        self.fields["scopes"].initial = list(scopes)
        self.patients = {str(p.public_id): p for p in patients}

    def clean_patient(self):
        return self.patients[self.cleaned_data["patient"]]
