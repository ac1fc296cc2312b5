"""One entry point for showing any coded concept in the reader's language."""

from __future__ import annotations

from .atc import atc_group_display
from .concept import ATC_SYSTEM, CVX_SYSTEM, ICD10_SYSTEM, LOINC_SYSTEM, VACCINE_KEY_SYSTEM, Concept
from .concept import normalise_language as _lang
from .icd10 import icd10_display
from .loinc import loinc_lookup
from .vaccines import vaccine_lookup


def display(concept_or_code: Concept | str, language: str | None) -> tuple[str, str]:
    """Return (text, language used) for a concept or an ICD-10 code; language used is "en" on fallback.

    A bare string is taken as an ICD-10 code. Unknown codes come back as they were given, flagged "en", so a
    caller always has something to show and can see that no translation was found.
    """
    if isinstance(concept_or_code, str):
        return icd10_display(concept_or_code, language) or (concept_or_code, "en")
    concept = concept_or_code
    if concept.system == ICD10_SYSTEM:
        return icd10_display(concept.code, language) or (concept.display, "en")
    if concept.system == LOINC_SYSTEM:
        entry = loinc_lookup(concept.code)
        lang = _lang(language)
        if entry is not None and lang and entry.labels.get(lang):
            return entry.labels[lang], lang
        return (entry.labels["en"] if entry else concept.display), "en"
    if concept.system in (CVX_SYSTEM, VACCINE_KEY_SYSTEM):
        vaccine = vaccine_lookup(concept.code)
        return vaccine.name(language) if vaccine else (concept.display, "en")
    if concept.system == ATC_SYSTEM and concept.kind == "group":
        return atc_group_display(concept.code, language) or (concept.display, "en")
    # Substances keep their INN: the English name is what travels between countries.
    return concept.display, "en"
