"""Pages: the right status for bad input, security headers, static files served by the app."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_load_no_script_or_style_from_another_origin(client):
    html = client.get("/").content.decode()

    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert "<script>" not in html and "style=" not in html


def test_forms_are_refused_without_the_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/sign-up/", {"email": "a@b.c"})

    assert response.status_code == 403


def test_an_unknown_page_is_a_translated_404(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 404
    assert 'lang="ja"' in response.content.decode()


def test_the_app_serves_its_own_static_files(client):
    css = client.get("/static/css/app.css")
    js = client.get("/static/vendor/htmx.min.js")

    assert css.status_code == 200 and js.status_code == 200
