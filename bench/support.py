"""Shared set-up for the benches: a throwaway database, a bare Django view to compare with, timing."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup():
    """Point Django at a fresh SQLite file (or DATABASE_URL) with the bench URLs, migrate, and return settings."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CAREBRIDGE_ENV", "test")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="carebridge-bench-"), "bench.sqlite3")
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    if os.environ.get("DATABASE_URL"):
        call_command("flush", "--no-input", verbosity=0)
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
