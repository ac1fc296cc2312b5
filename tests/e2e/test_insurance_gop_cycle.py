"""The whole direct-billing cycle for a Singaporean child covered by Cigna Global at Haikou, in four browsers.

The Haikou coordinator requests a guarantee of payment; Cigna's case manager (in her own browser, with her second
factor) asks for information; the coordinator answers; the case manager approves with a limit; an extension is asked
and approved; at discharge the cashier issues the final invoice, which is billed to Cigna and claimed; the case
manager approves one line only in part; Cigna's payment is recorded; the father pays the rest online through the
sandbox provider. The invoice ends paid and the ledger balances.
"""

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from browser_steps import current_totp_code, give_second_factor, path_of, sign_in
from django.utils import timezone
from playwright.sync_api import Page, expect

from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import Invoice
from carebridge.insurance.models import Claim, GuaranteeOfPayment
from carebridge.patients.models import Patient

pytestmark = pytest.mark.e2e


def staff_sign_in(page: Page, live_server, email: str) -> None:
    """Sign in with the password and the demo TOTP code (waiting for the next code if this one was just used)."""
    sign_in(page, live_server, email=email)
    give_second_factor(page, current_totp_code())
    if path_of(page) == "/accounts/second-factor/":
        time.sleep(31 - time.time() % 30)
        give_second_factor(page, current_totp_code())
    assert path_of(page) != "/accounts/second-factor/", f"{email} could not give the second factor"


