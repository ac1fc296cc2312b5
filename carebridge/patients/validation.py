"""Checks of the registration fields against the standards: ISO 3166, BCP 47, IANA zones, E.164."""

import datetime as dt

import phonenumbers
from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from carebridge.core import i18n
from carebridge.patients.models import BloodGroup, RhFactor, Sex


def phone_to_e164(value, *, region=None):
    """Parse a phone number (international, or national in the given country) into E.164; raise ValueError."""
    try:
        number = phonenumbers.parse(value, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_language_tag(tag):
    """Tell whether a BCP 47 tag names a language CLDR knows (mn, zh-Hans, pt-BR…)."""
    try:
        Locale.parse((tag or "").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def patient_fields_check(data, *, today=None):
    """Return {field: [messages]} for every invalid field of a registration; normalise values in place."""
    today = today or dt.date.today()  # noqa: DTZ011 - a birth date is a calendar date
    errors = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    if not (data.get("family_name") or "").strip():
        fail("family_name", _("Enter the surname as printed on the passport."))
    birth = data.get("date_of_birth")
    if not isinstance(birth, dt.date):
        fail("date_of_birth", _("Enter the date of birth."))
    elif birth > today:
        fail("date_of_birth", _("The date of birth cannot be in the future."))
    elif birth.year < today.year - 130:
        fail("date_of_birth", _("This date of birth is not possible."))
    if data.get("sex", Sex.UNKNOWN) not in Sex.values:
        fail("sex", _("Choose one of the options."))
    nationality = (data.get("nationality") or "").upper()
    if nationality and not i18n.valid_country(nationality):
        fail("nationality", _("Choose a country from the list."))
    data["nationality"] = nationality
    address_country = (data.get("address_country") or "").upper()
    if address_country and not i18n.valid_country(address_country):
        fail("address_country", _("Choose a country from the list."))
    data["address_country"] = address_country
    if not valid_language_tag(data.get("preferred_language") or ""):
        fail("preferred_language", _("Choose a language from the list."))
    if not i18n.valid_time_zone(data.get("home_time_zone") or ""):
        fail("home_time_zone", _("Choose a time zone from the list."))
    for field in ("phone", "emergency_contact_phone"):
        if data.get(field):
            try:
                data[field] = phone_to_e164(data[field], region=address_country or nationality)
            except ValueError:
                fail(field, _("This phone number is not valid. Include the country code, for example +976 9911 2233."))
    if data.get("email"):
        try:
            validate_email(data["email"])
        except ValidationError:
            fail("email", _("Enter a valid e-mail address."))
    if data.get("blood_group", "") not in BloodGroup.values:
        fail("blood_group", _("Choose one of the options."))
    if data.get("rh_factor", "") not in RhFactor.values:
        fail("rh_factor", _("Choose one of the options."))
    return errors
