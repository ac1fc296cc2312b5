"""Restart drill: PostgreSQL stopped and started again under load. Requests during the outage fail cleanly
(503, Retry-After, the API's error body, a FHIR OperationOutcome or a translated page; never a 500 or a
traceback) and, once the server is back, succeed again with no manual step: the same web process reconnects.

The drill makes its own throwaway cluster from Debian's PostgreSQL binaries on a free port, whatever database
the rest of the suite runs on, so it runs (and must pass) in both pytest stages. Without the binaries it fails
and says how to install them; it never skips.
"""

import glob
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from carebridge.core.tests.drill_support import ROOT, free_port, subprocess_environment, wait_for

UNKNOWN = "00000000-0000-4000-8000-000000000000"


class Cluster:
    """A throwaway PostgreSQL cluster, owned by the postgres user when the tests run as root (initdb refuses)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if not found:
            pytest.fail("PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin/pg_ctl): the restart drill "
                        "needs them. Install them with: apt-get install --no-install-recommends postgresql "
                        "(scripts/system_deps.sh does this for make test).")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="carebridge-drill-pg.", dir="/tmp"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_owner = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None or subprocess.run(["id", "postgres"], capture_output=True).returncode:
                pytest.fail("running as root, the drill needs the postgres system user (Debian's postgresql package "
                            "creates it) and runuser to start PostgreSQL")
            shutil.chown(self.root, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale",
                 "--no-sync")
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, tool, *args):
        result = subprocess.run([*self.as_owner, str(self.bin / tool), *args], cwd=self.root, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, f"{tool} failed: {result.stdout}{result.stderr}"

    def start(self):
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o",
                 f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off", "start")

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self):
        subprocess.run([*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       cwd=self.root, capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster():
    cluster = Cluster()
    yield cluster
    cluster.remove()


@pytest.fixture
def app(cluster, tmp_path):
    """The application on the cluster: migrated, then served by one long-lived single-threaded WSGI process."""
    env = subprocess_environment(DATABASE_URL=cluster.url)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    port = free_port()
    log = open(tmp_path / "web.log", "wb")  # noqa: SIM115 - closed with the process
    web = subprocess.Popen([sys.executable, "-m", "carebridge.core.tests.drill_wsgi", str(port)], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT)

    def get(path, **headers):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            client.request("GET", path, headers=headers)
            response = client.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        except OSError:
            return None, {}, ""
        finally:
            client.close()

    wait_for(lambda: web.poll() is None and get("/api/v1/exchange-rates")[0] == 200, what="the web process")
    get.process = web
    yield get
    web.terminate()
    web.wait(30)
    log.close()


class Load:
    """A client calling the API in a loop, recording every answer."""

    def __init__(self, get):
        self.get = get
        self.answers = []
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            self.answers.append(self.get("/api/v1/exchange-rates", **{"Accept-Language": "es"}))
            time.sleep(0.05)

    def count(self):
        return len(self.answers)

    def stop(self):
        self.running = False
        self.thread.join(60)


def assert_clean_503(status, headers, body):
    assert status == 503, (status, body[:500])
    assert headers.get("Retry-After", "").isdigit()
    assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body


def test_requests_fail_cleanly_while_postgresql_restarts_and_succeed_again_without_a_manual_step(cluster, app):
    load = Load(app)
    wait_for(lambda: load.count() >= 5, what="answers before the restart")
    before = load.count()

    cluster.stop("fast")  # the outage: connections are cut, new ones refused
    wait_for(lambda: any(a[0] == 503 for a in load.answers[before:]), seconds=30, what="a 503 during the outage")
    fhir = app(f"/fhir/r4/Patient/{UNKNOWN}", Authorization="Bearer cb_drill", **{"Accept-Language": "fr"})
    page = app("/catalog/", **{"Accept-Language": "ar"})
    during = load.count()
    cluster.start()
    wait_for(lambda: load.count() > during and load.answers[-1][0] == 200, seconds=60,
             what="a successful request after the restart")
    after = load.count()
    wait_for(lambda: load.count() >= after + 10, what="answers after the restart")
    load.stop()

    assert app.process.poll() is None  # the same web process throughout: no restart, no manual step
    assert {status for status, _, _ in load.answers[:before]} == {200}
    outage = [answer for answer in load.answers[before:after] if answer[0] != 200]
    assert outage, "no request fell in the outage"
    for status, headers, body in outage:
        assert_clean_503(status, headers, body)
        error = json.loads(body)
        assert error["code"] == "service_unavailable" and error["details"] == {}
        assert error["message"].startswith("El servicio no está disponible")
    assert {status for status, _, _ in load.answers[after:]} == {200}

    assert_clean_503(*fhir)
    outcome = json.loads(fhir[2])
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "transient"
    assert outcome["issue"][0]["diagnostics"].startswith("Le service est momentanément indisponible")
    assert_clean_503(*page)
    assert 'lang="ar"' in page[2] and "الخدمة غير متاحة مؤقتًا" in page[2]

    assert app("/catalog/")[0] == 200 and app(f"/fhir/r4/Patient/{UNKNOWN}", Authorization="Bearer cb_x")[0] == 401
