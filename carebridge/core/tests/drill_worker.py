"""`manage.py jobs_work` with the worker drill's job handler registered: tests only.

    python -m carebridge.core.tests.drill_worker [jobs_work options]

The handler `drill.effect` logs every run in drill_run and takes its effect (a row in drill_effect, keyed
by the job's key) idempotently, in one transaction. With DRILL_BLOCK_KEY and DRILL_BLOCK_AT ("before" or
"after" the effect) the worker writes DRILL_MARKER and blocks there, for the test to kill it (SIGKILL).
DRILL_LEASE_SECONDS shortens the outbox lease so a dead worker's job is claimed again within seconds.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path


def gate(key, where):
    if os.environ.get("DRILL_BLOCK_KEY") == key and os.environ.get("DRILL_BLOCK_AT") == where:
        Path(os.environ["DRILL_MARKER"]).write_text(f"{os.getpid()} {key} {where}")
        while True:  # mid-job, until killed
            time.sleep(1)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from carebridge.core import jobs

    jobs.LEASE = timedelta(seconds=float(os.environ.get("DRILL_LEASE_SECONDS", "3")))

    @jobs.job_handler("drill.effect")
    def drill_effect(*, key):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO drill_run (job_key, pid) VALUES (%s, %s)", [key, os.getpid()])
        gate(key, "before")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO drill_effect (job_key) VALUES (%s) ON CONFLICT (job_key) DO NOTHING", [key])
        gate(key, "after")

    call_command("jobs_work", *sys.argv[1:])


if __name__ == "__main__":
    main()
