"""Parse and check the machine-readable zone of passports and ID cards (ICAO 9303, parts 4 to 6)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import pycountry
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

FILLER = "<"

# NFKC already folds the full-width ＜; these survive it and are what OCR and pasting produce for `<`.
_FILLER_LOOKALIKES = str.maketrans(dict.fromkeys("«»‹›くク〈〉⟨⟩≺＜﹤", FILLER))

_LINE_SHAPES = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}

_CHAR_VALUES = (
    {c: i for i, c in enumerate("0123456789")}
    | {c: i + 10 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    | {FILLER: 0}
)

# ICAO codes that are not ISO 3166 countries. Kosovo (RKS) maps to XK, the user-assigned code the EU and
# most registries use for it; stateless persons, refugees, UN and EU documents have no country, so None.
_ICAO_TO_ALPHA2: dict[str, str | None] = {
    "D": "DE",
    "GBD": "GB",
    "GBN": "GB",
    "GBO": "GB",
    "GBP": "GB",
    "GBS": "GB",
    "RKS": "XK",
    "EUE": None,
    "UNA": None,
    "UNK": None,
    "UNO": None,
    "XXA": None,
    "XXB": None,
    "XXC": None,
    "XXX": None,
}

FIELD_LABELS = {
    "format": _("layout of the machine-readable zone"),
    "document_code": _("document type"),
    "issuing_state": _("issuing country"),
    "surname": _("surname"),
    "given_names": _("given names"),
    "document_number": _("document number"),
    "nationality": _("nationality"),
    "date_of_birth": _("date of birth"),
    "sex": _("sex"),
    "expiry_date": _("expiry date"),
    "personal_number": _("personal number"),
    "optional_data": _("optional data"),
    "composite": _("final check digit"),
    "image": _("photo"),
}

# Keyed by code, or by (code, field) where one field needs its own wording.
_MESSAGES = {
    "mrz_format": _("The %(field)s is not one this reader supports."),
    "mrz_check_digit": _(
        "The check digit of the %(field)s does not match. Please compare it with the document."
    ),
    "mrz_field_type": _("The %(field)s contains characters that do not belong there."),
    "mrz_date": _("The %(field)s is not a real calendar date."),
    "mrz_unreadable": _(
        "No valid machine-readable zone was found in the photo. Please retake it flat, in good light, "
        "with the two or three lines at the bottom of the page sharp and in view."
    ),
    ("mrz_format", "format"): _(
        "The machine-readable zone must be 2 lines of 44 characters (passport), 2 lines of 36 or "
        "3 lines of 30 (identity card)."
    ),
    "mrz_image_invalid": _(
        "The file is not a photo we can read. Please send a JPEG or PNG image under 10 MB."
    ),
}


def _interpolate(template, field_label) -> str:
    return str(template) % {"field": str(field_label)}


_interpolate_lazy = lazy(_interpolate, str)


class MrzError(ValueError):
    """Report the first check an MRZ failed, naming the field."""

    def __init__(self, code: str, field: str, message=None):
        self.code = code
        self.field = field
        if message is None:
            template = _MESSAGES.get((code, field), _MESSAGES[code])
            message = _interpolate_lazy(template, FIELD_LABELS.get(field, field))
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"MrzError(code={self.code!r}, field={self.field!r})"


@dataclass(frozen=True)
class MrzData:
    """Hold the fields of a checked machine-readable zone."""

    format: str
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: date
    sex: str
    expiry_date: date
    optional_data: str
    lines: tuple[str, ...]

    @property
    def issuing_country_alpha2(self) -> str | None:
        """Return the ISO 3166 alpha-2 code of the issuing state, or None when it is not a country."""
        return icao_to_alpha2(self.issuing_state)

    @property
    def nationality_alpha2(self) -> str | None:
        """Return the ISO 3166 alpha-2 code of the nationality, or None when it is not a country."""
        return icao_to_alpha2(self.nationality)


def icao_to_alpha2(code: str) -> str | None:
    """Map an ICAO 9303 state code to ISO 3166 alpha-2, or None."""
    code = code.strip(FILLER)
    if code in _ICAO_TO_ALPHA2:
        return _ICAO_TO_ALPHA2[code]
    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return country.alpha_2 if country else None


def check_digit(value: str) -> str:
    """Return the ICAO 9303 check digit (weights 7, 3, 1) of a field."""
    return str(sum(_CHAR_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(value)) % 10)


def normalise_lines(text: str) -> tuple[str, ...]:
    """Split pasted MRZ text into upper-case lines with look-alike fillers mapped to `<`."""
    text = unicodedata.normalize("NFKC", text).upper().translate(_FILLER_LOOKALIKES)
    lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if _detect_format(lines):
        return tuple(lines)
    # A paste on one line, or wrapped by a mail client, still holds the whole zone in order.
    joined = "".join(lines)
    for count, length in _LINE_SHAPES.values():
        if len(joined) == count * length and (len(lines) == 1 or len(lines) > count):
            return tuple(joined[i * length : (i + 1) * length] for i in range(count))
    return tuple(lines)


def _detect_format(lines) -> str | None:
    for name, (count, length) in _LINE_SHAPES.items():
        if len(lines) == count and all(len(line) == length for line in lines):
            return name
    return None


def _today(today: date | None) -> date:
    return today if today is not None else timezone.localdate()


class _Checker:
    """Check the fields of one zone in document order, raising at the first failure."""

    def __init__(self, today: date):
        self.today = today

    def chars(self, value: str, field: str, pattern: str) -> None:
        if not re.fullmatch(pattern, value):
            raise MrzError("mrz_field_type", field)

    def digit(self, value: str, digit: str, field: str, *, empty_may_be_filler: bool = False) -> None:
        if empty_may_be_filler and digit == FILLER and value.strip(FILLER) == "":
            return
        try:
            expected = check_digit(value)
        except KeyError:
            raise MrzError("mrz_field_type", field) from None
        if digit != expected:
            raise MrzError("mrz_check_digit", field)

    def state(self, value: str, field: str) -> str:
        self.chars(value, field, r"[A-Z]+<*")
        return value.strip(FILLER)

    def document_code(self, value: str, fmt: str) -> str:
        self.chars(value, "document_code", r"[A-Z][A-Z<]")
        # Visas (V) use another layout; TD3 is the passport book (P).
        if value[0] == "V" or (fmt == "TD3") != (value[0] == "P"):
            raise MrzError("mrz_format", "document_code")
        return value.strip(FILLER)

    def names(self, value: str) -> tuple[str, str]:
        surname, _sep, given = value.partition(FILLER * 2)
        self.chars(surname, "surname", r"[A-Z][A-Z<]*")
        self.chars(given, "given_names", r"[A-Z<]*")
        return _words(surname), _words(given)

    def date(self, value: str, digit: str, field: str) -> date:
        self.chars(value, field, r"[0-9]{6}")
        self.digit(value, digit, field)
        yy, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
        if field == "date_of_birth":
            year = 2000 + yy
            if (year, month, day) > (self.today.year, self.today.month, self.today.day):
                year -= 100
        else:
            year = 2000 + yy if 2000 + yy <= self.today.year + 50 else 1900 + yy
        try:
            return date(year, month, day)
        except ValueError:
            raise MrzError("mrz_date", field) from None

    def sex(self, value: str) -> str:
        self.chars(value, "sex", r"[FMX<]")
        return "X" if value == FILLER else value

    def document_number(self, number: str, digit: str, optional: str | None) -> tuple[str, str | None]:
        """Return the document number and what is left of the optional data, following overflow."""
        self.chars(number, "document_number", r"[A-Z0-9<]+")
        if optional is not None and digit == FILLER and number[-1] != FILLER:
            # ICAO 9303: a number over 9 characters goes on in the optional data; its check digit is the
            # last character before the first filler there.
            self.chars(optional, "document_number", r"[A-Z0-9]+<.*|[A-Z0-9]+")
            overflow, _sep, optional = optional.partition(FILLER)
            if len(overflow) < 2:
                raise MrzError("mrz_check_digit", "document_number")
            number, digit = number + overflow[:-1], overflow[-1]
        self.digit(number, digit, "document_number")
        if not number.strip(FILLER):
            raise MrzError("mrz_field_type", "document_number")
        return number.replace(FILLER, ""), optional

    def optional(self, value: str, field: str) -> str:
        self.chars(value, field, r"[A-Z0-9<]*")
        return _words(value)


def _words(value: str) -> str:
    return " ".join(value.replace(FILLER, " ").split())


def mrz_parse(text: str, *, today: date | None = None) -> MrzData:
    """Parse and check an MRZ (TD1, TD2 or TD3) pasted or read as text."""
    lines = normalise_lines(text or "")
    fmt = _detect_format(lines)
    if fmt is None:
        raise MrzError("mrz_format", "format")
    check = _Checker(_today(today))
    parse = {"TD1": _parse_td1, "TD2": _parse_td2_td3, "TD3": _parse_td2_td3}[fmt]
    return parse(fmt, lines, check)


def _parse_td2_td3(fmt: str, lines: tuple[str, ...], check: _Checker) -> MrzData:
    top, bottom = lines
    document_code = check.document_code(top[0:2], fmt)
    issuing_state = check.state(top[2:5], "issuing_state")
    surname, given_names = check.names(top[5:])
    optional_field = "personal_number" if fmt == "TD3" else "optional_data"
    optional_end = 42 if fmt == "TD3" else 35
    optional_raw = bottom[28:optional_end]
    if fmt == "TD2":
        number, optional_raw = check.document_number(bottom[0:9], bottom[9], optional_raw)
    else:
        number, _ = check.document_number(bottom[0:9], bottom[9], None)
    nationality = check.state(bottom[10:13], "nationality")
    born = check.date(bottom[13:19], bottom[19], "date_of_birth")
    sex = check.sex(bottom[20])
    expires = check.date(bottom[21:27], bottom[27], "expiry_date")
    optional_data = check.optional(optional_raw, optional_field)
    if fmt == "TD3":
        check.digit(bottom[28:42], bottom[42], optional_field, empty_may_be_filler=True)
    check.digit(bottom[0:10] + bottom[13:20] + bottom[21:-1], bottom[-1], "composite")
    return MrzData(
        format=fmt,
        document_code=document_code,
        issuing_state=issuing_state,
        surname=surname,
        given_names=given_names,
        document_number=number,
        nationality=nationality,
        date_of_birth=born,
        sex=sex,
        expiry_date=expires,
        optional_data=optional_data,
        lines=lines,
    )


def _parse_td1(fmt: str, lines: tuple[str, ...], check: _Checker) -> MrzData:
    first, second, third = lines
    document_code = check.document_code(first[0:2], fmt)
    issuing_state = check.state(first[2:5], "issuing_state")
    number, optional_1 = check.document_number(first[5:14], first[14], first[15:30])
    optional_1 = check.optional(optional_1, "optional_data")
    born = check.date(second[0:6], second[6], "date_of_birth")
    sex = check.sex(second[7])
    expires = check.date(second[8:14], second[14], "expiry_date")
    nationality = check.state(second[15:18], "nationality")
    optional_2 = check.optional(second[18:29], "optional_data")
    check.digit(first[5:30] + second[0:7] + second[8:15] + second[18:29], second[29], "composite")
    surname, given_names = check.names(third)
    return MrzData(
        format=fmt,
        document_code=document_code,
        issuing_state=issuing_state,
        surname=surname,
        given_names=given_names,
        document_number=number,
        nationality=nationality,
        date_of_birth=born,
        sex=sex,
        expiry_date=expires,
        optional_data=" ".join(part for part in (optional_1, optional_2) if part),
        lines=lines,
    )


def mrz_expiry_problem(
    data: MrzData, *, visit_date: date | None = None, today: date | None = None
) -> str | None:
    """Return "expired", "expires_before_visit" or None for a parsed document."""
    if data.expiry_date < _today(today):
        return "expired"
    if visit_date is not None and data.expiry_date < visit_date:
        return "expires_before_visit"
    return None
