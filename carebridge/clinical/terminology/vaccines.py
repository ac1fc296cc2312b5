"""Vaccines: China's National Immunization Programme and common foreign ones, with CVX and ATC J07 codes.

CVX (CDC's vaccine administered codes) is US public-domain data; where a vaccine used in China has no CVX code
of its own (live JE SA14-14-2, MPSV-A, MPSV-AC, live hepatitis A, EV71) the cvx field is empty rather than a
near miss. ATC codes are at level 5 where WHO has one, else the level-4 group (J07BC, J07BX, J07BN).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .concept import CVX_SYSTEM, LANGUAGES, VACCINE_KEY_SYSTEM, Concept, normalise_language


@dataclass(frozen=True, slots=True)
class Vaccine:
    """A vaccine by its CareBridge key, with its codes and names in every UI locale."""

    key: str
    atc: str
    cvx: str | None
    names: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return self.names["en"]

    def name(self, language: str | None) -> tuple[str, str]:
        """Return (name, language used), English when the language is not a UI locale."""
        lang = normalise_language(language)
        if lang and self.names.get(lang):
            return self.names[lang], lang
        return self.names["en"], "en"

    def concept(self) -> Concept:
        if self.cvx:
            return Concept(CVX_SYSTEM, self.cvx, self.display, "vaccine", None)
        return Concept(VACCINE_KEY_SYSTEM, self.key, self.display, "vaccine", None)


@cache
def _table() -> dict[str, Vaccine]:
    source = resources.files(__package__).joinpath("data/vaccines.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return {
            row["key"]: Vaccine(
                key=row["key"],
                atc=row["atc"],
                cvx=row["cvx"] or None,
                names={lang: row[lang] for lang in LANGUAGES},
            )
            for row in csv.DictReader(handle)
        }


def vaccine_keys() -> list[str]:
    """Return the keys of all known vaccines."""
    return list(_table())


def vaccine_lookup(code_or_key: str) -> Vaccine | None:
    """Find a vaccine by key ("MMR", case-insensitive), CVX code ("03", "3") or ATC code ("J07BD52")."""
    if not isinstance(code_or_key, str) or not code_or_key.strip():
        return None
    text = code_or_key.strip()
    table = _table()
    by_key = {key.casefold(): vaccine for key, vaccine in table.items()}
    if text.casefold() in by_key:
        return by_key[text.casefold()]
    if text.isdigit():
        for vaccine in table.values():
            if vaccine.cvx and int(vaccine.cvx) == int(text):
                return vaccine
        return None
    atc = text.replace(" ", "").upper()
    # Several vaccines may share an ATC code (DTaP and Tdap are both J07AJ52): the first listed wins.
    for vaccine in table.values():
        if vaccine.atc == atc:
            return vaccine
    return None
