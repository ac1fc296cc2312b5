"""Demo patients from the source stories: a Mongolian one-year-old, Singaporean siblings, a Filipino woman."""

from django.dispatch import receiver

from carebridge.accounts.signals import demo_data_requested
from carebridge.patients.mrz import check_digit, mrz_parse
from carebridge.patients.registration import document_from_mrz
from carebridge.patients.services import insurance_policy_add, patient_register

REQUIRED = ["personal_data", "sensitive_health_data", "cross_border_transfer"]


def _td3(surname, given, number, nationality, birth, sex, expiry):
    line1 = f"P<{nationality}{surname}<<{given.replace(' ', '<')}".ljust(44, "<")[:44]
    number = number.ljust(9, "<")
    line2 = number + check_digit(number) + nationality + birth + check_digit(birth) + sex + expiry + check_digit(expiry)
    line2 += "<" * 15
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return f"{line1}\n{line2}"


PATIENTS = [
    # guardian e-mail, hospital slug, relationship, MRZ, details
    ("oyunaa@patient.demo", "haikou-intl", "mother",
     _td3("BATBAYAR", "TEMUULEN", "E12345678", "MNG", "241003", "M", "291002"),
     {"native_name": "Батбаяр Тэмүүлэн", "preferred_language": "mn", "interpreter_needed": True,
      "home_time_zone": "Asia/Ulaanbaatar", "nationality": "MN", "phone": "+97699112233", "blood_group": "O",
      "rh_factor": "positive", "emergency_contact_name": "Batbayar Bold", "emergency_contact_phone": "+97699112244"}),
    ("tan.family@patient.demo", "haikou-intl", "father",
     _td3("TAN", "JIA HUI", "K1234567A", "SGP", "210612", "F", "310611"),
     {"native_name": "陈佳慧", "preferred_language": "en", "home_time_zone": "Asia/Singapore", "nationality": "SG",
      "phone": "+6591234567"}),
    ("tan.family@patient.demo", "haikou-intl", "father",
     _td3("TAN", "JIA LE", "K7654321B", "SGP", "230219", "M", "330218"),
     {"native_name": "陈佳乐", "preferred_language": "en", "home_time_zone": "Asia/Singapore", "nationality": "SG",
      "phone": "+6591234567"}),
    ("maria@patient.demo", "chongqing-intl", None,
     _td3("SANTOS", "MARIA CLARA", "P1234567A", "PHL", "880315", "F", "310101"),
     {"preferred_language": "en", "home_time_zone": "Asia/Manila", "nationality": "PH", "phone": "+639171234567"}),
]


@receiver(demo_data_requested)
def demo_patients_load(sender, organisations, users, **kwargs):
    """Register the demo patients (linking, not duplicating, when run again)."""
    for email, slug, relationship, mrz, extra in PATIENTS:
        data = mrz_parse(mrz)
        details = {"family_name": data.surname.title(), "given_names": data.given_names.title(),
                   "sex": {"F": "female", "M": "male"}[data.sex], "date_of_birth": data.date_of_birth, **extra}
        patient, created = patient_register(
            registered_by=users[email], hospital=organisations[slug], details=details,
            document=document_from_mrz(data), acting_as="guardian" if relationship else "self",
            relationship=relationship or "", consents=REQUIRED, consent_language=users[email].language)
        if created and data.nationality == "SGP":
            insurance_policy_add(patient=patient, actor=users[email], payer=organisations["cigna-global"],
                                 member_id=f"CG-{data.document_number}", plan_name="Cigna Global Gold",
                                 policy_number="CGG-2026-118822")
