"""Settings come from the environment and fail loudly on bad values; production passes Django's deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {
    "CAREBRIDGE_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "carebridge.example",
    "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
}


def test_production_settings_pass_the_deploy_check_with_nothing_reported():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"CAREBRIDGE_ENV": "prod"}, "CAREBRIDGE_ENV"),
        ({"DATABASE_URL": "mysql://root@localhost/carebridge"}, "DATABASE_URL"),
        ({"SESSION_IDLE_SECONDS": "half an hour"}, "SESSION_IDLE_SECONDS"),
    ],
)
def test_a_bad_setting_stops_the_start_with_a_message_naming_it(change, complaint):
    result = manage("check", **{**PRODUCTION, **change})

    assert result.returncode != 0
    assert complaint in result.stderr


def test_development_needs_no_setup_at_all():
    result = manage("check", CAREBRIDGE_ENV="development")

    assert result.returncode == 0, result.stderr
