import csv
import re
from importlib import resources

from carebridge.clinical.terminology import LANGUAGES, icd10_localised_codes, icd10_validate

NON_LATIN = ("zh-hans", "ru", "mn", "ar", "ko", "ja", "th", "ur")
LATIN = ("vi", "fr", "es")
# Abbreviations and names that stay in Latin letters in every language's medical writing.
ALLOWED_LATIN = {"HIV", "Rh", "RSV", "RS", "COVID-19", "G6PD", "BCG", "B", "C", "D", "Helicobacter", "pylori"}
# Words spelt the same in English and a Latin-script language.
SAME_AS_ENGLISH = {
    ("fr", "Vitiligo"),
    ("fr", "Chalazion"),
    ("fr", "Migraine"),
    ("fr", "Syphilis"),
    ("fr", "Dengue"),
    ("es", "Osteoporosis"),
    ("es", "Cervicitis"),
    ("es", "Endometriosis"),
    ("es", "Glaucoma"),
    ("es", "Dengue"),
    ("es", "Malaria"),
}


def _rows():
    source = resources.files("carebridge.clinical.terminology").joinpath("data/icd10_localised.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", *LANGUAGES]
        return list(reader)


def test_at_least_300_diagnoses_are_localised_in_all_12_locales():
    rows = _rows()
    assert len(rows) >= 300
    assert len({row["code"] for row in rows}) == len(rows)
    for row in rows:
        for language in LANGUAGES:
            assert row[language] and row[language].strip() == row[language], (row["code"], language)


def test_every_localised_code_is_a_who_code():
    assert all(icd10_validate(code) for code in icd10_localised_codes())


def test_no_english_is_left_in_a_non_latin_cell():
    for row in _rows():
        for language in NON_LATIN:
            words = set(re.findall(r"[A-Za-z][A-Za-z0-9\-]*", row[language]))
            assert words <= ALLOWED_LATIN, (row["code"], language, words - ALLOWED_LATIN)


def test_latin_script_cells_are_translated_not_copied():
    for row in _rows():
        for language in LATIN:
            if row[language] == row["en"]:
                assert (language, row[language]) in SAME_AS_ENGLISH, (row["code"], language)


def test_the_chosen_diagnoses_cover_the_clinics_and_the_stories():
    codes = set(icd10_localised_codes())
    required = {
        "J84.1",
        "P27.1",
        "I27.0",
        "O36.0",
        "Z00.0",
        "Z34.9",
        "K76.0",
        "B98.0",
        "E55.9",
        "D50.9",
        "E78.5",
        "E04.1",
        "E03.9",
        "E11.9",
        "I10",
        "M54.2",
        "M54.5",
        "H52.1",
        "F32.9",
        "F41.1",
        "J06.9",
        "N39.0",
    }
    assert required <= codes
