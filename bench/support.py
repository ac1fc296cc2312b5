"""Shared set-up for the benches: a throwaway database, a bare Django view to compare with, timing."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fresh_postgres_database(url):
    """Create an empty database beside the one DATABASE_URL names (dropped at exit); return its URL."""
    import atexit
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"carebridge_bench_{os.getpid()}"
    admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    atexit.register(drop)
    return urlunsplit(parts._replace(path=f"/{name}"))


def django_setup():
    """Point Django at a fresh database (a temporary SQLite file, or a new database on the DATABASE_URL server)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CAREBRIDGE_ENV", "test")
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = _fresh_postgres_database(os.environ["DATABASE_URL"])
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="carebridge-bench-"), "bench.sqlite3")
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return settings


def timed(call, repeat):
    """Run a call `repeat` times; return the latencies in milliseconds."""
    latencies = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def p95(latencies):
    return statistics.quantiles(latencies, n=20)[18]


def bench_line(name, value, unit):
    print(f"BENCH {name} {value:.3f} {unit}")
