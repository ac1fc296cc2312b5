"""Signing in: a new session each time, lockout after repeated failures, and a second factor for staff."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebridge.audit.models import AuditEvent
from conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/sign-in/", {"username": email, "password": password})


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_patient_signs_in_with_email_in_any_case_and_reaches_the_dashboard(client, guardian):
    response = sign_in(client, "OYUNAA@example.mn")

    assert response.status_code == 302 and response.url == "/accounts/dashboard/"
    assert client.get("/accounts/dashboard/").status_code == 200


def test_signing_in_starts_a_new_session(client, guardian):
    client.get("/accounts/sign-in/")
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    sign_in(client, guardian.email)

    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"
    assert client.session.get("_auth_user_id") == str(guardian.pk)


def test_a_wrong_password_is_refused_and_recorded_without_the_password(client, guardian):
    response = sign_in(client, guardian.email, "wrong-password-123")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    row = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert row.outcome == "failure"
    assert row.details["username"] == guardian.email
    assert "wrong-password-123" not in str(row.details)


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one_after(client, guardian):
    for _ in range(5):
        sign_in(client, guardian.email, "wrong-password-123")

    response = sign_in(client, guardian.email)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() >= 5


def test_a_staff_member_without_a_device_is_sent_to_set_one_up(client, coordinator):
    response = sign_in(client, coordinator.email)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/second-factor/set-up/")


def test_a_staff_member_reaches_no_staff_page_before_the_second_factor(coordinator):
    client = signed_in(coordinator, second_factor=False)

    for path in ["/accounts/dashboard/", "/accounts/preferences/", "/consents/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/second-factor/"), path
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json()["code"] == "second_factor_required"


def test_a_staff_member_sets_up_an_authenticator_and_then_reaches_the_dashboard(client, coordinator):
    sign_in(client, coordinator.email)
    page = client.get("/accounts/second-factor/set-up/")
    assert page.status_code == 200
    assert page.context["qr_data_uri"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)

    response = client.post("/accounts/second-factor/set-up/", {"token": current_code(device), "next": "/accounts/dashboard/"})

    assert response.status_code == 302 and response.url == "/accounts/dashboard/"
    assert client.get("/accounts/dashboard/").status_code == 200
    assert TOTPDevice.objects.get(user=coordinator).confirmed


def test_a_wrong_code_keeps_the_staff_member_out(client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    sign_in(client, coordinator.email)
    wrong = f"{(int(current_code(device)) + 1) % 1000000:06d}"

    response = client.post("/accounts/second-factor/", {"token": wrong})

    assert response.status_code == 400
    assert client.get("/accounts/dashboard/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.second_factor_failed").exists()


def test_the_right_code_lets_the_staff_member_in(client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    sign_in(client, coordinator.email)

    response = client.post("/accounts/second-factor/", {"token": current_code(device), "next": "/accounts/dashboard/"})

    assert response.status_code == 302
    assert client.get("/accounts/dashboard/").status_code == 200


def test_the_second_factor_page_does_not_redirect_to_another_site(client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    sign_in(client, coordinator.email)

    response = client.post("/accounts/second-factor/", {"token": current_code(device), "next": "https://evil.example/"})

    assert response.url == "/accounts/dashboard/"


def test_sessions_expire_after_idle_time_and_each_request_renews_them(settings, guardian):
    client = signed_in(guardian)
    client.get("/accounts/dashboard/")

    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE <= 3600


def test_signing_out_ends_the_session(guardian):
    client = signed_in(guardian)

    client.post("/accounts/sign-out/")

    assert client.get("/accounts/dashboard/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.sign_out").exists()


def test_an_anonymous_visitor_is_sent_to_sign_in():
    response = Client().get("/accounts/dashboard/")

    assert response.status_code == 302 and response.url.startswith("/accounts/sign-in/")
