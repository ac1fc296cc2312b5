"""CSRF: every form that posts carries the token, and session-authenticated API writes need the header."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string

from conftest import signed_in

ROOT = Path(__file__).resolve().parents[3]
FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.IGNORECASE | re.DOTALL)
POSTS = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.IGNORECASE)
HTMX_WRITE = re.compile(r"""\bhx-(post|put|patch|delete)\s*=""", re.IGNORECASE)


def template_dirs():
    """Return every folder Django looks for templates in: the project's and each app's."""
    from django.apps import apps

    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    dirs += [Path(app.path) / "templates" for app in apps.get_app_configs() if (Path(app.path) / "templates").is_dir()]
    # The project's own templates only: Django's admin pages are Django's to keep.
    return [d for d in dirs if d.is_dir() and ROOT in d.resolve().parents and ".venv" not in d.parts]


def template_files():
    return sorted({path for folder in template_dirs() for path in folder.rglob("*.html")})


def test_the_walk_finds_the_templates_of_every_app():
    folders = {str(path.relative_to(ROOT)).split("templates/")[0].rstrip("/") for path in template_files()}

    assert {"", "carebridge/billing", "carebridge/insurance", "carebridge/interop"} <= folders


def test_every_form_that_posts_carries_the_csrf_token():
    forms = missing = 0
    offenders = []
    for path in template_files():
        for match in FORM.finditer(path.read_text(encoding="utf-8")):
            if not (POSTS.search(match["attrs"]) or HTMX_WRITE.search(match["attrs"])):
                continue
            forms += 1
            if "{% csrf_token %}" not in match["body"]:
                missing += 1
                offenders.append(f"{path.relative_to(ROOT)}: <form{match['attrs']}>")

    assert forms > 50
    assert offenders == [], f"{missing} of {forms} forms lack the token"


@pytest.mark.django_db
def test_a_session_api_write_without_the_csrf_header_is_refused_and_writes_nothing(guardian):
    from carebridge.audit.models import Consent

    client = signed_in(guardian, second_factor=False)
    client.handler.enforce_csrf_checks = True
    before = Consent.objects.count()

    response = client.post("/api/v1/consents", {"purpose": "marketing"}, content_type="application/json")

    assert response.status_code == 403
    assert Consent.objects.count() == before


@pytest.mark.django_db
def test_a_session_api_write_with_a_token_from_another_session_is_refused(guardian, coordinator):
    from carebridge.patients.models import Patient

    client = signed_in(coordinator)
    client.handler.enforce_csrf_checks = True
    client.cookies["csrftoken"] = "a" * 32

    response = client.post("/api/v1/patients", {}, content_type="application/json", HTTP_X_CSRFTOKEN="b" * 32)

    assert response.status_code == 403
    assert Patient.objects.count() == 0


@pytest.mark.django_db
def test_the_same_api_write_with_the_csrf_header_gets_past_the_check(guardian):
    client = signed_in(guardian, second_factor=False)
    client.handler.enforce_csrf_checks = True
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token  # as the page's {% csrf_token %} leaves it in the browser

    response = client.post("/api/v1/consents", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code in (400, 422)  # refused for its content now, not for CSRF
