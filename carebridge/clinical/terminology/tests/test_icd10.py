from carebridge.clinical.terminology import (
    display,
    icd10_display,
    icd10_lookup,
    icd10_normalise,
    icd10_search,
    icd10_validate,
)


def test_the_whole_who_classification_is_there_with_its_levels():
    assert icd10_lookup("X").kind == "chapter"
    assert icd10_lookup("J80-J84").kind == "block"
    assert icd10_lookup("J84").kind == "category"
    assert icd10_lookup("J84.1").kind == "subcategory"
    assert icd10_lookup("J84.1").parent == "J84"
    assert icd10_lookup("J84").parent == "J80-J84"
    assert icd10_lookup("J80-J84").parent == "X"


def test_a_lookup_gives_the_who_english_title():
    concept = icd10_lookup("J84.1")
    assert concept.system == "http://hl7.org/fhir/sid/icd-10"
    assert concept.display == "Other interstitial pulmonary diseases with fibrosis"


def test_codes_are_normalised_whatever_way_they_are_typed():
    assert icd10_normalise("J84.1") == "J84.1"
    assert icd10_normalise("j841") == "J84.1"
    assert icd10_normalise(" j84.1 ") == "J84.1"
    assert icd10_normalise("G01*") == "G01"
    assert icd10_normalise("not a code") is None


def test_validation_accepts_who_diagnosis_codes_only():
    assert icd10_validate("J84.1")
    assert icd10_validate("j841")
    assert icd10_validate("I10")
    # ICD-10-CM's extra characters are not WHO ICD-10.
    assert not icd10_validate("J84.10")
    assert not icd10_validate("E11.65")
    # Chapters and blocks classify, they are not diagnoses.
    assert not icd10_validate("X")
    assert not icd10_validate("J80-J84")
    assert not icd10_validate("")


def test_the_stories_codes_exist():
    for code in ("J84.1", "P27.1", "I27.0", "O36.0", "K76.0", "Z00.0", "E04.1", "E03.9", "B98.0"):
        assert icd10_validate(code), code


def test_search_by_code_prefix_lists_the_category_and_its_subcategories():
    codes = [c.code for c in icd10_search("J84")]
    assert codes[:3] == ["J84", "J84.0", "J84.1"]
    assert [c.code for c in icd10_search("j841")] == ["J84.1"]


def test_search_by_words_finds_titles_containing_all_words():
    codes = [c.code for c in icd10_search("primary pulmonary hypertension")]
    assert "I27.0" in codes
    assert all("hypertension" in icd10_lookup(code).display.lower() for code in codes if code != "I27.0")


def test_search_in_a_patients_language_uses_the_localised_titles():
    assert "K76.0" in [c.code for c in icd10_search("脂肪肝", language="zh-hans")]
    assert "E03.9" in [c.code for c in icd10_search("гипотиреоз", language="ru")]
    assert "O36.0" in [c.code for c in icd10_search("резус", language="ru")]
    assert icd10_search("脂肪肝") == []


def test_search_respects_the_limit():
    assert len(icd10_search("disease", limit=5)) == 5
    assert icd10_search("") == []


def test_a_localised_diagnosis_is_shown_in_the_patients_language():
    assert display("J84.1", "mn") == ("Уушгины завсрын өвчин, фиброзтой", "mn")
    text, language = display("O36.0", "zh-Hans")
    assert language == "zh-hans" and "Rh" in text


def test_a_language_we_do_not_offer_falls_back_visibly_to_english():
    text, language = display("K76.0", "de")
    assert (text, language) == ("Fatty liver", "en")


def test_a_code_without_a_translation_falls_back_to_the_who_title_in_english():
    assert icd10_display("A00.0", "ar") == ("Cholera due to Vibrio cholerae 01, biovar cholerae", "en")


def test_a_concept_object_is_displayed_too():
    assert display(icd10_lookup("I10"), "ko") == ("고혈압", "ko")


def test_an_unknown_code_is_shown_as_given_and_flagged_english():
    assert display("Q99.99", "fr") == ("Q99.99", "en")
