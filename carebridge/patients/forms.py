"""Forms of the first-visit record: the passport step, the details step, documents and insurance."""

import pycountry
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.core import i18n
from carebridge.patients.models import BloodGroup, Guardianship, MessagingApp, PatientDocument, RhFactor, Sex

# Languages patients most often need, beyond the 12 of the interface (BCP 47).
EXTRA_PATIENT_LANGUAGES = ["pt", "de", "it", "id", "ms", "fil", "hi", "bn", "kk", "uz", "ky", "fa", "tr", "he",
                           "ne", "km", "lo", "my", "si", "ta", "sw", "ha", "pl", "uk", "nl", "sv"]


def patient_language_choices():
    codes = [code for code, _name in settings.LANGUAGES] + EXTRA_PATIENT_LANGUAGES
    return sorted(((code, i18n.language_name(code)) for code in codes), key=lambda pair: pair[1].casefold())


def country_choices():
    names = [(c.alpha_2, i18n.country_name(c.alpha_2)) for c in pycountry.countries]
    return [("", "—")] + sorted(names, key=lambda pair: pair[1].casefold())


class PassportForm(forms.Form):
    """Step one: the passport's machine-readable zone, pasted or photographed."""

    acting_as = forms.ChoiceField(
        label=_("Who is the patient?"),
        choices=[("self", _("Me")), ("guardian", _("A child or a person I act for"))],
        widget=forms.RadioSelect, initial="self",
    )
    mrz = forms.CharField(
        label=_("The two or three lines at the bottom of the passport page (machine-readable zone)"),
        required=False, max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "characters",
                                     "autocomplete": "off", "class": "mono", "dir": "ltr"}),
    )
    photo = forms.FileField(label=_("Or a photo of the passport's photo page"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("mrz") and not data.get("photo"):
            raise forms.ValidationError(_("Paste the machine-readable zone or add a photo of the passport page."))
        return data


class DetailsForm(forms.Form):
    """Step two: check what the passport gave, and add what it cannot."""

    mrz = forms.CharField(widget=forms.HiddenInput)
    acting_as = forms.CharField(widget=forms.HiddenInput)
    hospital = forms.ModelChoiceField(label=_("Hospital you are going to"), queryset=Organisation.objects.none(),
                                      empty_label=None, to_field_name="public_id")
    relationship = forms.ChoiceField(label=_("Your relationship to the patient"), required=False,
                                     choices=[("", "—"), *Guardianship.Relationship.choices])
    family_name = forms.CharField(label=_("Surname (as on the passport)"), max_length=100)
    given_names = forms.CharField(label=_("Given names (as on the passport)"), max_length=150, required=False)
    native_name = forms.CharField(label=_("Name in your own script"), max_length=200, required=False,
                                  help_text=_("For example Батбаяр, 김민준 or محمد."))
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    nationality = forms.ChoiceField(label=_("Nationality"), choices=())
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=())
    interpreter_needed = forms.BooleanField(label=_("An interpreter is needed"), required=False)
    home_time_zone = forms.ChoiceField(label=_("Home time zone"), choices=())
    phone = forms.CharField(label=_("Mobile phone, with country code"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}))
    email = forms.EmailField(label=_("E-mail address"), required=False)
    address_country = forms.ChoiceField(label=_("Country of residence"), choices=(), required=False)
    address_lines = forms.CharField(label=_("Home address"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    address_city = forms.CharField(label=_("City"), max_length=100, required=False)
    emergency_contact_name = forms.CharField(label=_("Emergency contact"), max_length=200, required=False)
    emergency_contact_relationship = forms.CharField(label=_("Their relationship to the patient"), max_length=50,
                                                     required=False)
    emergency_contact_phone = forms.CharField(label=_("Emergency contact's phone"), max_length=30, required=False,
                                              widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr"}))
    blood_group = forms.ChoiceField(label=_("Blood group"), choices=BloodGroup.choices, required=False)
    rh_factor = forms.ChoiceField(label=_("Rh factor"), choices=RhFactor.choices, required=False)
    planned_visit = forms.DateField(label=_("Planned date of the visit"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    consent_personal_data = forms.BooleanField(label=_("I agree to the processing of personal information."),
                                               required=False)
    consent_sensitive_health_data = forms.BooleanField(
        label=_("I agree to the processing of health information."), required=False)
    consent_cross_border_transfer = forms.BooleanField(
        label=_("I agree that records may be sent abroad when I ask for it."), required=False)

    def __init__(self, *args, hospitals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = hospitals if hospitals is not None else Organisation.objects.filter(
            kind=OrganisationKind.HOSPITAL).order_by("name")
        countries = country_choices()
        self.fields["nationality"].choices = countries
        self.fields["address_country"].choices = countries
        self.fields["preferred_language"].choices = patient_language_choices()
        self.fields["home_time_zone"].choices = i18n.time_zone_choices()
        for app, label in MessagingApp.choices:
            self.fields[f"messaging_{app}"] = forms.CharField(label=label, max_length=100, required=False)

    def messaging_fields(self):
        return [self[f"messaging_{app}"] for app in MessagingApp.values]


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=PatientDocument.Kind.choices)
    language = forms.ChoiceField(label=_("Language of the document"), choices=(), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File (PDF, JPEG, PNG or WebP, up to 10 MB)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "—"), *patient_language_choices()]


class InsurancePolicyForm(forms.Form):
    payer = forms.ModelChoiceField(label=_("Insurer"), required=False, to_field_name="public_id",
                                   queryset=Organisation.objects.filter(kind=OrganisationKind.INSURER).order_by("name"))
    payer_name = forms.CharField(label=_("Insurer (if not in the list)"), max_length=200, required=False)
    member_id = forms.CharField(label=_("Member number"), max_length=60, required=False)
    policy_number = forms.CharField(label=_("Policy number"), max_length=60, required=False)
    plan_name = forms.CharField(label=_("Plan"), max_length=120, required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    direct_billing_requested = forms.BooleanField(label=_("Ask the insurer to pay the hospital directly"),
                                                  required=False, initial=True)
    card_front = forms.FileField(label=_("Photo of the card (front)"), required=False)
    card_back = forms.FileField(label=_("Photo of the card (back)"), required=False)
