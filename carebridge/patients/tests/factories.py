"""Test data for the first-visit record: valid MRZs and registered patients."""

import datetime as dt

from carebridge.patients.mrz import check_digit, mrz_parse
from carebridge.patients.registration import document_from_mrz
from carebridge.patients.services import patient_register


def td3(*, surname, given, number, nationality, birth, sex, expiry, issuing=None):
    """Return a valid ICAO 9303 TD3 (passport) MRZ for the data given (dates as YYMMDD)."""
    issuing = issuing or nationality
    line1 = f"P<{issuing}{surname}<<{given.replace(' ', '<')}".ljust(44, "<")[:44]
    number = number.ljust(9, "<")
    line2 = (number + check_digit(number) + nationality + birth + check_digit(birth) + sex + expiry
             + check_digit(expiry) + "<" * 14 + "<")
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return f"{line1}\n{line2}"


def birth_yymmdd(years_ago, today=None):
    today = today or dt.date.today()  # noqa: DTZ011
    return (today.replace(year=today.year - years_ago) - dt.timedelta(days=40)).strftime("%y%m%d")


TEMUULEN_MRZ = td3(surname="BATBAYAR", given="TEMUULEN", number="E12345678", nationality="MNG",
                   birth=birth_yymmdd(1), sex="M", expiry="300101")


def details_form(mrz, hospital, **overrides):
    """Return the details step as a browser posts it, for a Mongolian child registered by his mother."""
    data = {
        "mrz": mrz, "acting_as": "guardian", "hospital": str(hospital.public_id), "relationship": "mother",
        "family_name": "Batbayar", "given_names": "Temuulen", "native_name": "Батбаяр Тэмүүлэн",
        "sex": "male", "date_of_birth": "2000-01-01", "nationality": "MN", "preferred_language": "mn",
        "interpreter_needed": "on", "home_time_zone": "Asia/Ulaanbaatar", "phone": "+976 9911 2233",
        "email": "", "address_country": "MN", "address_city": "Ulaanbaatar",
        "emergency_contact_name": "Bold Batbayar", "emergency_contact_relationship": "father",
        "emergency_contact_phone": "+97699112244", "blood_group": "O", "rh_factor": "positive",
        "consent_personal_data": "on", "consent_sensitive_health_data": "on",
        "consent_cross_border_transfer": "on", "messaging_whatsapp": "+97699112233",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def registered_child(*, guardian, hospital, mrz=TEMUULEN_MRZ):
    """Register Temuulen, a one-year-old from Ulaanbaatar, by his mother, at the hospital."""
    data = mrz_parse(mrz)
    patient, _ = patient_register(
        registered_by=guardian, hospital=hospital, acting_as="guardian", relationship="mother",
        details={"family_name": "Batbayar", "given_names": "Temuulen", "native_name": "Батбаяр Тэмүүлэн",
                 "sex": "male", "date_of_birth": data.date_of_birth, "nationality": "MN",
                 "preferred_language": "mn", "home_time_zone": "Asia/Ulaanbaatar", "phone": "+97699112233"},
        document=document_from_mrz(data), consents=["personal_data", "sensitive_health_data"],
        consent_language="mn",
    )
    return patient
