"""Parsing and checking passport and ID card machine-readable zones (ICAO 9303)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrz.generator.td3 import TD3CodeGenerator

from carebridge.patients.mrz import MrzData, MrzError, mrz_expiry_problem, mrz_parse

SPECIMEN_DAY = date(2010, 1, 1)
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def icao_check(value: str) -> str:
    """Compute an ICAO 9303 check digit independently of the code under test."""
    values = {c: int(c) for c in "0123456789"} | {c: ord(c) - 55 for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    return str(sum(values.get(c, 0) * (7, 3, 1)[i % 3] for i, c in enumerate(value)) % 10)


def td3(*, number="L898902C3", born="740812", sex="F", expires="120415", personal="ZE184226B", names=None):
    """Build a TD3 zone with correct check digits from its fields."""
    names = names or "ERIKSSON<<ANNA<MARIA"
    top = ("P<UTO" + names).ljust(44, "<")
    number = number.ljust(9, "<")
    personal = personal.ljust(14, "<")
    personal_digit = icao_check(personal) if personal.strip("<") else "<"
    body = number + icao_check(number) + "UTO" + born + icao_check(born) + sex + expires + icao_check(expires)
    body += personal + personal_digit
    composite = body[0:10] + body[13:20] + body[21:43]
    return "\n".join([top, body + icao_check(composite)])


def set_char(lines, line: int, position: int, char: str) -> str:
    changed = list(lines)
    changed[line] = changed[line][:position] + char + changed[line][position + 1 :]
    return "\n".join(changed)


def parse(text, today=SPECIMEN_DAY) -> MrzData:
    return mrz_parse(text, today=today)


def test_the_icao_passport_specimen_parses_into_its_fields():
    data = parse("\n".join(TD3))

    assert data == MrzData(
        format="TD3",
        document_code="P",
        issuing_state="UTO",
        surname="ERIKSSON",
        given_names="ANNA MARIA",
        document_number="L898902C3",
        nationality="UTO",
        date_of_birth=date(1974, 8, 12),
        sex="F",
        expiry_date=date(2012, 4, 15),
        optional_data="ZE184226B",
        lines=TD3,
    )
    assert data.issuing_country_alpha2 is None


@pytest.mark.parametrize(("lines", "fmt"), [(TD2, "TD2"), (TD1, "TD1")])
def test_the_icao_identity_card_specimens_parse_into_their_fields(lines, fmt):
    data = parse("\n".join(lines))

    assert (data.format, data.document_code, data.issuing_state, data.nationality) == (fmt, "I", "UTO", "UTO")
    assert (data.surname, data.given_names, data.document_number) == ("ERIKSSON", "ANNA MARIA", "D23145890")
    assert (data.date_of_birth, data.sex, data.expiry_date) == (date(1974, 8, 12), "F", date(2012, 4, 15))
    assert data.optional_data == ""
    assert data.lines == lines


def test_a_mongolian_passport_of_a_one_year_old_parses_with_a_birth_date_in_this_century():
    code = TD3CodeGenerator(
        "P", "MNG", "Bat-Erdene", "Temuulen", "E1234567", "MNG", "240315", "M", "290314", "UB24031512"
    )

    data = parse(str(code), today=date(2025, 6, 1))

    assert (data.surname, data.given_names) == ("BAT ERDENE", "TEMUULEN")
    assert (data.document_number, data.optional_data) == ("E1234567", "UB24031512")
    assert (data.date_of_birth, data.expiry_date) == (date(2024, 3, 15), date(2029, 3, 14))
    assert (data.issuing_country_alpha2, data.nationality_alpha2, data.sex) == ("MN", "MN", "M")


def test_a_td1_document_number_longer_than_nine_characters_continues_in_the_optional_data():
    number = "D23145890734"
    top = ("I<UTO" + number[:9] + "<" + number[9:] + icao_check(number)).ljust(30, "<")
    middle = "7408122F1204159UTO<<<<<<<<<<<"
    middle += icao_check(top[5:30] + middle[0:7] + middle[8:15] + middle[18:29])

    data = parse("\n".join([top, middle, TD1[2]]))

    assert data.document_number == number
    assert data.optional_data == ""


def test_a_passport_without_a_personal_number_may_leave_its_check_digit_as_a_filler():
    data = parse(td3(personal=""))

    assert data.optional_data == ""
    assert data.lines[1][42] == "<"


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(TD3).lower(),
        "\n".join(TD3).replace("<", "«", 5).replace("<", "‹", 5).replace("<", "く", 5).replace("<", "＜", 5),
        "  "
        + TD3[0][:20]
        + " "
        + TD3[0][20:]
        + "  \r\n\n\t"
        + " ".join(TD3[1][i : i + 4] for i in range(0, 44, 4)),
        "".join(TD3),
        "".join(TD3)[:30] + "\n" + "".join(TD3)[30:60] + "\n" + "".join(TD3)[60:],
        "\n".join(TD3).translate(str.maketrans("0123456789LP", "０１２３４５６７８９ＬＰ")),
    ],
    ids=["lower-case", "look-alike-fillers", "spaces-and-blank-lines", "one-line", "wrapped", "full-width"],
)
def test_a_pasted_zone_in_another_shape_is_read_the_same(text):
    assert parse(text).lines == TD3


CORRUPTIONS = [
    # (text, field, code)
    pytest.param(set_char(TD3, 1, 9, "7"), "document_number", "mrz_check_digit", id="td3-number-digit"),
    pytest.param(set_char(TD3, 1, 19, "3"), "date_of_birth", "mrz_check_digit", id="td3-birth-digit"),
    pytest.param(set_char(TD3, 1, 27, "8"), "expiry_date", "mrz_check_digit", id="td3-expiry-digit"),
    pytest.param(set_char(TD3, 1, 42, "2"), "personal_number", "mrz_check_digit", id="td3-personal-digit"),
    pytest.param(set_char(TD3, 1, 43, "1"), "composite", "mrz_check_digit", id="td3-composite-digit"),
    pytest.param(set_char(TD3, 1, 2, "X"), "document_number", "mrz_check_digit", id="td3-number-changed"),
    pytest.param(set_char(TD2, 1, 9, "1"), "document_number", "mrz_check_digit", id="td2-number-digit"),
    pytest.param(set_char(TD2, 1, 35, "5"), "composite", "mrz_check_digit", id="td2-composite-digit"),
    pytest.param(set_char(TD1, 0, 14, "8"), "document_number", "mrz_check_digit", id="td1-number-digit"),
    pytest.param(set_char(TD1, 1, 6, "1"), "date_of_birth", "mrz_check_digit", id="td1-birth-digit"),
    pytest.param(set_char(TD1, 1, 14, "1"), "expiry_date", "mrz_check_digit", id="td1-expiry-digit"),
    pytest.param(set_char(TD1, 1, 29, "7"), "composite", "mrz_check_digit", id="td1-composite-digit"),
    pytest.param(set_char(TD1, 0, 16, "Z"), "composite", "mrz_check_digit", id="td1-optional-changed"),
    pytest.param(set_char(TD3, 1, 15, "O"), "date_of_birth", "mrz_field_type", id="letter-in-birth-date"),
    pytest.param(set_char(TD3, 1, 23, "I"), "expiry_date", "mrz_field_type", id="letter-in-expiry-date"),
    pytest.param(td3(born="741312"), "date_of_birth", "mrz_date", id="month-13"),
    pytest.param(td3(born="740832"), "date_of_birth", "mrz_date", id="day-32"),
    pytest.param(td3(expires="300230"), "expiry_date", "mrz_date", id="february-30"),
    pytest.param(td3(born="000229"), None, None, id="leap-day-2000-is-real"),
    pytest.param(td3(names="ERIKSS0N<<ANNA"), "surname", "mrz_field_type", id="digit-in-surname"),
    pytest.param(
        td3(names="ERIKSSON<<ANNA<MAR1A"), "given_names", "mrz_field_type", id="digit-in-given-names"
    ),
    pytest.param(td3(sex="Q"), "sex", "mrz_field_type", id="bad-sex"),
    pytest.param(set_char(TD3, 1, 11, "7"), "nationality", "mrz_field_type", id="digit-in-nationality"),
    pytest.param(set_char(TD3, 0, 3, "1"), "issuing_state", "mrz_field_type", id="digit-in-issuing-state"),
    pytest.param(set_char(TD3, 0, 0, "V"), "document_code", "mrz_format", id="visa-layout"),
    pytest.param(TD3[0] + "\n" + TD3[1][:43], "format", "mrz_format", id="short-line"),
    pytest.param(TD3[0] + "\n" + TD3[1] + "<", "format", "mrz_format", id="long-line"),
    pytest.param("\n".join([TD3[0], TD3[1], TD3[1]]), "format", "mrz_format", id="three-lines-of-44"),
    pytest.param("\n".join(TD1[:2]), "format", "mrz_format", id="two-lines-of-30"),
    pytest.param("", "format", "mrz_format", id="empty"),
    pytest.param("   \n\t ", "format", "mrz_format", id="whitespace"),
    pytest.param(set_char(TD3, 1, 5, "é"), "document_number", "mrz_field_type", id="accent-in-number"),
    pytest.param(set_char(TD3, 1, 20, "<"), None, None, id="unspecified-sex-is-x"),
]


@pytest.mark.parametrize(("text", "field", "code"), CORRUPTIONS)
def test_a_corrupted_zone_names_the_field_that_failed(text, field, code):
    if field is None:
        assert parse(text).format == "TD3"
        return
    with pytest.raises(MrzError) as caught:
        parse(text)

    assert (caught.value.field, caught.value.code) == (field, code)


def test_a_wrong_check_digit_in_the_birth_date_names_the_birth_date_in_words():
    with pytest.raises(MrzError) as caught:
        parse(set_char(TD3, 1, 19, "3"))

    assert "date of birth" in str(caught.value)
    assert "%(" not in str(caught.value)


def test_the_first_failure_in_document_order_decides_the_error():
    text = set_char(set_char(TD3, 1, 19, "3").split("\n"), 1, 9, "7")

    with pytest.raises(MrzError) as caught:
        parse(text)

    assert caught.value.field == "document_number"


def test_an_unspecified_sex_reads_as_x():
    assert parse(set_char(TD3, 1, 20, "<")).sex == "X"


def test_birth_years_are_in_the_past_and_expiry_years_in_the_next_fifty():
    today = date(2025, 6, 1)

    assert parse(td3(born="250531"), today).date_of_birth == date(2025, 5, 31)
    assert parse(td3(born="250602"), today).date_of_birth == date(1925, 6, 2)
    assert parse(td3(born="990101"), today).date_of_birth == date(1999, 1, 1)
    assert parse(td3(expires="750101"), today).expiry_date == date(2075, 1, 1)
    assert parse(td3(expires="800101"), today).expiry_date == date(1980, 1, 1)


@pytest.mark.parametrize(
    ("code", "alpha2"),
    [("D", "DE"), ("MNG", "MN"), ("GBD", "GB"), ("GBO", "GB"), ("RKS", "XK"), ("UNO", None), ("XXA", None)]
    + [("EUE", None), ("UTO", None), ("KOR", "KR")],
)
def test_icao_state_codes_map_to_iso_countries(code, alpha2):
    number = "C01X00T47"
    top = f"P<{code.ljust(3, '<')}MUSTERMANN<<ERIKA".ljust(44, "<")
    body = number + icao_check(number) + code.ljust(3, "<") + "640812" + icao_check("640812") + "F"
    body += "270731" + icao_check("270731") + "<" * 14 + "<"
    body += icao_check(body[0:10] + body[13:20] + body[21:43])

    data = parse(top + "\n" + body, date(2025, 1, 1))

    assert (data.issuing_state, data.issuing_country_alpha2, data.nationality_alpha2) == (
        code,
        alpha2,
        alpha2,
    )


def test_an_expired_passport_is_flagged():
    data = parse("\n".join(TD3))

    assert mrz_expiry_problem(data, today=date(2012, 4, 16)) == "expired"
    assert mrz_expiry_problem(data, today=date(2012, 4, 15)) is None


def test_a_passport_expiring_before_the_planned_visit_is_flagged():
    data = parse("\n".join(TD3))

    assert mrz_expiry_problem(data, visit_date=date(2012, 5, 1), today=SPECIMEN_DAY) == "expires_before_visit"
    assert mrz_expiry_problem(data, visit_date=date(2011, 5, 1), today=SPECIMEN_DAY) is None


letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)
alnum = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=9)


@st.composite
def valid_td3(draw):
    born = draw(st.dates(date(1926, 1, 1), date(2024, 12, 31)))
    expires = draw(st.dates(date(2025, 1, 1), date(2060, 12, 31)))
    personal = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=14))
    fields = {
        "number": draw(alnum),
        "born": born.strftime("%y%m%d"),
        "sex": draw(st.sampled_from("FM<")),
        "expires": expires.strftime("%y%m%d"),
        "personal": personal,
        "names": draw(letters) + "<<" + draw(letters),
    }
    return fields, born, expires


@settings(max_examples=200, deadline=None)
@given(valid_td3())
def test_any_valid_passport_zone_round_trips(generated):
    fields, born, expires = generated
    text = td3(**fields)

    data = parse(text, date(2025, 1, 1))

    assert data.lines == tuple(text.split("\n"))
    assert (data.document_number, data.date_of_birth, data.expiry_date) == (fields["number"], born, expires)
    assert data.optional_data == fields["personal"]
    assert data.surname + "<<" + data.given_names == fields["names"]


CHECKED_DIGIT_POSITIONS = [*range(0, 10), *range(13, 20), *range(21, 28), *range(28, 44)]


@settings(max_examples=300, deadline=None)
@given(valid_td3(), st.sampled_from(CHECKED_DIGIT_POSITIONS), st.integers(1, 9))
def test_changing_any_single_digit_of_a_checked_field_is_caught(generated, position, shift):
    fields, _born, _expires = generated
    lines = td3(**fields).split("\n")
    char = lines[1][position]
    if not char.isdigit():
        return
    changed = set_char(lines, 1, position, str((int(char) + shift) % 10))

    with pytest.raises(MrzError):
        parse(changed, date(2025, 1, 1))
