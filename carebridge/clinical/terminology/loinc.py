"""A LOINC subset for common results and vital signs, with allowed UCUM units and plausible ranges.

Displays are LOINC's LONG_COMMON_NAME (LOINC is (c) Regenstrief Institute, used under the LOINC licence: see
data/NOTICE.md). The ranges are deliberately wide: they reject impossible values (a typing slip, the wrong
unit), never abnormal ones. Each range belongs to a unit; a value in another allowed unit is checked against
that unit's own range, so no conversion happens here.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from .concept import LANGUAGES, LOINC_SYSTEM, Concept
from .ucum import ucum_normalise

_CODE_RE = re.compile(r"^\d{1,7}-\d$")
VALUE_TYPES = ("quantity", "ordinal", "nominal", "panel")


@dataclass(frozen=True, slots=True)
class LoincEntry:
    """One LOINC code of the subset: English display, value type, units with ranges and localised labels."""

    code: str
    display: str
    value_type: str
    ranges: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(self.ranges)

    def concept(self) -> Concept:
        return Concept(LOINC_SYSTEM, self.code, self.display, self.value_type, None)


def _parse_ranges(text: str) -> dict[str, tuple[Decimal, Decimal]]:
    ranges: dict[str, tuple[Decimal, Decimal]] = {}
    for part in filter(None, text.split(";")):
        unit, _, bounds = part.partition("=")
        low, _, high = bounds.partition("..")
        ranges[unit] = (Decimal(low), Decimal(high))
    return ranges


@cache
def _table() -> dict[str, LoincEntry]:
    source = resources.files(__package__).joinpath("data/loinc_subset.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: LoincEntry(
                code=row["code"],
                display=row["long_common_name"],
                value_type=row["value_type"],
                ranges=_parse_ranges(row["units"]),
                labels={lang: row[lang] for lang in LANGUAGES},
            )
            for row in csv.DictReader(handle)
        }


def loinc_codes() -> list[str]:
    """Return the LOINC codes of the subset."""
    return list(_table())


def loinc_lookup(code: str) -> LoincEntry | None:
    """Return the subset's entry for a LOINC code ("8867-4"), or None if the code is not in the subset."""
    if not isinstance(code, str):
        return None
    return _table().get(code.strip())


def loinc_valid_syntax(code: str) -> bool:
    """Tell whether a string has LOINC's shape (digits, hyphen, Mod-10 check digit) and a correct check digit."""
    if not isinstance(code, str) or not _CODE_RE.match(code.strip()):
        return False
    body, check = code.strip().split("-")
    return _mod10(body) == int(check)


def _mod10(body: str) -> int:
    """Compute LOINC's Mod 10 check digit (the Luhn variant LOINC documents)."""
    digits = [int(ch) for ch in body]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            doubled = digit * 2
            total += doubled // 10 + doubled % 10
        else:
            total += digit
    return (10 - total % 10) % 10


def observation_check(code: str, value: object, unit: str | None) -> list[str]:
    """Return the problems with an observation (empty when it is plausible) as stable, readable messages.

    An unknown code is kept: its problem says so, and the caller keeps the display the result came with.
    """
    problems: list[str] = []
    entry = loinc_lookup(code)
    if entry is None:
        if not loinc_valid_syntax(str(code)):
            problems.append(f"code {code!r} is not a well-formed LOINC code")
        problems.append("unknown code kept with its original display")
        if unit and not ucum_normalise(unit):
            problems.append(f"unit {unit!r} is not valid UCUM")
        return problems

    if entry.value_type == "panel":
        if value not in (None, ""):
            problems.append(f"{entry.code} is a panel: its values belong to its member observations")
        return problems

    number = _as_decimal(value)
    if entry.value_type in ("nominal",) or (entry.value_type == "ordinal" and number is None):
        if value in (None, ""):
            problems.append("value is missing")
        return problems

    if number is None:
        problems.append(f"value {value!r} is not a number, and {entry.code} needs one")
        return problems

    normalised = ucum_normalise(unit) if unit else None
    if not unit:
        problems.append(f"unit is missing; allowed: {', '.join(entry.units)}")
        return problems
    if normalised is None:
        problems.append(f"unit {unit!r} is not valid UCUM; allowed: {', '.join(entry.units)}")
        return problems
    if normalised not in entry.ranges:
        problems.append(f"unit {unit!r} is not allowed for {entry.code}; allowed: {', '.join(entry.units)}")
        return problems
    low, high = entry.ranges[normalised]
    if not low <= number <= high:
        problems.append(
            f"value {number} {normalised} is outside the plausible range {low}-{high} {normalised}"
        )
    return problems


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value)) if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None
