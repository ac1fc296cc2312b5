"""Sessions: a new key at sign-in and when the second factor raises privileges, and an end after idle time."""

import datetime as dt
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def session_key(client):
    return client.cookies["sessionid"].value


def test_signing_in_gives_a_new_session_key_and_the_old_one_no_longer_works(guardian):
    client = Client()
    client.get("/accounts/sign-in/")
    session = client.session  # an anonymous session an attacker could have fixed beforehand
    session["planted"] = True
    session.save()
    before = session.session_key

    client.post("/accounts/sign-in/", {"username": guardian.email, "password": PASSWORD})

    assert session_key(client) != before
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/accounts/dashboard/").status_code == 302


def test_giving_the_second_factor_gives_a_new_session_key(coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="phone", confirmed=True)
    client = Client()
    client.post("/accounts/sign-in/", {"username": coordinator.email, "password": PASSWORD})
    before = session_key(client)

    response = client.post("/accounts/second-factor/", {"token": current_code(device), "next": "/desk/"})

    assert response.status_code == 302 and response.url == "/desk/"
    assert session_key(client) != before
    assert client.get("/desk/").status_code == 200
    # The key known before the second factor does not reach staff pages.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/desk/").status_code == 302


def test_setting_up_the_second_factor_gives_a_new_session_key(coordinator):
    client = Client()
    client.post("/accounts/sign-in/", {"username": coordinator.email, "password": PASSWORD})
    client.get("/accounts/second-factor/set-up/")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    before = session_key(client)

    client.post("/accounts/second-factor/set-up/", {"token": current_code(device), "next": "/desk/"})

    assert session_key(client) != before
    assert client.get("/desk/").status_code == 200


def later(seconds):
    """Patch the clock the session store reads, as if this many seconds had passed."""
    moment = timezone.now() + dt.timedelta(seconds=seconds)
    return mock.patch("django.contrib.sessions.backends.db.timezone.now", return_value=moment)


def test_a_session_left_idle_past_the_limit_is_ended(settings, guardian):
    settings.SESSION_COOKIE_AGE = 600
    client = signed_in(guardian, second_factor=False)
    assert client.get("/accounts/dashboard/").status_code == 200

    with later(601):
        response = client.get("/accounts/dashboard/")

    assert response.status_code == 302 and response.url.startswith("/accounts/sign-in/")


def test_each_request_renews_the_idle_limit(settings, guardian):
    settings.SESSION_COOKIE_AGE = 600
    client = signed_in(guardian, second_factor=False)

    with later(400):
        assert client.get("/accounts/dashboard/").status_code == 200
    with later(800):  # 400 s after the last request, 800 s after signing in
        assert client.get("/accounts/dashboard/").status_code == 200
    with later(1401):
        assert client.get("/accounts/dashboard/").status_code == 302


def test_an_idle_staff_session_ends_for_the_api_as_well(settings, coordinator):
    settings.SESSION_COOKIE_AGE = 600
    client = signed_in(coordinator)
    assert client.get("/api/v1/me").status_code == 200

    with later(601):
        response = client.get("/api/v1/me")

    assert response.status_code == 401
