"""Patients open their own accounts, confirm their e-mail, and only then sign in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from carebridge.audit.models import AuditEvent, Consent

User = get_user_model()
pytestmark = pytest.mark.django_db


def sign_up_form(**overrides):
    data = {
        "full_name": "Oyunaa Bold",
        "email": "oyunaa@example.mn",
        "password": "tenger-nuur-2026-spring",
        "language": "mn",
        "time_zone": "Asia/Ulaanbaatar",
        "consent_personal_data": "on",
    }
    data.update(overrides)
    return data


def test_a_visitor_signs_up_and_gets_a_confirmation_link_in_her_language(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/sign-up/", sign_up_form())

    assert response.status_code == 200
    user = User.objects.get(email="oyunaa@example.mn")
    assert user.language == "mn" and user.time_zone == "Asia/Ulaanbaatar"
    assert user.email_verified_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["oyunaa@example.mn"]
    assert "/accounts/verify/" in mail.outbox[0].body


def test_the_consent_given_at_sign_up_keeps_the_exact_text_and_language_shown(client):
    client.post("/accounts/sign-up/", sign_up_form(), HTTP_ACCEPT_LANGUAGE="mn")

    user = User.objects.get(email="oyunaa@example.mn")
    consent = Consent.objects.get(subject_public_id=user.public_id)
    assert consent.kind == "personal_data"
    assert consent.text_language == "mn"
    assert consent.text_version == "2026-11"
    assert len(consent.text_shown) > 100
    assert AuditEvent.objects.filter(action="consent.given", object_id=str(consent.public_id)).count() == 1


def test_sign_up_without_the_consent_saves_nothing(client):
    data = sign_up_form()
    del data["consent_personal_data"]

    response = client.post("/accounts/sign-up/", data)

    assert response.status_code == 400
    assert not User.objects.exists()
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-address"), ("password", "password"), ("password", "short"), ("password", "12345678901"),
     ("language", "xx"), ("time_zone", "Mars/Olympus")],
)
def test_bad_input_re_renders_the_form_with_a_field_error_and_saves_nothing(client, field, value):
    response = client.post("/accounts/sign-up/", sign_up_form(**{field: value}))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not User.objects.exists()
    assert mail.outbox == []


def test_a_second_account_with_the_same_address_is_refused(client, guardian):
    response = client.post("/accounts/sign-up/", sign_up_form(email="OYUNAA@example.mn"))

    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert User.objects.filter(email__iexact="oyunaa@example.mn").count() == 1


def test_a_64_character_passphrase_is_accepted(client):
    response = client.post("/accounts/sign-up/", sign_up_form(password="correct horse battery staple " * 2 + "ulaanbaatar"))

    assert response.status_code == 200
    assert User.objects.filter(email="oyunaa@example.mn").exists()


def test_form_errors_are_in_the_language_of_the_page(client):
    response = client.post("/accounts/sign-up/", sign_up_form(email="not-an-address"), HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 400
    assert 'lang="ru"' in response.content.decode()
    assert "Enter a valid email address." not in response.content.decode()


@pytest.fixture
def signed_up(client, django_capture_on_commit_callbacks):
    """Oyunaa has signed up; her confirmation e-mail is in the outbox."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/sign-up/", sign_up_form())
    return client


def _confirmation_path():
    return re.search(r"(/accounts/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_the_confirmation_link_verifies_the_address_and_then_sign_in_works(signed_up):
    client = signed_up
    response = client.get(_confirmation_path())

    assert response.status_code == 302
    assert User.objects.get(email="oyunaa@example.mn").email_verified_at is not None
    response = client.post("/accounts/sign-in/", {"username": "oyunaa@example.mn", "password": "tenger-nuur-2026-spring"})
    assert response.status_code == 302
    assert response.url == "/accounts/dashboard/"


def test_an_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(signed_up, django_capture_on_commit_callbacks):
    client = signed_up
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/sign-in/", {"username": "oyunaa@example.mn", "password": "tenger-nuur-2026-spring"}
        )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 2


def test_a_tampered_confirmation_link_is_refused(signed_up):
    response = signed_up.get(_confirmation_path()[:-3] + "xx/")

    assert response.status_code == 400
    assert User.objects.get(email="oyunaa@example.mn").email_verified_at is None


def test_the_api_opens_an_account_the_same_way(client):
    response = client.post(
        "/api/v1/sign-up",
        {"email": "tan@example.sg", "password": "merlion-and-durian-2026", "full_name": "Tan Wei Ming",
         "language": "en", "time_zone": "Asia/Singapore", "consent_personal_data": True},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["email"] == "tan@example.sg"
    user = User.objects.get(email="tan@example.sg")
    assert Consent.objects.filter(subject_public_id=user.public_id, kind="personal_data").exists()


def test_the_api_refuses_sign_up_without_consent_with_a_translated_error(client):
    response = client.post(
        "/api/v1/sign-up",
        {"email": "tan@example.sg", "password": "merlion-and-durian-2026", "full_name": "Tan",
         "consent_personal_data": False},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "consent_personal_data" in body["details"]
    assert body["message"] != "Some of the information given is not valid."
    assert not User.objects.exists()
