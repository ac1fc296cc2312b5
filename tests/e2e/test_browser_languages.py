"""The language switcher: Arabic and Urdu pages are right-to-left and in their own script."""

import re

import pytest
from browser_steps import choose_language
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_choosing_a_right_to_left_language_renders_the_page_right_to_left_in_that_language(
    page: Page, live_server, language
):
    # Given a visitor on the home page in English
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    # When she chooses the language in the switcher
    choose_language(page, language)

    # Then the page is laid out right to left
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"

    # And its heading and sign-up button are written in the Arabic script, not in English
    for text in (page.locator("h1").inner_text(), page.locator(".hero .button").first.inner_text()):
        assert ARABIC_SCRIPT.search(text) and not LATIN_LETTER.search(text), (
            f"expected {language} text, got {text!r}"
        )

    # And the choice holds on the next page
    page.goto(f"{live_server.url}/accounts/sign-in/")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", language)
