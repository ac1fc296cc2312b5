"""axe-core finds no serious or critical accessibility problem on the main pages.

axe is injected as an inline script, which the app's content security policy rightly forbids;
these tests alone open the browser with CSP bypassed (Playwright's bypass_csp), the app's policy unchanged.
"""

import pytest
from browser_steps import (
    choose_language,
    current_totp_code,
    describe_violations,
    give_second_factor,
    path_of,
    serious_accessibility_violations,
    sign_in,
)
from playwright.sync_api import Page

from carebridge.accounts import demo

pytestmark = [pytest.mark.e2e, pytest.mark.browser_context_args(bypass_csp=True)]


def assert_no_serious_violations(page: Page) -> None:
    violations = serious_accessibility_violations(page)
    assert not violations, (
        f"{len(violations)} serious or critical accessibility violations on {page.url}:\n"
        + describe_violations(violations)
    )


def test_the_home_page_has_no_serious_accessibility_violations(page: Page, live_server):
    page.goto(f"{live_server.url}/")
    assert_no_serious_violations(page)


def test_the_home_page_in_arabic_has_no_serious_accessibility_violations(page: Page, live_server):
    page.goto(f"{live_server.url}/")
    choose_language(page, "ar")
    assert_no_serious_violations(page)


def test_the_sign_in_page_has_no_serious_accessibility_violations(page: Page, live_server):
    page.goto(f"{live_server.url}/accounts/sign-in/")
    assert_no_serious_violations(page)


def test_a_patients_dashboard_has_no_serious_accessibility_violations(page: Page, live_server, demo_cast):
    sign_in(page, live_server, email=demo.PORTAL_USERS[2][0])  # Maria, a patient reading English
    assert path_of(page) == "/accounts/dashboard/"
    assert_no_serious_violations(page)


def test_a_staff_members_dashboard_has_no_serious_accessibility_violations(page: Page, live_server, demo_cast):
    sign_in(page, live_server, email="coordinator@haikou.demo")
    give_second_factor(page, current_totp_code())
    assert path_of(page) == "/accounts/dashboard/"
    assert_no_serious_violations(page)
