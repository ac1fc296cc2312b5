import pytest

from carebridge.clinical.terminology import (
    cn_insurance_title,
    cn_insurance_to_who,
    icd10_localised_codes,
    who_base_cn_code,
    who_to_cn_insurance,
)


def test_an_insurance_extension_strips_back_to_its_who_parent():
    assert cn_insurance_to_who("J84.101") == "J84.1"
    assert cn_insurance_to_who("j84101") == "J84.1"
    assert cn_insurance_to_who("I10.x00x002") == "I10"
    assert cn_insurance_to_who("I10X00") == "I10"


def test_the_rule_covers_codes_outside_the_curated_table():
    assert cn_insurance_to_who("A00.001") == "A00.0"
    assert cn_insurance_to_who("K29.700x005") == "K29.7"


def test_a_plain_who_code_maps_to_itself():
    assert cn_insurance_to_who("E11.9") == "E11.9"


def test_nonsense_is_refused():
    with pytest.raises(ValueError):
        cn_insurance_to_who("hello")
    with pytest.raises(ValueError):
        cn_insurance_to_who("K98.000")


def test_a_who_code_maps_to_its_curated_extensions():
    codes = who_to_cn_insurance("J84.1")
    assert codes[0] == "J84.100" and "J84.101" in codes
    assert all(cn_insurance_to_who(code) == "J84.1" for code in codes)
    assert cn_insurance_title("I10.x00x003") == "高血压2级"


def test_an_uncurated_who_code_maps_to_its_base_spelling():
    assert who_to_cn_insurance("A00.0") == ["A00.000"]
    assert who_base_cn_code("R05") == "R05.x00"
    assert who_to_cn_insurance("not a code") == []


def test_every_localised_diagnosis_round_trips():
    for code in icd10_localised_codes():
        for cn_code in who_to_cn_insurance(code):
            assert cn_insurance_to_who(cn_code) == code
