from carebridge.clinical.terminology import (
    LANGUAGES,
    atc_codes,
    atc_group_display,
    atc_lookup,
    china_nip_alternatives,
    china_nip_schedule,
    display,
    vaccine_keys,
    vaccine_lookup,
)
from carebridge.clinical.terminology.nip import NIP_SERIES


def test_about_150_medicines_have_atc_codes_of_the_right_shape():
    codes = atc_codes()
    assert len(codes) >= 150
    assert all(len(code) == 7 for code in codes)


def test_a_medicine_is_looked_up_by_atc_code():
    concept = atc_lookup("c08ca01")
    assert (concept.code, concept.display, concept.parent) == ("C08CA01", "amlodipine", "C")
    assert atc_lookup("J06BB01").display == "anti-D (rh) immunoglobulin"
    assert atc_lookup("Z99ZZ99") is None


def test_every_level_one_group_is_named_in_all_12_locales():
    for group in "ABCDGHJLMNPRSV":
        for language in LANGUAGES:
            text, used = atc_group_display(group, language)
            assert text and used == language
    assert display(atc_lookup("N"), "ar") == ("الجهاز العصبي", "ar")


def test_a_group_name_falls_back_to_english():
    assert atc_group_display("C10AA05", "de") == ("Cardiovascular system", "en")


def test_vaccines_are_found_by_key_cvx_or_atc():
    assert vaccine_lookup("mmr").cvx == "03"
    assert vaccine_lookup("3").key == "MMR"
    assert vaccine_lookup("J07BD52").key == "MMR"
    assert vaccine_lookup("J07AN01").key == "BCG"
    assert vaccine_lookup("nope") is None


def test_vaccines_without_a_cvx_code_say_so():
    assert vaccine_lookup("JE-L").cvx is None
    assert vaccine_lookup("MPSV-A").cvx is None


def test_every_vaccine_has_a_j07_code_and_a_name_in_all_12_locales():
    assert len(vaccine_keys()) >= 25
    for key in vaccine_keys():
        vaccine = vaccine_lookup(key)
        assert vaccine.atc.startswith("J07")
        for language in LANGUAGES:
            assert vaccine.name(language) == (vaccine.names[language], language)
    assert vaccine_lookup("HepB").name("fr") == ("Vaccin contre l'hépatite B", "fr")
    assert vaccine_lookup("HepB").name("de")[1] == "en"


def test_every_vaccine_of_the_schedule_is_known():
    for dose in china_nip_schedule() + china_nip_alternatives():
        assert vaccine_lookup(dose.vaccine) is not None, dose.vaccine


def test_the_nip_schedule_is_ordered_by_age():
    ages = [dose.age_months for dose in china_nip_schedule()]
    assert ages == sorted(ages)


def test_the_nip_schedule_is_the_2021_one():
    by_vaccine = {}
    for vaccine, dose, age, _interval in china_nip_schedule():
        by_vaccine.setdefault(vaccine, []).append((dose, age))
    assert by_vaccine == {
        "HepB": [(1, 0), (2, 1), (3, 6)],
        "BCG": [(1, 0)],
        "IPV": [(1, 2), (2, 3)],
        "bOPV": [(3, 4), (4, 48)],
        "DTaP": [(1, 3), (2, 4), (3, 5), (4, 18)],
        "DT": [(5, 72)],
        "MMR": [(1, 8), (2, 18)],
        "JE-L": [(1, 8), (2, 24)],
        "MPSV-A": [(1, 6), (2, 9)],
        "MPSV-AC": [(3, 36), (4, 72)],
        "HepA-L": [(1, 18)],
    }


def test_each_series_counts_up_and_only_first_doses_lack_an_interval():
    seen = {}
    for dose in china_nip_schedule():
        series = NIP_SERIES[dose.vaccine]
        expected = seen.get(series, 0) + 1
        assert dose.dose == expected, dose
        assert (dose.min_interval_days is None) == (dose.dose == 1), dose
        seen[series] = dose.dose
