"""Pages for signing in and up, the second factor, preferences and the dashboard."""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebridge.accounts import services
from carebridge.accounts.dashboards import ROLE_TASKS
from carebridge.accounts.forms import OtpTokenForm, PreferencesForm, SignInForm, SignUpForm
from carebridge.accounts.selectors import is_staff_user, memberships_of
from carebridge.accounts.signals import account_event
from carebridge.core.errors import CareBridgeError
from carebridge.core.forms import form_add_service_errors


class SignInView(auth_views.LoginView):
    """Sign in by e-mail and password; staff continue to their second factor."""

    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        user = getattr(form, "unverified_user", None)
        if user is not None:
            services.email_verification_send(user=user, verify_url_base=self.request.build_absolute_uri("/")[:-1])
        return super().form_invalid(form)

    def get_success_url(self):
        if is_staff_user(self.request.user):
            device_exists = TOTPDevice.objects.filter(user=self.request.user, confirmed=True).exists()
            target = "accounts:otp_verify" if device_exists else "accounts:otp_setup"
            return f"{reverse(target)}?next={super().get_success_url()}"
        return super().get_success_url()


def _safe_next(request, default="accounts:dashboard"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Open a patient or guardian account and send the confirmation e-mail."""
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    initial = {"language": request.LANGUAGE_CODE, "time_zone": request.COOKIES.get("cb_tz", "Asia/Shanghai")}
    form = SignUpForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.patient_sign_up(
                email=data["email"], password=data["password"], full_name=data["full_name"],
                language=data["language"], time_zone=data["time_zone"], request=request,
                consents=["personal_data"] if data["consent_personal_data"] else [],
                verify_url_base=request.build_absolute_uri("/")[:-1],
            )
        except CareBridgeError as exc:
            _form_add_error(form, exc)
        else:
            return render(request, "accounts/sign_up_done.html", {"email": user.email})
    return render(request, "accounts/sign_up.html", {"form": form}, status=400 if form.errors else 200)


def _form_add_error(form, exc):
    form_add_service_errors(form, exc, field="email" if exc.code == "email_taken" else None)


def email_verify(request, token):
    """Confirm an e-mail address from the link sent to it."""
    try:
        services.email_verify(token=token, request=request)
    except CareBridgeError as exc:
        return render(request, "accounts/email_verify_failed.html", {"message": exc.message}, status=400)
    messages.success(request, _("Your e-mail address is confirmed. You can sign in now."))
    return redirect("accounts:sign_in")


def _raise_privileges(request, device):
    """Record the second factor under a new session key and CSRF token, so a key known before is worth nothing."""
    request.session.cycle_key()
    rotate_token(request)
    otp_login(request, device)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Set up an authenticator app: show its key as a QR code, then confirm with a first code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('accounts:otp_verify')}?next={_safe_next(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _raise_privileges(request, device)
            account_event.send(sender=otp_setup, user=request.user, request=request, action="auth.second_factor_set_up")
            return redirect(_safe_next(request))
        form.add_error("token", _("This code is not right. Check the time on your phone and try the newest code."))
    qr = segno.make(device.config_url, error="m")
    qr_data_uri = "data:image/svg+xml;base64," + base64.b64encode(
        qr.svg_inline(scale=4, dark="#111", light="#fff").encode()
    ).decode()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/otp_setup.html", {"form": form, "qr_data_uri": qr_data_uri, "secret": secret,
                                                        "next": _safe_next(request)},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Give the second factor to reach staff pages."""
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('accounts:otp_setup')}?next={_safe_next(request)}")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        devices = list(devices_for_user(request.user))
        if devices and not any(d.verify_is_allowed()[0] for d in devices):
            # django-otp pauses a device briefly after a wrong code; even the right code is refused meanwhile.
            form.add_error("token", _("Too many wrong codes in a row. Wait a few seconds, then enter the newest code."))
            return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)}, status=429)
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            _raise_privileges(request, device)
            account_event.send(sender=otp_verify, user=request.user, request=request, action="auth.second_factor_given")
            return redirect(_safe_next(request))
        account_event.send(sender=otp_verify, user=request.user, request=request, action="auth.second_factor_failed")
        form.add_error("token", _("This code is not right. Check the time on your phone and try the newest code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)},
                  status=400 if form.errors else 200)


@login_required
def dashboard(request):
    """Show the signed-in person what they can do, one panel per role."""
    panels = [
        {"membership": m, "tasks": ROLE_TASKS.get(m.role, [])} for m in memberships_of(request.user)
    ]
    return render(request, "accounts/dashboard.html", {"panels": panels})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Change language, time zone and name."""
    user = request.user
    form = PreferencesForm(request.POST or None,
                           initial={"full_name": user.full_name, "language": user.language, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_preferences_update(user=user, language=data["language"], time_zone=data["time_zone"],
                                             full_name=data["full_name"], request=request)
        except CareBridgeError as exc:
            _form_add_error(form, exc)
        else:
            response = redirect("accounts:preferences")
            response.set_cookie("django_language", user.language, samesite="Lax")
            with translation.override(user.language):
                messages.success(request, _("Your preferences are saved."))
            return response
    return render(request, "accounts/preferences.html", {"form": form}, status=400 if form.errors else 200)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
