"""The registration flow shared by the portal and the desk: passport → details → record."""

from django.utils.translation import get_language

from carebridge.patients.models import IdentityDocument, MessagingApp, Sex
from carebridge.patients.mrz import MrzData, mrz_expiry_problem, mrz_parse
from carebridge.patients.services import patient_register

MRZ_SEX = {"F": Sex.FEMALE, "M": Sex.MALE, "X": Sex.UNKNOWN}
CONSENT_FIELDS = ("personal_data", "sensitive_health_data", "cross_border_transfer")


def mrz_read(*, text=None, photo=None):
    """Return (normalised MRZ text, MrzData) from pasted text or a photo; raise MrzError naming the problem."""
    if photo is not None and not text:
        from carebridge.patients.ocr import mrz_read_image  # OCR loads a model: only when a photo is sent

        data = mrz_read_image(photo.read())
    else:
        data = mrz_parse(text or "")
    return "\n".join(data.lines), data


def details_initial(data: MrzData, *, acting_as, user):
    """Pre-fill the details step from the MRZ and the signed-in user's preferences."""
    initial = {
        "family_name": data.surname.title(),
        "given_names": data.given_names.title(),
        "sex": MRZ_SEX.get(data.sex, Sex.UNKNOWN),
        "date_of_birth": data.date_of_birth,
        "nationality": data.nationality_alpha2 or "",
        "address_country": data.nationality_alpha2 or "",
        "acting_as": acting_as,
        "mrz": "\n".join(data.lines),
    }
    if getattr(user, "is_authenticated", False) and acting_as != "staff":
        initial.update(preferred_language=user.language, home_time_zone=user.time_zone)
        if acting_as == "self":
            initial["email"] = user.email
    return initial


def document_from_mrz(data: MrzData):
    """Return the identity-document fields that come from the MRZ alone."""
    kind = IdentityDocument.Kind.PASSPORT if data.document_code.startswith("P") else IdentityDocument.Kind.ID_CARD
    return {"kind": kind, "mrz_format": data.format, "issuing_state": data.issuing_state,
            "number": data.document_number, "expiry_date": data.expiry_date}


def expiry_warning(data: MrzData, visit_date=None):
    """Return "expired", "expires_before_visit" or None."""
    return mrz_expiry_problem(data, visit_date=visit_date)


def register_from_details(*, cleaned, user, hospital, acting_as, request=None):
    """Register from a valid details form; the MRZ (re-read here) is the source of the document's fields."""
    data = mrz_parse(cleaned["mrz"])
    details = {key: cleaned.get(key) for key in (
        "family_name", "given_names", "native_name", "preferred_name", "sex", "date_of_birth", "nationality",
        "preferred_language", "interpreter_needed", "home_time_zone", "phone", "email", "address_country",
        "address_lines", "address_city", "emergency_contact_name", "emergency_contact_relationship",
        "emergency_contact_phone", "blood_group", "rh_factor")}
    details = {key: ("" if value is None and key not in ("date_of_birth",) else value) for key, value in details.items()}
    # Identity that the MRZ's check digits vouch for is not editable.
    details["date_of_birth"] = data.date_of_birth
    consents = [kind for kind in CONSENT_FIELDS if cleaned.get(f"consent_{kind}")]
    messaging = {app: cleaned.get(f"messaging_{app}", "") for app in MessagingApp.values}
    return patient_register(
        registered_by=user, hospital=hospital, details=details, document=document_from_mrz(data),
        acting_as=acting_as, relationship=cleaned.get("relationship") or "", consents=consents,
        consent_language=get_language() or "en", messaging=messaging, request=request,
    )
