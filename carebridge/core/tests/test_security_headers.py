"""Security headers on every kind of answer, and HSTS with secure cookies under the production settings."""

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from conftest import signed_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def assert_strict_policy(response, what):
    policy = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], (what, policy)
    assert directives.get("default-src") == ["'self'"], (what, policy)
    assert directives.get("object-src") == ["'none'"], (what, policy)
    assert directives.get("frame-ancestors") == ["'none'"], (what, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (what, policy)
    assert response["X-Content-Type-Options"] == "nosniff", what


@pytest.fixture
def temuulen(guardian, haikou):
    from carebridge.patients.tests.factories import registered_child

    return registered_child(guardian=guardian, hospital=haikou)


@pytest.fixture
def invoice_pdf_url(temuulen, haikou, cashier, settings, tmp_path, django_capture_on_commit_callbacks):
    """An issued invoice for a chest CT, its PDF already prepared."""
    from carebridge.billing import services as billing
    from carebridge.catalog.models import ExchangeRate, Service
    from carebridge.clinical import services as clinical
    from carebridge.clinical.models import Order

    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The family reads Mongolian: the invoice shows tögrög beside yuan, at yesterday's rate.
    ExchangeRate.objects.create(date=timezone.localdate() - dt.timedelta(days=1), base="CNY", currency="MNT",
                                rate=Decimal("480.00"), source="manual")
    ct = Service.objects.create(hospital=haikou, kind=Service.Kind.IMAGING, code="chest-ct", name="Chest CT",
                                duration_minutes=30, price="900.00")
    encounter = clinical.encounter_open(patient=temuulen, hospital=haikou, kind="outpatient", opened_by=cashier,
                                        reason="Cough")
    order = clinical.order_place(encounter=encounter, service=ct, ordered_by=cashier)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED)
    invoice = billing.invoice_issue(invoice=billing.invoice_draft_create(hospital=haikou, patient=temuulen,
                                                                         created_by=cashier), issued_by=cashier)
    url = f"/billing/invoices/{invoice.public_id}/pdf/"
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(cashier).get(url)
    return url


def test_every_kind_of_page_and_answer_carries_the_strict_policy(guardian, coordinator, temuulen):
    anonymous, patient, desk = Client(), signed_in(guardian, second_factor=False), signed_in(coordinator)
    answers = {
        "home page": anonymous.get("/"),
        "sign-in form": anonymous.get("/accounts/sign-in/"),
        "portal": patient.get("/portal/documents/"),
        "desk": desk.get("/desk/"),
        "desk patient": desk.get(f"/desk/patients/{temuulen.public_id}/"),
        "API JSON": desk.get("/api/v1/patients"),
        "API error": anonymous.get("/api/v1/patients"),
        "FHIR JSON": anonymous.get("/fhir/r4/metadata", HTTP_ACCEPT="application/fhir+json"),
        "public verification form": anonymous.get("/verify/"),
        "public verification answer": anonymous.get("/verify/NO-SUCH-CODE/"),
        "public share page": anonymous.get("/s/no-such-share-link-token/"),
        "not found page": anonymous.get("/no-such-page/"),
    }

    for what, response in answers.items():
        assert response.status_code < 500, what
        assert_strict_policy(response, what)
    assert answers["API JSON"]["Content-Type"].startswith("application/json")
    assert "json" in answers["FHIR JSON"]["Content-Type"]


def test_a_pdf_download_carries_the_strict_policy(invoice_pdf_url, cashier):
    response = signed_in(cashier).get(invoice_pdf_url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert_strict_policy(response, "invoice PDF")


def test_no_page_template_carries_inline_script_or_an_event_handler():
    import re

    from carebridge.core.tests.test_security_csrf import template_files

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
    offenders = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))

    assert offenders == []


PRODUCTION = {
    "CAREBRIDGE_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "carebridge.example",
    "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
    "DJANGO_SETTINGS_MODULE": "config.settings",
}

# Runs under the production settings: answers of the sign-in page over HTTP and HTTPS, and a session cookie.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

client = Client(HTTP_HOST="carebridge.example")
# Production serves static files from collectstatic's manifest; the probe has not run it, so it names them plainly.
plain_static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain_static):
    plain = client.get("/accounts/sign-in/")
    secure = client.get("/accounts/sign-in/", secure=True)

def view(request):
    request.session["signed_in"] = True
    return HttpResponse()

# Any session store sets the same cookie; the signed-cookie one needs no database in this probe.
with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
    session = SessionMiddleware(view)(RequestFactory().get("/", secure=True, HTTP_HOST="carebridge.example"))
csrf = secure.cookies.get("csrftoken")
cookie = session.cookies["sessionid"]
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code, "hsts": secure.get("Strict-Transport-Security", ""),
    "session_secure": bool(cookie["secure"]), "session_httponly": bool(cookie["httponly"]),
    "session_samesite": cookie["samesite"], "session_max_age": cookie["max-age"],
    "csrf_secure": bool(csrf and csrf["secure"]), "idle": settings.SESSION_COOKIE_AGE,
    "csp": secure.get("Content-Security-Policy", ""),
}))
"""


def production_probe(tmp_path, **extra):
    extra.setdefault("SQLITE_PATH", str(tmp_path / "probe.sqlite3"))  # the probe reads no table; keep var/ untouched
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **PRODUCTION, **extra},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_plain_http_to_https_and_pins_https_with_hsts(tmp_path):
    probe = production_probe(tmp_path)

    assert probe["plain_status"] == 301 and probe["plain_location"].startswith("https://carebridge.example/")
    assert probe["secure_status"] == 200
    assert "max-age=31536000" in probe["hsts"]
    assert "includeSubDomains" in probe["hsts"] and "preload" in probe["hsts"]
    assert "script-src 'self'" in probe["csp"] and "unsafe-inline" not in probe["csp"]


def test_production_cookies_are_secure_the_session_one_unreadable_by_script_and_idle_limited(tmp_path):
    probe = production_probe(tmp_path, SESSION_IDLE_SECONDS="900")

    assert probe["session_secure"] and probe["session_httponly"]
    assert probe["session_samesite"] == "Lax"
    assert probe["csrf_secure"]
    assert probe["idle"] == 900 and int(probe["session_max_age"]) == 900
