"""China's National Immunization Programme schedule for children.

Source: 国家卫生健康委员会《国家免疫规划疫苗儿童免疫程序及说明（2021年版）》(National Health Commission,
"NIP vaccine schedule for children and explanation, 2021 edition", 国卫疾控发〔2021〕10号). Ages are the
recommended ages in completed months (birth = 0, 4 years = 48). Dose numbers count within a disease series as
the 2021 document does: polio doses 1-2 are IPV and 3-4 bOPV, the fifth DTP-containing dose is DT, and
meningococcal doses 1-2 are MPSV-A and 3-4 MPSV-AC. The minimum interval is from the previous dose of the same
series, in days; where the document states months, a month counts as 30 days and six months as 183 days, and
the interval before DT (12 months after the fourth DTaP) comes from the document's catch-up notes.
Where the live JE or live hepatitis A vaccine is not used, the inactivated ones follow china_nip_alternatives().
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import NamedTuple

NIP_SERIES = {
    "HepB": "hepatitis B",
    "BCG": "tuberculosis",
    "IPV": "polio",
    "bOPV": "polio",
    "DTaP": "diphtheria-tetanus-pertussis",
    "DT": "diphtheria-tetanus-pertussis",
    "MMR": "measles-mumps-rubella",
    "JE-L": "Japanese encephalitis",
    "JE-I": "Japanese encephalitis",
    "MPSV-A": "meningococcal",
    "MPSV-AC": "meningococcal",
    "HepA-L": "hepatitis A",
    "HepA-I": "hepatitis A",
}


class NipDose(NamedTuple):
    """One dose of the schedule: vaccine key, dose number in its series, age in months, minimum interval."""

    vaccine: str
    dose: int
    age_months: int
    min_interval_days: int | None


@cache
def _schedule() -> tuple[NipDose, ...]:
    source = resources.files(__package__).joinpath("data/china_nip_schedule.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        doses = [
            NipDose(
                row["vaccine"],
                int(row["dose"]),
                int(row["age_months"]),
                int(row["min_interval_days"]) if row["min_interval_days"] else None,
            )
            for row in csv.DictReader(handle)
        ]
    return tuple(sorted(doses, key=lambda d: (d.age_months, NIP_SERIES[d.vaccine], d.dose)))


def china_nip_schedule() -> list[NipDose]:
    """Return the 2021 NIP schedule ordered by age: (vaccine key, dose, age in months, min interval days)."""
    return list(_schedule())


def china_nip_alternatives() -> list[NipDose]:
    """Return the inactivated JE (4 doses) and hepatitis A (2 doses) schedules that replace the live ones."""
    return [
        NipDose("JE-I", 1, 8, None),
        # The 2021 document: the first two JE-I doses 7-10 days apart.
        NipDose("JE-I", 2, 8, 7),
        NipDose("JE-I", 3, 24, 365),
        NipDose("JE-I", 4, 72, 1095),
        NipDose("HepA-I", 1, 18, None),
        NipDose("HepA-I", 2, 24, 183),
    ]
