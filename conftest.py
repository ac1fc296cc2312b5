"""The shared cast of the tests: two hospitals, insurers, an agency, and a person for every role."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from carebridge.accounts.services import platform_organisation

PASSWORD = "a-long-enough-passphrase-2026"


def _org(slug, kind, name, country="CN", zone="Asia/Shanghai", currency="CNY"):
    return Organisation.objects.create(slug=slug, kind=kind, name=name, country=country, time_zone=zone,
                                       default_currency=currency)


def _person(email, *, org=None, role=None, language="en", zone="Asia/Shanghai"):
    user = get_user_model().objects.create_user(
        email=email, password=PASSWORD, full_name=email.split("@")[0].title(), language=language, time_zone=zone,
        email_verified_at=timezone.now(),
    )
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def haikou(db):
    return _org("haikou", OrganisationKind.HOSPITAL, "Haikou International Hospital")


@pytest.fixture
def chongqing(db):
    return _org("chongqing", OrganisationKind.HOSPITAL, "Chongqing International Medical Centre")


@pytest.fixture
def cigna(db):
    return _org("cigna", OrganisationKind.INSURER, "Cigna Global", "GB", "Europe/London", "USD")


@pytest.fixture
def aetna(db):
    return _org("aetna", OrganisationKind.INSURER, "Aetna International", "US", "America/New_York", "USD")


@pytest.fixture
def agency(db):
    return _org("silk-road", OrganisationKind.AGENCY, "Silk Road Health Travel")


@pytest.fixture
def guardian(db):
    """Oyunaa, a mother in Ulaanbaatar who reads Mongolian."""
    return _person("oyunaa@example.mn", org=platform_organisation(), role=Role.GUARDIAN, language="mn",
                   zone="Asia/Ulaanbaatar")


@pytest.fixture
def other_patient(db):
    return _person("maria@example.ph", org=platform_organisation(), role=Role.PATIENT, zone="Asia/Manila")


@pytest.fixture
def coordinator(haikou):
    return _person("coordinator@haikou.test", org=haikou, role=Role.COORDINATOR, language="zh-hans")


@pytest.fixture
def other_coordinator(chongqing):
    return _person("coordinator@chongqing.test", org=chongqing, role=Role.COORDINATOR, language="zh-hans")


@pytest.fixture
def clinician_elsewhere(chongqing):
    return _person("clinician@chongqing.test", org=chongqing, role=Role.CLINICIAN, language="zh-hans")


@pytest.fixture
def interpreter(haikou):
    return _person("interpreter@haikou.test", org=haikou, role=Role.INTERPRETER, language="mn")


@pytest.fixture
def cashier(haikou):
    return _person("cashier@haikou.test", org=haikou, role=Role.CASHIER, language="zh-hans")


@pytest.fixture
def other_cashier(chongqing):
    return _person("cashier@chongqing.test", org=chongqing, role=Role.CASHIER, language="zh-hans")


@pytest.fixture
def case_manager(cigna):
    return _person("case@cigna.test", org=cigna, role=Role.INSURER_CASE_MANAGER)


@pytest.fixture
def agent(agency):
    return _person("agent@silkroad.test", org=agency, role=Role.AGENCY_AGENT)


@pytest.fixture
def platform_admin(db):
    return _person("admin@carebridge.test", org=platform_organisation(), role=Role.ADMIN)


def signed_in(user, *, second_factor=True):
    """Return a test client signed in as the user; staff also give their second factor unless told not to."""
    client = Client()
    client.force_login(user, backend="carebridge.accounts.backends.EmailBackend")
    if second_factor:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for():
    return signed_in


def _allow_flushing_the_audit_log():
    """Let the test runner's flush (between transactional tests) empty the append-only audit table.

    Only the test process does this, by wrapping the backends' flush SQL: the triggers are lifted for
    the flush and put back right after it, so every test still runs against an append-only table.
    """
    import importlib

    from django.db.backends.postgresql import base as postgresql_base
    from django.db.backends.sqlite3 import base as sqlite_base

    triggers = importlib.import_module("carebridge.audit.migrations.0002_append_only_triggers")
    around = {
        sqlite_base.DatabaseOperations: (triggers.SQLITE_REVERSE, triggers.SQLITE),
        postgresql_base.DatabaseOperations: (
            ["ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate;"],
            ["ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate;"],
        ),
    }
    for operations, (before, after) in around.items():
        original = operations.sql_flush

        def sql_flush(self, style, tables, *args, _original=original, _before=before, _after=after, **kwargs):
            statements = _original(self, style, tables, *args, **kwargs)
            if "audit_auditevent" in tables:
                return [*_before, *statements, *_after]
            return statements

        operations.sql_flush = sql_flush


_allow_flushing_the_audit_log()


@pytest.fixture(autouse=True)
def english_and_utc_to_start_with():
    """Start every test in English and UTC with an empty cache: a served request leaves its language active."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone, translation

    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
