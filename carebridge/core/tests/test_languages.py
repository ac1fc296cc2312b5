"""Every page speaks the visitor's language; Arabic and Urdu read right to left."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from carebridge.core import i18n
from conftest import signed_in

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _name in settings.LANGUAGES]
HEADLINE_EN = "Medical care in China, in your language"


def test_there_are_exactly_the_twelve_ui_languages():
    assert LANGUAGES == ["en", "zh-hans", "ru", "mn", "ar", "ko", "ja", "vi", "th", "fr", "es", "ur"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_is_served_in_each_language_from_the_browser_setting(client, language):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{"rtl" if language in ("ar", "ur") else "ltr"}">' in html
    if language != "en":
        assert HEADLINE_EN not in html, f"the home page is not translated into {language}"


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_right_to_left_languages_render_rtl_on_every_public_page(client, language):
    for path in ["/", "/accounts/sign-in/", "/accounts/sign-up/", "/accounts/password/reset/"]:
        html = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'dir="rtl"' in html, path


def test_the_language_switch_remembers_the_choice_for_a_visitor(client):
    response = client.post("/language/", {"language": "ko", "next": "/accounts/sign-in/"})

    assert response.status_code == 302 and response.url == "/accounts/sign-in/"
    assert 'lang="ko"' in client.get("/").content.decode()


def test_the_language_switch_is_saved_on_a_signed_in_account(guardian):
    client = signed_in(guardian)

    client.post("/language/", {"language": "ru", "next": "/accounts/dashboard/"})

    guardian.refresh_from_db()
    assert guardian.language == "ru"
    assert 'lang="ru"' in client.get("/accounts/dashboard/").content.decode()


def test_the_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})

    assert response.url == "/"
    assert 'lang="en"' in client.get("/").content.decode()


def test_a_signed_in_user_sees_pages_in_their_own_language_whatever_the_browser_says(guardian):
    html = signed_in(guardian).get("/accounts/dashboard/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'lang="mn"' in html


def test_times_are_shown_in_the_viewers_time_zone():
    moment = dt.datetime(2026, 11, 14, 2, 30, tzinfo=dt.UTC)

    with translation.override("en"):
        ulaanbaatar = i18n.format_datetime(moment, tz="Asia/Ulaanbaatar", format="short")
        vladivostok = i18n.format_datetime(moment, tz=zoneinfo.ZoneInfo("Asia/Vladivostok"), format="short")

    assert "10:30" in ulaanbaatar
    assert "12:30" in vladivostok


def test_money_and_numbers_follow_the_locale():
    assert i18n.format_money(Decimal("12345.5"), "CNY", language="en") == "CN¥12,345.50"
    assert i18n.format_money(Decimal("12345.5"), "EUR", language="fr") == "12\u202f345,50\u00a0€"
    assert i18n.format_money(Decimal("1000"), "MNT", language="mn").startswith("MNT") or "₮" in i18n.format_money(
        Decimal("1000"), "MNT", language="mn")
    assert i18n.format_number(1234567, language="ru") == "1\u00a0234\u00a0567"


def test_country_and_language_names_are_localised():
    assert i18n.country_name("MN", language="zh-hans") == "蒙古"
    assert i18n.country_name("MN", language="ru") == "Монголия"
    assert i18n.language_name("mn", language="en") == "Mongolian"
    assert i18n.language_name("ar", language="fr") == "arabe"


def test_codes_are_checked_against_the_standards():
    assert i18n.valid_country("SG") and not i18n.valid_country("XX")
    assert i18n.valid_currency("mnt") and not i18n.valid_currency("ABC")
    assert i18n.valid_time_zone("Asia/Ulaanbaatar") and not i18n.valid_time_zone("Asia/Nowhere")
