"""A technician finalises the Mongolian child's chest CT; his mother reads it in Mongolian, the conclusion translated."""

import time

import pytest
from browser_steps import current_totp_code, give_second_factor, path_of, sign_in
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import Page, expect

from carebridge.accounts.models import Organisation
from carebridge.catalog.models import Service
from carebridge.clinical import services, terminology
from carebridge.clinical.models import LOINC, DiagnosticReport
from carebridge.patients.models import Patient

pytestmark = pytest.mark.e2e
CONCLUSION = "双肺间质性改变，较前略有好转。"
MONGOLIAN = "Уушгины завсрын өөрчлөлт өмнөхөөс бага зэрэг сайжирсан."


@pytest.fixture
def chest_ct_ordered(demo_cast):
    """Temuulen's doctor has ordered a chest CT at Haikou International Hospital."""
    User = get_user_model()
    haikou = Organisation.objects.get(slug="haikou-intl")
    doctor = User.objects.get(email="clinician@haikou.demo")
    temuulen = Patient.objects.get(native_name="Батбаяр Тэмүүлэн")
    visit = services.encounter_open(patient=temuulen, hospital=haikou, kind="outpatient", opened_by=doctor)
    order = services.order_place(encounter=visit, service=Service.objects.get(hospital=haikou, code="chest-ct"),
                                 ordered_by=doctor)
    return order.report


def staff_signs_in(page, live_server, email):
    """Sign in with the second factor; a code is accepted once, so a second sign-in waits for the next code."""
    page.context.clear_cookies()
    sign_in(page, live_server, email=email)
    give_second_factor(page, current_totp_code())
    if path_of(page) == "/accounts/second-factor/":
        time.sleep(31 - time.time() % 30)
        give_second_factor(page, current_totp_code())
    assert path_of(page) != "/accounts/second-factor/"


@pytest.mark.browser_context_args(timezone_id="Asia/Ulaanbaatar")
def test_the_guardian_reads_the_finalised_chest_ct_in_mongolian_with_the_translated_conclusion(
    page: Page, live_server, chest_ct_ordered
):
    report = chest_ct_ordered

    # Given the technician at Haikou writes the chest CT report with an SpO2 result, and makes it final
    staff_signs_in(page, live_server, "clinician@haikou.demo")
    page.goto(f"{live_server.url}/clinical/reports/{report.public_id}/")
    page.locator("#id_findings").fill("双肺纹理增多，可见磨玻璃影。")
    page.locator("#id_conclusion").fill(CONCLUSION)
    page.locator("input[name=obs-0-code]").fill("59408-5")
    page.locator("input[name=obs-0-value]").fill("93")
    page.locator("input[name=obs-0-unit]").fill("%")
    page.locator("input[name=obs-0-reference_low]").fill("95")
    page.locator("input[name=obs-0-reference_high]").fill("100")
    with page.expect_navigation():
        page.locator("#write button[value=finalise]").click()
    report.refresh_from_db()
    assert report.status == DiagnosticReport.Status.FINAL

    # Then the mother is told by e-mail, which carries a link but no health data
    told = [m for m in mail.outbox if m.to == ["oyunaa@patient.demo"]]
    link = f"/portal/reports/{report.public_id}/"
    assert told and link in told[-1].body
    words = told[-1].body.replace(link, "")
    assert CONCLUSION not in words and "93" not in words and "59408-5" not in words

    # When the doctor asks for the conclusion in Mongolian, the Mongolian interpreter translates it,
    with page.expect_navigation():
        page.locator("#translations button").click()
    staff_signs_in(page, live_server, "interpreter@haikou.demo")
    page.goto(f"{live_server.url}/clinical/translations/")
    with page.expect_navigation():
        page.locator("main table a").first.click()
    page.locator("#id_text").fill(MONGOLIAN)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()

    # and the doctor checks and approves the translation
    translation = report.translations.get(target_language="mn")
    assert translation.status == "translated"
    staff_signs_in(page, live_server, "clinician@haikou.demo")
    page.goto(f"{live_server.url}/clinical/translations/{translation.public_id}/")
    with page.expect_navigation():
        page.locator("button[value=approve]").click()

    # Then the mother, signed in in Mongolian, reads the report with Mongolian labels and the translated conclusion
    page.context.clear_cookies()
    sign_in(page, live_server, email="oyunaa@patient.demo")
    page.goto(f"{live_server.url}/portal/reports/{report.public_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "mn")
    label, language_used = terminology.display(terminology.Concept(LOINC, "59408-5", "59408-5", "code"), "mn")
    assert language_used == "mn"
    expect(page.locator("main")).to_contain_text(label)
    expect(page.locator("#conclusion")).to_contain_text(MONGOLIAN)
    expect(page.locator("#conclusion")).to_contain_text(CONCLUSION)
