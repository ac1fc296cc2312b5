"""Crash drill: a worker killed (SIGKILL) in the middle of a job loses no job, and no job takes effect twice.

A real `manage.py jobs_work` process (carebridge/core/tests/drill_worker.py adds the drill's handler) works
through the outbox of the test's database. It blocks inside one job, before or after that job's effect
committed; the test kills it there, starts a new worker, and checks that every job ends done, the killed one
ran again once its lease ran out, and every effect exists exactly once.
"""

import signal
import subprocess
import sys

import pytest
from django.db import connection
from django.utils import timezone

from carebridge.core.jobs import jobs_schedule
from carebridge.core.models import Job
from carebridge.core.tests.drill_support import ROOT, database_environment, subprocess_environment, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
KEYS = [f"job-{n}" for n in range(5)]


@pytest.fixture
def side_effects():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE drill_effect (job_key varchar(40) PRIMARY KEY)")
        cursor.execute("CREATE TABLE drill_run (job_key varchar(40) NOT NULL, pid integer NOT NULL)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE drill_effect")
        cursor.execute("DROP TABLE drill_run")


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(**env):
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "carebridge.core.tests.drill_worker", "--interval", "0.2"], cwd=ROOT,
            env=subprocess_environment(**database_environment(), DRILL_LEASE_SECONDS="3", **env),
            stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def runs_of(key):
    return rows(f"SELECT count(*) FROM drill_run WHERE job_key = '{key}'")[0][0]  # noqa: S608 - test constant


@pytest.mark.parametrize("killed_at", ["before", "after"], ids=["before-its-effect", "after-its-effect-committed"])
def test_a_worker_killed_mid_job_loses_no_job_and_no_effect_happens_twice(killed_at, side_effects, workers,
                                                                          tmp_path):
    jobs_schedule(name="drill.effect", runs=[(timezone.now(), {"key": key}) for key in KEYS])
    marker = tmp_path / "blocked"

    first = workers(DRILL_BLOCK_KEY="job-2", DRILL_BLOCK_AT=killed_at, DRILL_MARKER=str(marker))
    wait_for(marker.exists, what="the worker to reach the middle of job-2")
    first.send_signal(signal.SIGKILL)
    first.wait(30)

    assert first.returncode == -signal.SIGKILL
    killed = Job.objects.get(kwargs__key="job-2")
    assert killed.state == Job.State.RUNNING and killed.attempts == 1  # leased by the dead worker
    effects = {key for (key,) in rows("SELECT job_key FROM drill_effect")}
    assert effects == ({"job-0", "job-1", "job-2"} if killed_at == "after" else {"job-0", "job-1"})

    workers()  # a new worker, after the lease of the dead one runs out
    wait_for(lambda: not Job.objects.filter(name="drill.effect").exclude(state=Job.State.DONE).exists(),
             what="every job to be done")

    assert sorted(key for (key,) in rows("SELECT job_key FROM drill_effect")) == KEYS  # each effect once, none lost
    assert Job.objects.get(kwargs__key="job-2").attempts == 2
    assert runs_of("job-2") == 2  # taken again after the crash ...
    assert [runs_of(key) for key in KEYS if key != "job-2"] == [1, 1, 1, 1]  # ... and no other job repeated
