"""ATC (Anatomical Therapeutic Chemical) codes for common medicines, with the level-1 groups localised.

A subset of about 200 substances by their WHO ATC code and English INN-based name; the ATC index is
(c) WHO Collaborating Centre for Drug Statistics Methodology, Oslo (see data/NOTICE.md for its terms).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from .concept import ATC_SYSTEM, LANGUAGES, Concept, normalise_language

_ATC_RE = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
_LEVEL_BY_LENGTH = {1: 1, 3: 2, 4: 3, 5: 4, 7: 5}


@cache
def _substances() -> dict[str, str]:
    source = resources.files(__package__).joinpath("data/atc_subset.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["inn"] for row in csv.DictReader(handle)}


@cache
def _groups() -> dict[str, dict[str, str]]:
    source = resources.files(__package__).joinpath("data/atc_groups.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: {lang: row[lang] for lang in LANGUAGES} for row in csv.DictReader(handle)}


def atc_normalise(code: str) -> str | None:
    """Return an ATC code in upper case without spaces if it has ATC's shape, else None."""
    if not isinstance(code, str):
        return None
    text = code.replace(" ", "").upper()
    return text if _ATC_RE.match(text) and len(text) in _LEVEL_BY_LENGTH else None


def atc_lookup(code: str) -> Concept | None:
    """Return a level-1 group or a substance (level 5) of the subset, or None."""
    normalised = atc_normalise(code)
    if normalised is None:
        return None
    if len(normalised) == 1:
        group = _groups().get(normalised)
        return Concept(ATC_SYSTEM, normalised, group["en"], "group", None) if group else None
    name = _substances().get(normalised)
    if name is None:
        return None
    return Concept(ATC_SYSTEM, normalised, name, "substance", normalised[0])


def atc_codes() -> list[str]:
    """Return the substance codes of the subset."""
    return list(_substances())


def atc_group_display(code: str, language: str | None) -> tuple[str, str] | None:
    """Return (name, language used) of the level-1 group a code belongs to, English when not localised."""
    normalised = atc_normalise(code)
    if normalised is None or normalised[0] not in _groups():
        return None
    names = _groups()[normalised[0]]
    lang = normalise_language(language)
    if lang and names.get(lang):
        return names[lang], lang
    return names["en"], "en"