def submit(page: Page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").click()


def wait_for(check, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def new_page(browser, live_server) -> Page:
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Shanghai", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(60_000)  # four browsers and a live server on a small, shared machine
    return page


@pytest.fixture
def patient_expectations():
    """Give assertions on pages more time than the default 5 s, for this long test only."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def test_a_singaporean_child_is_treated_on_a_cigna_guarantee_and_the_family_pays_only_its_share(
        browser, live_server, demo_cast, patient_expectations, settings):
    settings.SITE_URL = live_server.url  # the sandbox's payment page and return link are absolute URLs
    jia_hui = Patient.objects.get(native_name="陈佳慧")
    url = live_server.url
    admission = timezone.localdate() + dt.timedelta(days=5)

    # The Haikou coordinator opens the child's insurance and sees that Cigna pays directly with a guarantee.
    coordinator = new_page(browser, live_server)
    staff_sign_in(coordinator, live_server, "coordinator@haikou.demo")
    coordinator.goto(f"{url}/insurance/patients/{jia_hui.public_id}/")
    expect(coordinator.locator("[data-eligibility=inpatient]")).to_have_attribute("data-direct", "yes")
    expect(coordinator.locator("#policies")).to_contain_text("Cigna Global")

    # She requests a guarantee of payment for a five-day admission with the diagnosis coded in ICD-10.
    with coordinator.expect_navigation():
        coordinator.locator("[data-request-gop]").click()
    coordinator.locator("#icd10-q").press_sequentially("J18")
    expect(coordinator.locator("#icd10-found")).to_contain_text("J18.9", timeout=30_000)
    coordinator.locator("#id_diagnoses").fill("J18.9 Pneumonia, unspecified")
    coordinator.locator("#id_treatment_plan").fill("Admission for IV antibiotics and oxygen, about 4 nights.")
    coordinator.locator("#id_admission_date").fill(admission.isoformat())
    coordinator.locator("#id_discharge_date").fill((admission + dt.timedelta(days=4)).isoformat())
    coordinator.locator("#id_requested_amount").fill("12000.00")
    submit(coordinator, "#gop-request")
    gop = GuaranteeOfPayment.objects.get(patient=jia_hui)
    assert path_of(coordinator) == f"/insurance/gop/{gop.public_id}/"
    expect(coordinator.locator("[data-gop-status]")).to_have_attribute("data-gop-status", "requested")

    # Cigna's case manager, in her own browser, finds it in her queue and asks for the chest X-ray report.
    insurer = new_page(browser, live_server)
    staff_sign_in(insurer, live_server, "casemanager@cigna.demo")
    insurer.goto(f"{url}/insurance/insurer/")
    with insurer.expect_navigation():
        insurer.locator(f"#queue tr[data-gop='{gop.public_id}'] a").click()
    insurer.locator("#id_question").fill("Please send the chest X-ray report and the oxygen saturation on arrival.")
    submit(insurer, "#ask")
    expect(insurer.locator("[data-gop-status]")).to_have_attribute("data-gop-status", "info_requested")

    # The coordinator answers from the case page.
    coordinator.reload()
    expect(coordinator.locator("#answer")).to_contain_text("chest X-ray report")
    coordinator.locator("#id_answer").fill("Right lower lobe consolidation on the X-ray; SpO2 91% on room air.")
    submit(coordinator, "#answer")
    expect(coordinator.locator("[data-gop-status]")).to_have_attribute("data-gop-status", "requested")

    # The case manager approves with a limit, a deductible and 10% co-insurance.
    insurer.reload()
    expect(insurer.locator("#messages")).to_contain_text("SpO2 91%")
    insurer.locator("#decide input[name=decision][value=approve]").check()
    insurer.locator("#id_limit").fill("10000.00")
    insurer.locator("#id_deductible").fill("500")
    insurer.locator("#id_coinsurance_percent").fill("10")
    insurer.locator("#id_conditions").fill("Standard ward room.")
    submit(insurer, "#decide")
    expect(insurer.locator("[data-gop-status]")).to_have_attribute("data-gop-status", "approved")

    # The stay will be longer: the coordinator asks for an extension, the case manager approves it.
    coordinator.reload()
    coordinator.locator("#id_additional_amount").fill("3000.00")
    coordinator.locator("#extension #id_reason").fill("Two more nights of oxygen.")
    submit(coordinator, "#extension")
    expect(coordinator.locator("[data-extension-pending]")).to_be_visible()
    insurer.reload()
    expect(insurer.locator("[data-extension-asked]")).to_contain_text("3000")
    insurer.locator("#extension input[name=ext-approve][value=yes]").check()
    submit(insurer, "#extension")
    gop.refresh_from_db()
    assert gop.approved_limit == Decimal("13000.00")

    # Discharge: the cashier bills what was delivered and issues the final invoice.
    cashier = new_page(browser, live_server)
    staff_sign_in(cashier, live_server, "cashier@haikou.demo")
    cashier.goto(f"{url}/billing/desk/patients/{jia_hui.public_id}/")
    with cashier.expect_navigation():
        cashier.locator("form[action$='/invoice/'] button[type=submit]").click()
    for kind, code, description, quantity, price in (
            ("room", "ward-paediatric", "Paediatric ward, per night", "6", "1200.00"),
            ("examination", "xray-chest", "Chest X-ray", "1", "450.00"),
            ("other", "drug-ceftriaxone", "Ceftriaxone 1 g, IV", "6", "85.00")):
        cashier.locator("#id_kind").select_option(kind)
        cashier.locator("#id_code").fill(code)
        cashier.locator("#id_description").fill(description)
        cashier.locator("#id_quantity").fill(quantity)
        cashier.locator("#id_unit_price").fill(price)
        submit(cashier, "#add-line")
    submit(cashier, "#issue")
    invoice = Invoice.objects.get(patient=jia_hui, kind="invoice")
    assert invoice.status == "issued" and invoice.total == Decimal("8160.00")

    # At the cashier's side of the case, the invoice is billed to Cigna and the claim drafted and submitted.
    cashier.goto(f"{url}/insurance/gop/{gop.public_id}/")
    cashier.locator("#id_mark-invoice").select_option(str(invoice.public_id))
    submit(cashier, "#mark-direct")
    expect(cashier.locator(f"[data-direct-billed='{invoice.public_id}']")).to_be_visible()
    cashier.locator("#id_claim-invoice").select_option(str(invoice.public_id))
    submit(cashier, "#create-claim")
    claim = Claim.objects.get(invoice=invoice)
    # 8160 covered; 500 deductible; 10% of 7660 = 766 co-insurance; Cigna's share 6894.
    assert claim.insurer_share == Decimal("6894.00") and claim.patient_share == Decimal("1266.00")
    submit(cashier, "#submit")
    expect(cashier.locator("[data-claim-status]")).to_have_attribute("data-claim-status", "submitted")

    # The case manager adjudicates: the X-ray only in part (above Cigna's schedule), the rest approved.
    insurer.goto(f"{url}/insurance/insurer/claims/")
    with insurer.expect_navigation():
        insurer.locator(f"#waiting tr[data-claim='{claim.public_id}'] a").click()
    for index, line in enumerate(claim.lines.all()):
        row = insurer.locator(f"#adjudicate tr[data-line='{index}']")
        if line.code == "xray-chest":
            row.locator("select").select_option("partial")
            row.locator(f"#id_amount_{index}").fill(str(line.insurer_amount - Decimal("100.00")))
            row.locator(f"#id_reason_{index}").fill("Chest X-ray above the Cigna schedule (max. 280 CNY).")
    submit(insurer, "#adjudicate")
    expect(insurer.locator("[data-claim-status]")).to_have_attribute("data-claim-status", "adjudicated")
    claim.refresh_from_db()
    assert claim.approved == Decimal("6794.00")

    # Cigna's remittance arrives: the cashier records it against the claim.
    cashier.goto(f"{url}/insurance/claims/{claim.public_id}/")
    cashier.locator("#id_amount").fill("6794.00")
    cashier.locator("#id_remittance_reference").fill("CIGNA-REM-2026-88213")
    submit(cashier, "#remittance")
    expect(cashier.locator("[data-claim-status]")).to_have_attribute("data-claim-status", "paid")
    expect(cashier.locator("[data-due]")).to_have_attribute("data-due", "1366.00")

    # The father sees what Cigna paid and what is left, and pays the remainder online in SGD.
    family = new_page(browser, live_server)
    sign_in(family, live_server, email="tan.family@patient.demo")
    family.goto(f"{url}/insurance/portal/")
    entry = family.locator(f"li[data-claim='{claim.public_id}']")
    expect(entry).to_have_attribute("data-claim-status", "paid")
    with family.expect_navigation():
        entry.locator("[data-pay-claim]").click()
    with family.expect_navigation():
        family.locator("[data-pay-invoice]").click()
    expect(family.locator("#pay-amount")).to_have_value(re.compile(r"^1366(\.00)?$"))
    family.locator("#pay-currency").select_option("SGD")
    family.locator("input[name=provider][value=sandbox]").check()
    with family.expect_navigation():
        family.locator("main form button[type=submit]").click()
    assert path_of(family).startswith("/billing/sandbox/pay/")
    with family.expect_navigation():
        family.locator("button[value=pay]").click()
    expect(family.locator("main")).to_contain_text("Paid", timeout=20_000)

    # The invoice ends paid; the books balance, as the cashier's desk shows.
    wait_for(lambda: Invoice.objects.get(pk=invoice.pk).status == "paid", "the invoice being paid")
    cashier.goto(f"{url}/billing/desk/")
    expect(cashier.locator("[data-ledger]")).to_have_attribute("data-ledger", "balanced")
    debit, credit = ledger_totals()
    assert debit == credit and debit > 0 and unbalanced_entries() == []
    gop.refresh_from_db()
    assert gop.status == GuaranteeOfPayment.Status.CLOSED
