"""The catch-up rules on a small schedule: intervals, combinations and nested series, apart from the real one."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from carebridge.clinical.pathways import vaccination
from carebridge.clinical.pathways.vaccination import add_months, counts_for, vaccination_catch_up

SCHEDULE = [
    ("DTaP", 1, 3, 0), ("DTaP", 2, 4, 28), ("DTaP", 3, 5, 28), ("DTaP", 4, 18, 180), ("DT", 5, 72, 365),
    ("IPV", 1, 2, 0), ("IPV", 2, 3, 28), ("bOPV", 3, 4, 28), ("bOPV", 4, 48, 28),
    ("Hib", 1, 2, 0), ("Hib", 2, 4, 28),
    ("MMR", 1, 8, 0), ("MMR", 2, 18, 28),
]
BORN = dt.date(2025, 1, 15)


@pytest.fixture(autouse=True)
def small_schedule(monkeypatch):
    monkeypatch.setattr(vaccination, "_schedule", lambda: list(SCHEDULE))
    monkeypatch.setattr(vaccination, "vaccine_name", lambda key, language=None: key.upper())


def _child():
    return SimpleNamespace(date_of_birth=BORN)


def _dose(key, day, country="MN"):
    return SimpleNamespace(vaccine_key=key, display=key.upper(), occurred_on=day, country=country, given_here=False,
                           public_id=uuid.uuid4())


def test_a_combination_counts_for_each_vaccine_it_contains():
    assert counts_for("DTaP-IPV-Hib", "DTaP") and counts_for("DTaP-IPV-Hib", "IPV") and counts_for(
        "DTaP-IPV-Hib", "Hib")
    assert counts_for("MMR", "MR") and counts_for("OPV", "IPV") and counts_for("DTaP", "DT")
    assert not counts_for("MR", "MMR") and not counts_for("DT", "DTaP")


def test_two_pentavalent_doses_fill_dtap_polio_and_hib_at_once():
    given = [_dose("DTaP-IPV-Hib", dt.date(2025, 3, 20)), _dose("DTaP-IPV-Hib", dt.date(2025, 5, 20))]

    result = vaccination_catch_up(_child(), on=dt.date(2025, 7, 1), immunizations=given)

    for key in ("DTaP", "IPV", "Hib"):
        assert len(result.row(key).given) == 2, key
    assert "Hib" in result.complete and "IPV" in result.complete
    assert result.row("DTaP").due_now.dose_number == 3
    assert result.row("bOPV").due_now.dose_number == 3


def test_polio_is_one_series_so_three_ipv_doses_are_not_counted_twice():
    given = [_dose("IPV", dt.date(2025, 3, 15)), _dose("IPV", dt.date(2025, 4, 15)), _dose("OPV", dt.date(2025, 5, 20))]

    result = vaccination_catch_up(_child(), on=dt.date(2025, 7, 1), immunizations=given)

    assert [d.given.vaccine_key for d in result.row("IPV").given] == ["IPV", "IPV"]
    assert [d.given.vaccine_key for d in result.row("bOPV").given] == ["OPV"]
    assert [(d.dose_number, d.due_on) for d in result.row("bOPV").due_later] == [(4, add_months(BORN, 48))]


def test_the_next_dose_waits_for_the_minimum_interval_from_the_previous_one():
    # DTaP 1 given ten days ago: age allows dose 2, the 28-day interval does not yet.
    on = dt.date(2025, 7, 1)
    given = [_dose("DTaP", on - dt.timedelta(days=10))]

    result = vaccination_catch_up(_child(), on=on, immunizations=given)

    row = result.row("DTaP")
    assert row.due_now is None
    assert (row.due_later[0].dose_number, row.due_later[0].due_on) == (2, on + dt.timedelta(days=18))
    # Dose 3 follows dose 2 by the interval; dose 4 waits for 18 months.
    assert row.due_later[1].due_on == on + dt.timedelta(days=18 + 28)
    assert row.due_later[2].due_on == add_months(BORN, 18)


def test_dtap_doses_count_for_dt_only_after_the_dtap_series():
    given = [_dose("DTaP", dt.date(2025, 4, 15) + dt.timedelta(days=40 * i)) for i in range(5)]

    result = vaccination_catch_up(_child(), on=dt.date(2026, 1, 1), immunizations=given)

    assert len(result.row("DTaP").given) == 4
    assert len(result.row("DT").given) == 1


def test_doses_outside_the_schedule_are_listed_apart():
    given = [_dose("RV", dt.date(2025, 3, 15))]

    result = vaccination_catch_up(_child(), on=dt.date(2025, 4, 1), immunizations=given)

    assert [g.vaccine_key for g in result.unmatched] == ["RV"]


def test_months_are_added_to_the_last_day_of_a_short_month():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 12, 15), 14) == dt.date(2026, 2, 15)
