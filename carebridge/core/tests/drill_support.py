"""Shared pieces of the crash and restart drills: free ports, the test database for subprocesses, waiting."""

import os
import socket
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_environment():
    """Environment variables pointing a subprocess at the database this test uses (committed data only)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": db["NAME"], "DATABASE_URL": ""}
    auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    host = db["HOST"] or "localhost"
    host = quote(host, safe="") if host.startswith("/") else host
    return {"DATABASE_URL": f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"}


def subprocess_environment(**extra):
    env = {**os.environ, "CAREBRIDGE_ENV": "test", "PYTHONUNBUFFERED": "1", **extra}
    env.pop("CAREBRIDGE_CRASH_AT", None)
    return env


def wait_for(condition, *, seconds=90, what="condition"):  # generous: a loaded CI machine starts Django slowly
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
