"""A visitor becomes a patient: signs up, confirms her e-mail address, signs in."""

import re

import pytest
from browser_steps import path_of, sign_in, wait_for_mail
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

EMAIL = "oyunaa.bold@example.mn"
PASSWORD = "steppe-horses-gallop-at-dawn-2026"


@pytest.mark.browser_context_args(timezone_id="Asia/Ulaanbaatar")
def test_a_visitor_signs_up_confirms_her_address_signs_in_and_sees_her_consent(page: Page, live_server):
    # Given a visitor from Mongolia on the sign-up page
    page.goto(f"{live_server.url}/accounts/sign-up/")

    # When she fills in the form, ticks the consent and creates the account
    page.locator("#id_full_name").fill("Oyunaa Bold")
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_language").select_option("en")
    page.locator("#id_time_zone").select_option("Asia/Ulaanbaatar")
    page.locator("#id_consent_personal_data").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # Then she is told to check her e-mail, and a confirmation link has been sent to her
    expect(page.locator("h1")).to_have_text("Check your e-mail")
    expect(page.locator("main")).to_contain_text(EMAIL)
    message = wait_for_mail(EMAIL)
    link = re.search(r"https?://\S+/accounts/verify/[^/\s]+/", message.body)
    assert link, f"no confirmation link in the e-mail:\n{message.body}"

    # When she opens the link
    page.goto(link.group(0))

    # Then her address is confirmed and she is asked to sign in
    assert path_of(page) == "/accounts/sign-in/"
    expect(page.locator(".messages")).to_contain_text("Your e-mail address is confirmed")

    # When she signs in
    sign_in(page, live_server, email=EMAIL, password=PASSWORD)

    # Then she lands on her dashboard
    assert path_of(page) == "/accounts/dashboard/"
    expect(page.locator("header nav")).to_contain_text("Sign out")

    # And the consent she gave when signing up is on her consents page
    page.goto(f"{live_server.url}/consents/")
    consent = page.locator("section.consent", has_text="Processing of personal information")
    expect(consent).to_have_count(1)
    expect(consent.get_by_role("button", name="Withdraw")).to_be_visible()
