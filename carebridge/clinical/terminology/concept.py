"""Coded concepts and the languages their displays are offered in."""

from __future__ import annotations

from dataclasses import dataclass

ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
CN_INSURANCE_ICD10_SYSTEM = "urn:carebridge:cn-nhsa-icd10-2.0"
LOINC_SYSTEM = "http://loinc.org"
ATC_SYSTEM = "http://www.whocc.no/atc"
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
UCUM_SYSTEM = "http://unitsofmeasure.org"
VACCINE_KEY_SYSTEM = "urn:carebridge:vaccine"

# The UI locales, in the order of the data files' columns.
LANGUAGES: tuple[str, ...] = ("en", "zh-hans", "ru", "mn", "ar", "ko", "ja", "vi", "th", "fr", "es", "ur")

_ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-hans-cn": "zh-hans",
    "mn-cyrl": "mn",
    "mn-mn": "mn",
}


@dataclass(frozen=True, slots=True)
class Concept:
    """A code of a code system with its English display."""

    system: str
    code: str
    display: str
    kind: str
    parent: str | None = None


def normalise_language(language: str | None) -> str | None:
    """Return the UI locale a BCP 47 or Django language code stands for, or None."""
    if not language:
        return None
    tag = language.strip().replace("_", "-").lower()
    if tag in LANGUAGES:
        return tag
    if tag in _ALIASES:
        return _ALIASES[tag]
    if tag.startswith("zh-hans") or tag in ("zh-cn",):
        return "zh-hans"
    primary = tag.split("-", 1)[0]
    if primary == "zh":
        # Traditional Chinese (zh-hant, zh-tw, zh-hk) is not a UI locale: no silent substitution.
        return None
    return primary if primary in LANGUAGES else None
