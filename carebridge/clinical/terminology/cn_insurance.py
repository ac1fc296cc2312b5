"""China's national insurance edition of ICD-10 (国家医保版 2.0) mapped to and from WHO ICD-10.

The insurance edition keeps WHO's three- and four-character codes and extends them: two more digits after the
subcategory ("J84.1" -> "J84.100", "J84.101"), "x" where WHO has no fourth character ("I10" -> "I10.x00"), and
sometimes a further "x" + three digits ("I10.x00x002"). Every extension narrows exactly one WHO code, so the WHO
parent of any code is found by stripping the extension; that rule is exact and covers codes not in our table.

data/cn_insurance_icd10.csv is a curated, representative subset for diagnoses we localise, not the national
table (which the National Healthcare Security Administration publishes and updates; we ship none of it). The
specific extension numbers there must be checked against the hospital's current release before claims use.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from .icd10 import icd10_lookup, icd10_normalise

_CN_RE = re.compile(r"^([A-Z]\d{2})\.?([0-9X])(\d{2})(X\d{3})?$")


@cache
def _table() -> list[dict[str, str]]:
    source = resources.files(__package__).joinpath("data/cn_insurance_icd10.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def cn_insurance_normalise(code: str) -> str | None:
    """Return the national edition's spelling of a code ("i10x00" -> "I10.x00"), or None if malformed."""
    text = (code or "").strip().replace(" ", "").upper()
    match = _CN_RE.match(text)
    if not match:
        return None
    category, fourth, digits, extension = match.groups()
    fourth = "x" if fourth == "X" else fourth
    tail = extension.replace("X", "x") if extension else ""
    return f"{category}.{fourth}{digits}{tail}"


def cn_insurance_to_who(code: str) -> str:
    """Return the WHO ICD-10 code an insurance-edition code extends, by stripping the extension."""
    normalised = cn_insurance_normalise(code)
    if normalised is None:
        # A plain WHO code is already its own parent.
        who = icd10_normalise(code)
        if who and icd10_lookup(who) is not None:
            return who
        raise ValueError(f"not an ICD-10 national insurance edition code: {code!r}")
    category, fourth = normalised[:3], normalised[4]
    who = category if fourth == "x" else f"{category}.{fourth}"
    if icd10_lookup(who) is None:
        if icd10_lookup(category) is None:
            raise ValueError(f"no WHO ICD-10 parent for {code!r}")
        # A subcategory the national edition added below a WHO category: the category is the WHO parent.
        who = category
    return who


def who_base_cn_code(who_code: str) -> str:
    """Return the insurance edition's base spelling of a WHO code ("J84.1" -> "J84.100", "I10" -> "I10.x00")."""
    concept = icd10_lookup(who_code)
    if concept is None or concept.kind not in ("category", "subcategory"):
        raise ValueError(f"not a WHO ICD-10 diagnosis code: {who_code!r}")
    return f"{concept.code}00" if concept.kind == "subcategory" else f"{concept.code}.x00"


def who_to_cn_insurance(code: str) -> list[str]:
    """Return the insurance-edition codes for a WHO code: curated ones if known, else the base spelling."""
    concept = icd10_lookup(code)
    if concept is None or concept.kind not in ("category", "subcategory"):
        return []
    curated = [row["cn_code"] for row in _table() if row["who_code"] == concept.code]
    return curated or [who_base_cn_code(concept.code)]


def cn_insurance_title(code: str) -> str | None:
    """Return the Chinese title of a curated insurance-edition code, or None."""
    normalised = cn_insurance_normalise(code)
    for row in _table():
        if row["cn_code"] == normalised:
            return row["zh-hans"]
    return None
