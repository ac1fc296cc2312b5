"""A UCUM (Unified Code for Units of Measure, case-sensitive form) syntax check.

It parses the UCUM grammar (terms joined by "." and "/", exponents, annotations in braces, parentheses,
prefixes on metric atoms) against the atoms clinical results use; it does not convert units. The atom list is a
subset of the UCUM tables (UCUM is free to use under Regenstrief's UCUM licence: see data/NOTICE.md).
"""

from __future__ import annotations

import re
from functools import cache

PREFIXES = (
    "da",
    "Y",
    "Z",
    "E",
    "P",
    "T",
    "G",
    "M",
    "k",
    "h",
    "d",
    "c",
    "m",
    "u",
    "n",
    "p",
    "f",
    "a",
    "z",
    "y",
)

METRIC_ATOMS = frozenset(
    {
        "m",
        "s",
        "g",
        "rad",
        "K",
        "C",
        "cd",
        "mol",
        "sr",
        "Hz",
        "N",
        "Pa",
        "J",
        "W",
        "A",
        "V",
        "F",
        "Ohm",
        "S",
        "Wb",
        "Cel",
        "T",
        "H",
        "lm",
        "lx",
        "Bq",
        "Gy",
        "Sv",
        "L",
        "l",
        "ar",
        "t",
        "bar",
        "u",
        "eV",
        "eq",
        "osm",
        "kat",
        "U",
        "[IU]",
        "[iU]",
        "cal",
        "B",
        "Np",
        "m[Hg]",
        "m[H2O]",
        "Ci",
        "R",
        "RAD",
        "REM",
        "st",
    }
)
NON_METRIC_ATOMS = frozenset(
    {
        "10*",
        "10^",
        "%",
        "[ppth]",
        "[ppm]",
        "[ppb]",
        "[pi]",
        "min",
        "h",
        "d",
        "wk",
        "mo",
        "a",
        "mo_j",
        "a_j",
        "deg",
        "'",
        "''",
        "[pH]",
        "[degF]",
        "[lb_av]",
        "[oz_av]",
        "[in_i]",
        "[ft_i]",
        "[HPF]",
        "[LPF]",
        "[drp]",
        "[mi_i]",
        "[yd_i]",
        "[gal_us]",
        "[foz_us]",
        "[arb'U]",
        "[CFU]",
        "[USP'U]",
        "[APL'U]",
        "[GPL'U]",
        "[MPL'U]",
        "[S]",
        "[diop]",
        "[mesh_i]",
        "[tb'U]",
        "[AU]",
        "[Ch]",
    }
)
# Laboratories write "mIU/L" for UCUM's "m[IU]/L" so often that rejecting it would reject real reports.
_LENIENT = ((re.compile(r"(?<!\[)IU(?!\])"), "[IU]"),)
_MICRO = str.maketrans({"µ": "u", "μ": "u"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> bool:
        if self.text.startswith("/"):
            self.pos = 1
        if not self.term():
            return False
        return self.pos == len(self.text)

    def term(self) -> bool:
        if not self.component():
            return False
        while self.pos < len(self.text) and self.text[self.pos] in "./":
            self.pos += 1
            if not self.component():
                return False
        return True

    def component(self) -> bool:
        text = self.text
        if self.pos >= len(text):
            return False
        if text[self.pos] == "(":
            self.pos += 1
            if not self.term() or self.pos >= len(text) or text[self.pos] != ")":
                return False
            self.pos += 1
            return True
        if text[self.pos] == "{":
            return self.annotation()
        match = re.match(r"\d+", text[self.pos :])
        if match and not text.startswith("10*", self.pos) and not text.startswith("10^", self.pos):
            # A factor: a plain positive integer such as the 100 in "/100{WBCs}".
            self.pos += match.end()
            self.optional_annotation()
            return True
        end = self.simple_unit_end()
        if end is None:
            return False
        self.pos = end
        exponent = re.match(r"[+-]?\d+", text[self.pos :])
        if exponent:
            self.pos += exponent.end()
        self.optional_annotation()
        return True

    def annotation(self) -> bool:
        close = self.text.find("}", self.pos)
        if close == -1 or "{" in self.text[self.pos + 1 : close]:
            return False
        self.pos = close + 1
        return True

    def optional_annotation(self) -> None:
        if self.pos < len(self.text) and self.text[self.pos] == "{":
            self.annotation()

    def simple_unit_end(self) -> int | None:
        """Return where the longest atom (with optional prefix) starting here ends."""
        best = None
        rest = self.text[self.pos :]
        for atom in _atoms_by_length():
            if rest.startswith(atom):
                best = self.pos + len(atom)
                break
        for prefix in PREFIXES:
            if rest.startswith(prefix):
                after = rest[len(prefix) :]
                for atom in _metric_by_length():
                    if after.startswith(atom):
                        end = self.pos + len(prefix) + len(atom)
                        if best is None or end > best:
                            best = end
                        break
        return best


@cache
def _atoms_by_length() -> tuple[str, ...]:
    return tuple(sorted(METRIC_ATOMS | NON_METRIC_ATOMS, key=len, reverse=True))


@cache
def _metric_by_length() -> tuple[str, ...]:
    return tuple(sorted(METRIC_ATOMS, key=len, reverse=True))


def _strict_valid(unit: str) -> bool:
    if not unit or any(ch.isspace() for ch in unit) or unit.count("{") != unit.count("}"):
        return False
    return _Parser(unit).parse()


def ucum_normalise(unit: str) -> str | None:
    """Return the UCUM spelling of a unit ("mIU/L" -> "m[IU]/L", "µmol/L" -> "umol/L"), or None if invalid."""
    if not isinstance(unit, str):
        return None
    text = unit.strip().translate(_MICRO)
    if _strict_valid(text):
        return text
    for pattern, replacement in _LENIENT:
        text = pattern.sub(replacement, text)
    return text if _strict_valid(text) else None


def ucum_valid(unit: str) -> bool:
    """Tell whether a unit is valid UCUM (tolerating "IU" written without brackets and "µ" for "u")."""
    return ucum_normalise(unit) is not None
