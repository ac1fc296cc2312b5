"""Fifty clients race for the same slot and the same room, a hundred times each: exactly one wins every race.

The database decides (a partial unique index on live appointments per slot, a unique claim per room and
night); the losers get the 409 errors, and nothing of theirs is reserved.
"""

import datetime as dt
import os
import threading

import pytest
from django.db import connection

from carebridge.patients.models import Patient
from carebridge.scheduling import services
from carebridge.scheduling.models import Appointment, RoomBooking, RoomNight
from carebridge.scheduling.tests.factories import at, consultation, doctor, open_slot, rooms, working_day

CLIENTS = 50
RACES = int(os.environ.get("CAREBRIDGE_RACES", "100"))
pytestmark = pytest.mark.django_db(transaction=True)


def race(clients, attempt):
    """Start `clients` threads at one barrier, each calling attempt(i); return their outcomes."""
    barrier = threading.Barrier(clients)
    outcomes = [None] * clients

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 - every outcome is reported to the test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture
def fifty_patients(coordinator, haikou):
    return [Patient.objects.create(family_name=f"Racer{i}", date_of_birth=dt.date(1990, 1, 1), registered_by=coordinator,
                                   preferred_language="zh-hans") for i in range(CLIENTS)]


def race_times(count):
    """Yield `count` bookable half-hours on working days, inside opening hours."""
    day, produced = working_day(), 0
    while produced < count:
        for hour in range(8, 17):
            for minute in (0, 30):
                if produced == count:
                    return
                yield at(day, hour, minute)
                produced += 1
        day = working_day((day - working_day(0)).days + 1)


def test_fifty_clients_racing_for_one_slot_leave_exactly_one_booking_each_time(fifty_patients, coordinator, haikou):
    service = consultation(haikou)
    dr_chen = doctor(haikou, service)

    for start in race_times(RACES):
        slot = open_slot(dr_chen, start)
        outcomes = race(CLIENTS, lambda i, slot=slot: services.appointment_book(
            patient=fifty_patients[i], slot=slot, service=service, booked_by=coordinator))

        winners = [o for o in outcomes if isinstance(o, Appointment)]
        losers = [o for o in outcomes if isinstance(o, services.SlotTaken)]
        assert len(winners) == 1, outcomes
        assert len(losers) == CLIENTS - 1 and all(o.status == 409 for o in losers), outcomes
        assert Appointment.objects.filter(slot=slot).count() == 1


def test_fifty_clients_racing_for_the_last_room_leave_exactly_one_booking_each_time(fifty_patients, coordinator,
                                                                                     haikou):
    suite = rooms(haikou, count=1)
    first_night = working_day()

    for n in range(RACES):
        check_in = first_night + dt.timedelta(days=2 * n)
        outcomes = race(CLIENTS, lambda i, check_in=check_in: services.room_book(
            patient=fifty_patients[i], room_type=suite, check_in=check_in,
            check_out=check_in + dt.timedelta(days=2), booked_by=coordinator))

        winners = [o for o in outcomes if isinstance(o, RoomBooking)]
        losers = [o for o in outcomes if isinstance(o, services.RoomUnavailable)]
        assert len(winners) == 1, outcomes
        assert len(losers) == CLIENTS - 1 and all(o.status == 409 for o in losers), outcomes
    assert RoomBooking.objects.count() == RACES
    assert RoomNight.objects.count() == 2 * RACES
