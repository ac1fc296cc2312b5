"""Booking throughput and p95 latency at 32 concurrent clients on PostgreSQL, against a bare view doing one insert.

Both are measured in this run, in this process, the same way: 32 threads, each with its own database
connection, sending requests through Django's full stack (middleware, session, second factor). Without
DATABASE_URL the script starts a throwaway PostgreSQL cluster (scripts/with_postgres.sh) and runs in it.

Prints:
  BENCH booking_throughput <n> per_s          bookings per second (POST /api/v1/appointments, distinct slots)
  BENCH booking_p95 <ms> ms                   p95 latency of a booking
  BENCH bare_insert_throughput <n> per_s      requests per second of a bare view doing one INSERT
  BENCH booking_throughput_ratio <x> x        booking throughput / bare throughput (aim: at least 0.5)
  BENCH booking_p95_ratio <x> x               booking p95 / bare p95
  BENCH booking_statements <n> statements     SQL statements of one booking (after the timed runs)
  BENCH bare_insert_statements <n> statements SQL statements of one bare insert request
"""

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

CLIENTS = 32
PER_CLIENT = int(os.environ.get("BENCH_BOOKINGS_PER_CLIENT", "15"))

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    root = Path(__file__).resolve().parent.parent
    sys.exit(subprocess.call(["bash", str(root / "scripts" / "with_postgres.sh"), sys.executable, *sys.argv]))

os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
from support import bench_line, django_setup, p95  # noqa: E402


def hammer(make_request, clients, per_client):
    """Run clients x per_client requests from `clients` threads; return (requests per second, latencies in ms)."""
    from django.db import connection

    latencies, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker(index):
        mine = []
        barrier.wait()
        try:
            for n in range(per_client):
                start = time.perf_counter()
                make_request(index, n)
                mine.append((time.perf_counter() - start) * 1000)
        except Exception as exc:  # noqa: BLE001 - reported below, so a broken bench never prints figures
            errors.append(exc)
        with lock:
            latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0]!r}")
    return len(latencies) / (time.perf_counter() - started), latencies


def main():
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from carebridge.accounts.models import Membership, Organisation
    from carebridge.patients.models import Patient
    from carebridge.patients.services import record_number_assign
    from carebridge.scheduling.tests.factories import at, consultation, doctor, open_slot, working_day

    hospital = Organisation.objects.create(slug="bench", name="Bench Hospital", kind="hospital", country="CN")
    desk = get_user_model().objects.create_user(email="desk@bench.test", password="x" * 20)
    Membership.objects.create(user=desk, organisation=hospital, role="coordinator")
    device = TOTPDevice.objects.create(user=desk, name="bench", confirmed=True)
    service = consultation(hospital)
    doctors = [doctor(hospital, service, name=f"Dr Bench {i}") for i in range(CLIENTS)]
    patients = [Patient.objects.create(family_name=f"Bench{i}", date_of_birth=dt.date(1990, 1, 1), registered_by=desk,
                                       preferred_language="zh-hans") for i in range(CLIENTS)]
    for patient in patients:
        record_number_assign(patient=patient, hospital=hospital)
    # Each client books its own doctor's slots: the bench measures throughput, not conflicts.
    times = [at(working_day(3 + n // 18), 8 + (n % 18) // 2, 30 * (n % 2)) for n in range(PER_CLIENT + 5)]
    slots = [[open_slot(doctors[c], times[n]) for n in range(PER_CLIENT + 5)] for c in range(CLIENTS)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, at timestamptz NOT NULL)")

    def client():
        c = Client()
        c.force_login(desk, backend="carebridge.accounts.backends.EmailBackend")
        session = c.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return c

    clients = [client() for _ in range(CLIENTS)]

    def bare(index, n):
        response = clients[index].post("/bench/insert/")
        assert response.status_code == 200, response.content

    def book(index, n):
        response = clients[index].post("/api/v1/appointments", {
            "patient_id": str(patients[index].public_id), "slot_id": str(slots[index][n].public_id),
            "service_id": str(service.public_id)}, content_type="application/json")
        assert response.status_code == 201, response.content

    hammer(bare, CLIENTS, 3)  # warm up
    bare_rate, bare_latencies = hammer(bare, CLIENTS, PER_CLIENT)
    booking_rate, booking_latencies = hammer(book, CLIENTS, PER_CLIENT)
    bench_line("booking_throughput", booking_rate, "per_s")
    bench_line("booking_p95", p95(booking_latencies), "ms")
    bench_line("bare_insert_throughput", bare_rate, "per_s")
    bench_line("booking_throughput_ratio", booking_rate / bare_rate, "x")
    bench_line("booking_p95_ratio", p95(booking_latencies) / p95(bare_latencies), "x")
    # Not timed: what one more request of each kind says to the database, on a slot no client booked.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as booking_queries:
        book(0, PER_CLIENT)
    with CaptureQueriesContext(connection) as bare_queries:
        bare(0, PER_CLIENT)
    bench_line("booking_statements", len(booking_queries), "statements")
    bench_line("bare_insert_statements", len(bare_queries), "statements")


if __name__ == "__main__":
    main()
