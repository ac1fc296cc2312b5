"""Forms for signing in and up, preferences and the second factor."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from carebridge.core import i18n


class SignInForm(AuthenticationForm):
    """Sign in with an e-mail address; refuse an address not yet confirmed."""

    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        "invalid_login": _("The e-mail address or password is not right. Both are case-sensitive for the password."),
        "inactive": _("This account is inactive."),
        "unverified": _("Confirm your e-mail address first: we have just sent you a new link."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.email_verified_at is None:
            self.unverified_user = user
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")


class SignUpForm(forms.Form):
    """Open a patient or guardian account; the consent to process personal data is asked here."""

    full_name = forms.CharField(label=_("Full name"), max_length=200,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. A long passphrase is best; common passwords are refused."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=())
    time_zone = forms.ChoiceField(label=_("Your home time zone"), choices=())
    consent_personal_data = forms.BooleanField(label=_("I agree to the processing of my personal information."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = i18n.language_choices()
        self.fields["time_zone"].choices = i18n.time_zone_choices()

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class PreferencesForm(forms.Form):
    """Choose the language of the pages and messages and the time zone times are shown in."""

    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=())
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = i18n.language_choices()
        self.fields["time_zone"].choices = i18n.time_zone_choices()


class OtpTokenForm(forms.Form):
    """Enter the six-digit code from an authenticator app."""

    token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6}),
    )
