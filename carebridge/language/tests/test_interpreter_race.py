"""Coordinators racing for one interpreter: in every race exactly one wins and the others get 409.

Each thread has its own database connection (Django's are per thread) and its own transaction; a barrier
releases them together. The unique (interpreter, block) claim decides, on SQLite (IMMEDIATE transactions,
a 20 s busy timeout, a file test database) and on PostgreSQL alike.
"""

import datetime as dt
import os
import secrets
import threading
import time

import pytest
from django.db import connection

from carebridge.language.models import InterpreterAssignment, InterpreterClaim, blocks_covering
from carebridge.language.services import InterpreterTaken, interpreter_assign, interpreter_request
from carebridge.language.tests.conftest import at, doctor, pool_member, working_day
from carebridge.scheduling.models import Appointment, Slot

RACERS = 50
RACES = int(os.environ.get("CAREBRIDGE_RACES", "100"))


def race_day(first, index):
    """Return the index-th day from `first` on which the pool works (Monday to Saturday)."""
    day = first
    for _ in range(index):
        day += dt.timedelta(days=1)
        while day.weekday() == 6:
            day += dt.timedelta(days=1)
    return day


def race(assignments, interpreter, decided_by):
    """Let one thread per assignment try to give it to the same interpreter at the same moment."""
    barrier = threading.Barrier(len(assignments))
    outcomes = [None] * len(assignments)

    def attempt(index, assignment):
        try:
            barrier.wait(timeout=30)
            interpreter_assign(assignment=assignment, interpreter=interpreter, decided_by=decided_by, how="override")
            outcomes[index] = "won"
        except InterpreterTaken as exc:
            outcomes[index] = (exc.status, exc.code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i, a)) for i, a in enumerate(assignments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_racing_coordinators_get_one_interpreter_once_and_the_others_a_409(haikou, coordinator, temuulen,
                                                                           consultation, capsys):
    interpreter = pool_member(haikou, "racer@haikou.test")
    doctors = [doctor(haikou, consultation, f"Dr {i}") for i in range(RACERS)]
    day = working_day()
    timings = []

    for number in range(RACES):
        # Three races a day, three hours apart, so one race's winner never overlaps the next race.
        start = at(race_day(day, number // 3), 8 + 3 * (number % 3))
        assignments = []
        for index, clinician in enumerate(doctors):
            # All overlapping, not identical: each starts a minute after the previous one.
            begins = start + dt.timedelta(minutes=index % 30)
            slot = Slot.objects.create(hospital=haikou, clinician=clinician, start=begins,
                                       end=begins + dt.timedelta(minutes=60))
            appointment = Appointment.objects.create(
                hospital=haikou, patient=temuulen, service=consultation, clinician=clinician, slot=slot,
                start=slot.start, end=slot.end, booked_by=coordinator, interpreter_needed=True,
                interpreter_language="mn", check_in_code=secrets.token_urlsafe(12))
            assignments.append(interpreter_request(appointment=appointment))

        began = time.perf_counter()
        outcomes = race(assignments, interpreter, coordinator)
        timings.append(time.perf_counter() - began)

        assert outcomes.count("won") == 1, outcomes
        assert sorted(o for o in outcomes if o != "won") == [(409, "interpreter_taken")] * (RACERS - 1), outcomes
        winner = assignments[outcomes.index("won")]
        held = InterpreterAssignment.objects.filter(pk__in=[a.pk for a in assignments], status="assigned")
        assert list(held.values_list("pk", flat=True)) == [winner.pk]
        assert InterpreterClaim.objects.filter(assignment=winner).count() == len(
            blocks_covering(winner.start, winner.end))
        assert not InterpreterClaim.objects.filter(assignment__in=[a for a in assignments if a != winner]).exists()

    with capsys.disabled():
        print(f"\nBENCH interpreter_race_{connection.vendor}_mean {1000 * sum(timings) / len(timings):.1f} ms"
              f"\nBENCH interpreter_race_{connection.vendor}_max {1000 * max(timings):.1f} ms")
