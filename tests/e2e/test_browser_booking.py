"""A Russian-speaking patient in Vladivostok books a check-up package in her own time; a Russian interpreter joins."""

import datetime as dt
import zoneinfo

import pytest
from browser_steps import path_of, sign_in
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from carebridge.accounts.models import Membership, Organisation, Role
from carebridge.accounts.services import platform_organisation
from carebridge.patients.services import patient_register
from carebridge.scheduling.models import Appointment

pytestmark = pytest.mark.e2e
VLADIVOSTOK = zoneinfo.ZoneInfo("Asia/Vladivostok")
EMAIL = "olga.ivanova@example.ru"
PASSWORD = "zolotoy-rog-bridge-2026"


@pytest.fixture
def olga(demo_cast):
    """Olga, who lives in Vladivostok, reads Russian, and registered before the trip."""
    user = get_user_model().objects.create_user(email=EMAIL, password=PASSWORD, full_name="Olga Ivanova",
                                                language="ru", time_zone="Asia/Vladivostok",
                                                email_verified_at=timezone.now())
    Membership.objects.create(user=user, organisation=platform_organisation(), role=Role.PATIENT)
    patient, _ = patient_register(
        registered_by=user, hospital=Organisation.objects.get(slug="haikou-intl"), acting_as="self",
        details={"family_name": "Ivanova", "given_names": "Olga", "native_name": "Ольга Иванова", "sex": "female",
                 "date_of_birth": dt.date(1979, 6, 2), "nationality": "RU", "preferred_language": "ru",
                 "home_time_zone": "Asia/Vladivostok", "email": EMAIL},
        consents=["personal_data", "sensitive_health_data"], consent_language="ru")
    return patient


@pytest.mark.browser_context_args(timezone_id="Asia/Vladivostok", locale="ru-RU")
def test_a_patient_in_vladivostok_books_a_checkup_in_her_time_and_gets_a_russian_interpreter(
    page: Page, live_server, olga
):
    # Given Olga signed in, in Russian
    sign_in(page, live_server, email=EMAIL, password=PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    # When she chooses the comprehensive check-up at Haikou International Hospital
    page.goto(f"{live_server.url}/book/")
    package = page.locator(".service-list li", has_text="Комплексн").first
    with page.expect_navigation():
        package.locator("a").first.click()

    # Then the free times are shown in Vladivostok time, with the hospital's beside them
    first = page.locator("#slots tr.slot").first
    start_utc = dt.datetime.fromisoformat(first.get_attribute("data-start-utc"))
    home_text = first.locator(".time-home").inner_text()
    local = start_utc.astimezone(VLADIVOSTOK)
    assert f"{local.hour}:{local.minute:02d}" in home_text, (home_text, local)
    hospital_local = start_utc.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert f"{hospital_local.hour}:{hospital_local.minute:02d}" in first.locator(".time-hospital").inner_text()

    # When she books the first time
    with page.expect_navigation():
        first.locator("button").click()

    # Then her appointment shows her time and a Russian interpreter assigned automatically
    assert path_of(page).startswith("/appointments/")
    appointment = Appointment.objects.get(patient=olga)
    assert appointment.start == start_utc
    expect(page.locator("#time-home")).to_contain_text(f"{local.hour}:{local.minute:02d}")
    expect(page.locator("#interpreter-name")).to_be_visible()
    interpreter = page.locator("#interpreter-name").inner_text()
    assert interpreter == appointment.interpreter_assignments.get(status="assigned").interpreter.user.get_full_name()
    assert appointment.interpreter_language == "ru"

    # And the invitation e-mailed to her carries the right moment in UTC
    invitation = next(m for m in mail.outbox if m.to == [EMAIL] and m.attachments)
    event = Calendar.from_ical(invitation.attachments[0][1]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == start_utc
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
