"""Forms of referrals: refer a patient, decline with a reason, accept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.interop.referrals.models import Referral


class ReferralForm(forms.Form):
    to_hospital = forms.ModelChoiceField(label=_("Refer to"), queryset=Organisation.objects.none(),
                                         to_field_name="public_id")
    reason = forms.CharField(label=_("Reason for the referral"), widget=forms.Textarea(attrs={"rows": 4}),
                             max_length=4000)
    reason_code = forms.CharField(label=_("Diagnosis (ICD-10 code, optional)"), required=False, max_length=10)
    priority = forms.ChoiceField(label=_("Priority"), choices=Referral.Priority.choices,
                                 initial=Referral.Priority.ROUTINE)
    document_ids = forms.MultipleChoiceField(label=_("Documents to send with the patient summary"), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    consent_attested = forms.BooleanField(
        label=_("The patient (or guardian) signed the consent to send these records to the receiving hospital"),
        required=False,
        help_text=_("Otherwise the patient is asked in the portal, and the records wait for the answer."))

    def __init__(self, *args, from_hospital=None, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        hospitals = Organisation.objects.filter(kind=OrganisationKind.HOSPITAL).order_by("name")
        if from_hospital is not None:
            hospitals = hospitals.exclude(pk=from_hospital.pk)
        self.fields["to_hospital"].queryset = hospitals
        self.fields["document_ids"].choices = [(str(d.public_id), f"{d.title} ({d.issued_at:%Y-%m-%d})")
                                               for d in documents]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)


class AcceptForm(forms.Form):
    register_patient = forms.BooleanField(label=_("Register the patient at our hospital now"), required=False,
                                          initial=True,
                                          help_text=_("Only when the patient agreed to send the records; otherwise "
                                                      "register them at the desk on arrival."))
