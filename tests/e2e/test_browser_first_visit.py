"""A mother in Ulaanbaatar registers her one-year-old in Mongolian; the hospital finds him on arrival."""

import datetime as dt

import pytest
from browser_steps import current_totp_code, give_second_factor, path_of, sign_in
from playwright.sync_api import Page, expect

from carebridge.patients.tests.factories import td3

pytestmark = pytest.mark.e2e

ONE_YEAR_AGO = (dt.date.today() - dt.timedelta(days=400)).strftime("%y%m%d")
SARUUL_MRZ = td3(surname="BOLD", given="SARUUL", number="E20250417", nationality="MNG", birth=ONE_YEAR_AGO,
                 sex="F", expiry="300415")


@pytest.mark.browser_context_args(timezone_id="Asia/Ulaanbaatar", locale="mn-MN")
def test_a_guardian_registers_her_baby_from_the_passport_and_the_coordinator_finds_her(
    page: Page, live_server, demo_cast
):
    # Given Oyunaa, who reads Mongolian, signed in to the portal
    sign_in(page, live_server, email="oyunaa@patient.demo")
    expect(page.locator("html")).to_have_attribute("lang", "mn")

    # When she starts a registration for her child and pastes the passport's machine-readable zone
    page.goto(f"{live_server.url}/portal/register/")
    page.locator("input[name=acting_as][value=guardian]").check()
    page.locator("#id_mrz").fill(SARUUL_MRZ)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # Then the details step shows what the passport says
    expect(page.locator("#passport-facts")).to_contain_text("E20250417")
    expect(page.locator("#id_family_name")).to_have_value("Bold")

    # When she adds the Cyrillic name, the hospital, her relationship and the consents, and saves
    page.locator("#id_hospital").select_option(label="Haikou International Hospital")
    page.locator("#id_relationship").select_option("mother")
    page.locator("#id_native_name").fill("Болд Саруул")
    page.locator("#id_phone").fill("+976 9911 2233")
    page.locator("#id_emergency_contact_name").fill("Bold Batbayar")
    page.locator("#id_emergency_contact_phone").fill("+976 9911 2244")
    page.locator("#id_consent_personal_data").check()
    page.locator("#id_consent_sensitive_health_data").check()
    page.locator("#id_consent_cross_border_transfer").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()

    # Then she sees her daughter's record on the portal home, in Mongolian
    assert path_of(page) == "/portal/"
    expect(page.locator("html")).to_have_attribute("lang", "mn")
    expect(page.locator("#record")).to_contain_text("Болд Саруул")
    expect(page.locator("#consents div.consent")).to_have_count(3)

    # When the coordinator of Haikou International Hospital signs in with her second factor
    page.context.clear_cookies()
    sign_in(page, live_server, email="coordinator@haikou.demo")
    give_second_factor(page, current_totp_code())

    # Then she finds the child by her Cyrillic name…
    page.goto(f"{live_server.url}/desk/?q=Саруул")
    expect(page.locator("#results")).to_contain_text("Болд Саруул")

    # …and by the passport number
    page.goto(f"{live_server.url}/desk/?q=E20250417")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Saruul Bold")
