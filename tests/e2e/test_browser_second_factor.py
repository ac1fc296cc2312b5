"""Staff sign in with a password and a code from their authenticator app."""

import time

import pytest
from browser_steps import current_totp_code, give_second_factor, path_of, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@haikou.demo"


def test_a_coordinator_reaches_the_dashboard_only_after_giving_her_current_code(page: Page, live_server, demo_cast):
    # Given the coordinator of Haikou International Hospital, with an authenticator app set up
    # When she signs in with her e-mail address and password
    sign_in(page, live_server, email=COORDINATOR)

    # Then she is sent to the second-factor page
    assert path_of(page) == "/accounts/second-factor/"
    expect(page.locator("#id_token")).to_be_visible()

    # And she cannot reach the dashboard before giving the code
    page.goto(f"{live_server.url}/accounts/dashboard/")
    assert path_of(page) == "/accounts/second-factor/"

    # When she gives a wrong code
    wrong = f"{(int(current_totp_code()) + 500_000) % 1_000_000:06d}"
    page.locator("#id_token").fill(wrong)
    page.locator("main form button[type=submit]").click()

    # Then she stays on the second-factor page
    expect(page.locator("#id_token_error")).to_be_visible()
    assert path_of(page) == "/accounts/second-factor/"

    # When she gives the code her app shows now, after django-otp's throttle delay (1 s after one failure)
    time.sleep(1.2)
    give_second_factor(page, current_totp_code())

    # Then she reaches the dashboard, and can come back to it
    assert path_of(page) == "/accounts/dashboard/"
    page.goto(f"{live_server.url}/accounts/dashboard/")
    assert path_of(page) == "/accounts/dashboard/"
