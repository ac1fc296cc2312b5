import pytest

from carebridge.clinical.terminology import (
    LANGUAGES,
    display,
    loinc_codes,
    loinc_lookup,
    loinc_valid_syntax,
    observation_check,
    ucum_normalise,
    ucum_valid,
)

VITALS = {
    "8867-4": ("/min", "Heart rate"),
    "9279-1": ("/min", "Respiratory rate"),
    "8310-5": ("Cel", "Body temperature"),
    "59408-5": ("%", "Oxygen saturation in Arterial blood by Pulse oximetry"),
    "2708-6": ("%", "Oxygen saturation in Arterial blood"),
    "8480-6": ("mm[Hg]", "Systolic blood pressure"),
    "8462-4": ("mm[Hg]", "Diastolic blood pressure"),
    "29463-7": ("kg", "Body weight"),
    "8302-2": ("cm", "Body height"),
    "39156-5": ("kg/m2", "Body mass index (BMI) [Ratio]"),
}


def test_the_subset_has_about_sixty_codes_all_with_valid_check_digits():
    codes = loinc_codes()
    assert len(codes) >= 60
    assert all(loinc_valid_syntax(code) for code in codes)
    assert not loinc_valid_syntax("8867-5")


@pytest.mark.parametrize(("code", "expected"), VITALS.items())
def test_vital_signs_have_their_long_common_name_and_ucum_unit(code, expected):
    unit, name = expected
    entry = loinc_lookup(code)
    assert entry.display == name
    assert unit in entry.units


def test_the_blood_pressure_panel_is_a_panel():
    assert loinc_lookup("85354-9").value_type == "panel"


def test_every_unit_in_the_subset_is_valid_ucum_and_every_label_is_there():
    for code in loinc_codes():
        entry = loinc_lookup(code)
        assert all(ucum_normalise(unit) == unit for unit in entry.units), code
        assert all(entry.labels[language] for language in LANGUAGES), code


@pytest.mark.parametrize(
    "unit",
    [
        "mg/dL",
        "mmol/L",
        "10*9/L",
        "%",
        "/min",
        "Cel",
        "mm[Hg]",
        "kg",
        "cm",
        "kg/m2",
        "g/L",
        "U/L",
        "umol/L",
        "mIU/L",
        "pmol/L",
        "ng/mL",
        "m[IU]/L",
        "mL/min/{1.73_m2}",
        "/[HPF]",
        "{INR}",
        "[pH]",
        "10*12/L",
        "fL",
    ],
)
def test_common_units_are_valid_ucum(unit):
    assert ucum_valid(unit)


@pytest.mark.parametrize("unit", ["mmHg", "°C", "bpm", "kg/m^2", "", "mg//dL", "MG/DL", "beats/min", "{open"])
def test_non_ucum_units_are_rejected(unit):
    assert not ucum_valid(unit)


def test_lenient_spellings_are_normalised():
    assert ucum_normalise("mIU/L") == "m[IU]/L"
    assert ucum_normalise("µmol/L") == "umol/L"


def test_a_plausible_observation_has_no_problems():
    assert observation_check("59408-5", 97, "%") == []
    assert observation_check("8310-5", "36.8", "Cel") == []
    assert observation_check("3016-3", 2.1, "mIU/L") == []


def test_an_impossible_unit_is_caught():
    problems = observation_check("8867-4", 80, "kg")
    assert len(problems) == 1 and "not allowed" in problems[0]


def test_an_impossible_value_is_caught():
    assert "outside the plausible range" in observation_check("59408-5", 104, "%")[0]
    assert "outside the plausible range" in observation_check("8867-4", 400, "/min")[0]
    assert "outside the plausible range" in observation_check("8310-5", 98.6, "Cel")[0]
    assert observation_check("8310-5", 98.6, "[degF]") == []


def test_a_word_where_a_number_is_needed_is_caught():
    assert "not a number" in observation_check("8867-4", "fast", "/min")[0]


def test_a_unit_that_is_not_ucum_is_caught():
    assert "not valid UCUM" in observation_check("8480-6", 120, "mmHg")[0]


def test_an_unknown_code_is_kept_and_flagged():
    # 2339-0 (glucose in whole blood) is real LOINC but not in the subset.
    assert observation_check("2339-0", 95, "mg/dL") == ["unknown code kept with its original display"]


def test_a_malformed_unknown_code_is_also_kept_and_flagged():
    problems = observation_check("12345-6", 1.2, "mg/dL")
    assert problems[-1] == "unknown code kept with its original display"
    assert "not a well-formed LOINC code" in problems[0]


def test_an_ordinal_result_may_be_a_word():
    assert observation_check("5196-1", "negative", None) == []
    assert observation_check("5804-0", "trace", None) == []


def test_a_result_label_is_shown_in_the_readers_language():
    concept = loinc_lookup("8867-4").concept()
    assert display(concept, "ja") == ("心拍数", "ja")
    assert display(concept, "xx") == ("Heart rate", "en")
