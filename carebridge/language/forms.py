"""Forms of language services: choosing an interpreter, completing an assignment, assigning a navigator."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Membership
from carebridge.language.services import NAVIGATOR_ROLES
from carebridge.patients.forms import patient_language_choices
from carebridge.patients.selectors import patients_at
from carebridge.scheduling.models import Appointment


class CompleteForm(forms.Form):
    minutes_worked = forms.IntegerField(label=_("Minutes worked"), min_value=1, max_value=720,
                                        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class NavigatorForm(forms.Form):
    """Give a patient of the hospital a bilingual one-on-one navigator."""

    patient = forms.ModelChoiceField(label=_("Patient"), queryset=None, to_field_name="public_id")
    navigator = forms.ModelChoiceField(label=_("Navigator (a coordinator or interpreter of this hospital)"),
                                       queryset=None, to_field_name="public_id")
    language = forms.ChoiceField(label=_("Language"), choices=())
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, hospital, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The patients the desk is preparing for (upcoming live appointments here), plus the one asked about.
        upcoming = Appointment.objects.filter(hospital=hospital, status__in=Appointment.LIVE,
                                              end__gte=timezone.now()).values("patient_id")
        self.fields["patient"].queryset = patients_at(hospital).filter(
            Q(pk__in=upcoming) | Q(pk=getattr(patient, "pk", None))).order_by("family_name", "given_names")
        self.fields["patient"].label_from_instance = lambda p: f"{p.display_name} · {p.date_of_birth:%Y-%m-%d}"
        members = Membership.objects.filter(organisation=hospital, role__in=NAVIGATOR_ROLES, is_active=True)
        self.fields["navigator"].queryset = get_user_model().objects.filter(
            pk__in=members.values("user_id"), is_active=True).order_by("full_name")
        self.fields["language"].choices = patient_language_choices()
