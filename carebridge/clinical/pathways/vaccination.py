"""Compare a child's immunizations (home record and here) with China's National Immunization Programme.

The NIP schedule comes from the terminology as (vaccine key, dose number, age in months, minimum interval in
days from the previous dose). Doses are matched by what they protect against, so a combination vaccine counts
for each vaccine it contains. The equivalence table is deliberately small:

| given (terminology key)               | counts for                                        |
|----------------------------------------|---------------------------------------------------|
| DTaP-IPV-Hib (pentavalent)             | DTaP, polio (IPV, then bOPV), Hib                 |
| DTaP-IPV-HepB-Hib (hexavalent)         | DTaP, polio, Hib, HepB                            |
| DTaP                                   | DTaP, and DT once the four DTaP doses are given   |
| IPV, OPV, bOPV                         | one polio series (China gives IPV twice, then bOPV)|
| MMR (or MMRV)                          | MMR and MR                                        |
| JE-L, JE-I                             | Japanese encephalitis (either schedule)           |
| HepA-L, HepA-I                         | hepatitis A (either schedule)                     |
| MPSV-AC, MenACWY                       | MPSV-A and MPSV-AC                                |

Vaccines of the schedule protecting against nested sets of diseases form one series (DTaP then DT, IPV then
bOPV, MPSV-A then MPSV-AC), so a dose is never counted twice in a row of the table. Doses given abroad count
as recorded; whether each was valid (age, interval) is for the reviewing clinician to judge.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.utils import translation

DIPHTHERIA, TETANUS, PERTUSSIS, POLIO, HIB, HEPB = "diphtheria", "tetanus", "pertussis", "polio", "hib", "hepb"
MEASLES, MUMPS, RUBELLA, VARICELLA = "measles", "mumps", "rubella", "varicella"
MEN_A, MEN_C, MEN_Y, MEN_W = "men_a", "men_c", "men_y", "men_w"
JAPANESE_ENCEPHALITIS, HEPATITIS_A = "japanese_encephalitis", "hepatitis_a"

# What each vaccine protects against, by the terminology's vaccine keys (compared case-insensitively); a
# vaccine missing here protects against itself only. Tdap (reduced antigen, for adolescents and adults) is left
# out on purpose: it does not count for a child's DTaP series.
COMPONENTS: dict[str, frozenset[str]] = {key.casefold(): frozenset(value) for key, value in {
    "DTaP": {DIPHTHERIA, TETANUS, PERTUSSIS},
    "DT": {DIPHTHERIA, TETANUS},
    "IPV": {POLIO},
    "OPV": {POLIO},
    "bOPV": {POLIO},
    "Hib": {HIB},
    "HepB": {HEPB},
    "DTaP-IPV": {DIPHTHERIA, TETANUS, PERTUSSIS, POLIO},
    "DTaP-Hib": {DIPHTHERIA, TETANUS, PERTUSSIS, HIB},
    "DTaP-IPV-Hib": {DIPHTHERIA, TETANUS, PERTUSSIS, POLIO, HIB},
    "DTaP-IPV-HepB-Hib": {DIPHTHERIA, TETANUS, PERTUSSIS, POLIO, HIB, HEPB},
    "MR": {MEASLES, RUBELLA},
    "MMR": {MEASLES, MUMPS, RUBELLA},
    "MMRV": {MEASLES, MUMPS, RUBELLA, VARICELLA},
    "VAR": {VARICELLA},
    "JE-L": {JAPANESE_ENCEPHALITIS},
    "JE-I": {JAPANESE_ENCEPHALITIS},
    "HepA-L": {HEPATITIS_A},
    "HepA-I": {HEPATITIS_A},
    "MPSV-A": {MEN_A},
    "MPSV-AC": {MEN_A, MEN_C},
    "MenACWY": {MEN_A, MEN_C, MEN_W, MEN_Y},
}.items()}


def components(key):
    """Return what a vaccine protects against."""
    return COMPONENTS.get((key or "").casefold(), frozenset({(key or "").casefold()}))


def counts_for(given_key, scheduled_key):
    """Tell whether a dose of one vaccine counts as a dose of a scheduled one."""
    return components(given_key) >= components(scheduled_key)


def add_months(day, months):
    """Return the day the given number of months later (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class GivenDose:
    vaccine_key: str
    display: str
    occurred_on: dt.date
    country: str
    given_here: bool
    public_id: str


@dataclass
class Dose:
    vaccine_key: str
    dose_number: int
    age_months: int
    due_on: dt.date  # the earliest day allowed by age and the interval from the previous dose
    given: GivenDose | None = None


@dataclass
class Row:
    vaccine_key: str
    name: str
    doses: list[Dose]
    due_now: Dose | None = None
    due_later: list[Dose] = field(default_factory=list)

    @property
    def given(self):
        return [d for d in self.doses if d.given is not None]

    @property
    def complete(self):
        return all(d.given is not None for d in self.doses)


@dataclass
class CatchUp:
    on: dt.date
    rows: list[Row]
    unmatched: list[GivenDose]  # doses recorded that China's schedule has no place for (rotavirus, say)

    @property
    def due_now(self):
        return [row.due_now for row in self.rows if row.due_now is not None]

    @property
    def due_later(self):
        return sorted((d for row in self.rows for d in row.due_later), key=lambda d: (d.due_on, d.vaccine_key))

    @property
    def complete(self):
        return [row.vaccine_key for row in self.rows if row.complete]

    def row(self, key):
        return next((row for row in self.rows if row.vaccine_key == key), None)


def _schedule():
    from carebridge.clinical import terminology

    entries = []
    for entry in terminology.china_nip_schedule():
        key, dose, age_months, interval = tuple(entry)[:4]
        entries.append((key, int(dose), int(age_months), int(interval or 0)))
    return entries


def vaccine_name(key, language=None):
    """Name a vaccine in the viewer's language (from the terminology), or by its key when unknown."""
    from carebridge.clinical.terminology import vaccine_lookup

    vaccine = vaccine_lookup(key)
    return vaccine.name(language or translation.get_language())[0] if vaccine is not None else key


def _series(entries):
    """Group schedule entries into series of nested protection (DTaP then DT), each ordered by age."""
    keys = list(dict.fromkeys(key for key, *_rest in entries))
    group_of = {key: key for key in keys}

    def root(key):
        while group_of[key] != key:
            key = group_of[key]
        return key

    for a in keys:
        for b in keys:
            if a != b and (components(a) <= components(b) or components(b) <= components(a)):
                group_of[root(a)] = root(b)
    series = {}
    for key, dose, age, interval in entries:
        series.setdefault(root(key), []).append((key, dose, age, interval))
    return [sorted(items, key=lambda e: (e[2], keys.index(e[0]), e[1])) for items in series.values()]


def vaccination_catch_up(patient, *, on, immunizations=None, language=None):
    """Return what a child has had, what is due now and what later under China's schedule, on a day.

    A dose is due when the child has reached its age and the minimum interval from the previous dose of the
    series has passed; only the next dose of a series can be due now, and the later ones are dated as if
    each were given on its earliest day (the one due now being given today).
    """
    if immunizations is None:
        immunizations = patient.immunizations.filter(occurred_on__lte=on).order_by("occurred_on", "created_at")
    given = [GivenDose(i.vaccine_key, i.display, i.occurred_on, i.country, i.given_here, str(i.public_id))
             for i in immunizations]
    given.sort(key=lambda g: g.occurred_on)
    used = set()
    rows = {}
    for series in _series(_schedule()):
        previous = None  # (day given or planned, whether it is only planned)
        waiting = False
        pool = [g for g in given if any(counts_for(g.vaccine_key, key) for key, *_r in series)]
        for key, dose_number, age_months, interval in series:
            by_age = add_months(patient.date_of_birth, age_months)
            by_interval = previous + dt.timedelta(days=interval) if previous else by_age
            dose = Dose(key, dose_number, age_months, max(by_age, by_interval))
            row = rows.setdefault(key, Row(key, vaccine_name(key, language), []))
            row.doses.append(dose)
            match = None if waiting else next((g for g in pool if counts_for(g.vaccine_key, key)), None)
            if match is not None:
                pool = pool[pool.index(match) + 1:]
                used.add(id(match))
                dose.given = match
                previous = match.occurred_on
                continue
            waiting = True
            if dose.due_on <= on and not _series_has_due(rows, series):
                row.due_now = dose
                previous = on
            else:
                row.due_later.append(dose)
                previous = dose.due_on
    unmatched = [g for g in given if id(g) not in used]
    return CatchUp(on=on, rows=list(rows.values()), unmatched=unmatched)


def _series_has_due(rows, series):
    return any(rows[key].due_now is not None for key in {k for k, *_r in series} if key in rows)


def vaccine_choices(language=None):
    """Return (key, localised name) for every vaccine a home record may list, by name."""
    from carebridge.clinical.terminology import vaccine_keys

    return sorted(((key, vaccine_name(key, language)) for key in vaccine_keys()), key=lambda pair: pair[1].casefold())
