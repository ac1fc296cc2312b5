"""A father from Singapore pays his daughter's deposit in SGD online; the Haikou cashier sees it in CNY; the books balance."""

import re
import time

import pytest
from browser_steps import current_totp_code, give_second_factor, path_of, sign_in
from playwright.sync_api import Page, expect

from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import Payment
from carebridge.patients.models import Patient

pytestmark = pytest.mark.e2e


def wait_for_payment(patient, timeout=20.0):
    """Return the patient's online payment once the sandbox's signed notification has been processed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        payment = Payment.objects.filter(patient=patient).first()
        if payment is not None:
            return payment
        time.sleep(0.2)
    raise AssertionError("no payment was recorded from the sandbox's notification")


@pytest.mark.browser_context_args(timezone_id="Asia/Singapore")
def test_a_singaporean_father_pays_a_deposit_in_sgd_and_the_cashier_sees_it_in_cny(page: Page, live_server, demo_cast,
                                                                                     settings):
    settings.SITE_URL = live_server.url  # the sandbox's payment page and return link are absolute URLs
    jia_hui = Patient.objects.get(native_name="陈佳慧")

    # Given Tan Wei Ming signs in and opens his daughter's bills
    sign_in(page, live_server, email="tan.family@patient.demo")
    page.goto(f"{live_server.url}/billing/account/?patient={jia_hui.public_id}")
    expect(page.locator("h1")).to_have_text("Bills and payments")

    # When he pays a deposit of 500 SGD through the sandbox provider's payment page
    with page.expect_navigation():
        page.locator("[data-pay-deposit=haikou-intl]").click()
    page.locator("#pay-amount").fill("500")
    page.locator("#pay-currency").select_option("SGD")
    page.locator("input[name=provider][value=sandbox]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert path_of(page).startswith("/billing/sandbox/pay/")
    with page.expect_navigation():
        page.locator("button[value=pay]").click()

    # Then he comes back to a page that says it is paid
    expect(page.locator("main")).to_contain_text("Paid", timeout=20_000)
    payment = wait_for_payment(jia_hui)
    assert payment.currency == "SGD" and payment.amount == 500 and payment.purpose == "deposit"

    # When the Haikou cashier signs in with her second factor and opens the desk
    page.context.clear_cookies()
    sign_in(page, live_server, email="cashier@haikou.demo")
    give_second_factor(page, current_totp_code())
    if path_of(page) == "/accounts/second-factor/":
        time.sleep(31 - time.time() % 30)
        give_second_factor(page, current_totp_code())
    page.goto(f"{live_server.url}/billing/desk/")

    # Then she sees the deposit among today's payments, in SGD and in CNY, and the ledger balanced
    row = page.locator(f"#today tr[data-payment='{payment.public_id}']")
    expect(row).to_contain_text("SGD")
    digits = re.sub(r"\D", "", row.inner_text())
    assert f"{payment.amount_cny:.2f}".replace(".", "") in digits
    expect(page.locator("[data-ledger]")).to_have_attribute("data-ledger", "balanced")
    debit, credit = ledger_totals()
    assert debit == credit and debit > 0 and unbalanced_entries() == []
