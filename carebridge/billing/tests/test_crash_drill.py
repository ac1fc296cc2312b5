"""The crash drill: real web and worker processes are killed (SIGKILL) at named points of the online payment flow,
restarted, and the notification replayed (or the reconciler run): no payment is lost, none is recorded twice,
and the ledger stays balanced.

The processes share the test's database (a file SQLite database, or PostgreSQL's test database), committed data
only: the test is transactional. A process dies where CAREBRIDGE_CRASH_AT names a crash_point().
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from carebridge.billing import services
from carebridge.billing.ledger import ledger_totals, unbalanced_entries
from carebridge.billing.models import Payment, PaymentIntent, Refund, WebhookEvent
from carebridge.billing.providers.sandbox import sandbox_pay
from carebridge.billing.providers.sandbox_models import SandboxPayment, SandboxRefund
from carebridge.core.models import Job

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_crash_drill"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_environment():
    """Point the subprocesses at the database this test uses."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": db["NAME"], "DATABASE_URL": ""}
    from urllib.parse import quote

    auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    host = db["HOST"] or "localhost"
    host = quote(host, safe="") if host.startswith("/") else host
    return {"DATABASE_URL": f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"}


def wait_for(condition, *, seconds=90, what="condition"):  # generous: a loaded CI machine starts Django slowly
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Drill:
    """Starts, kills and restarts the web server and the worker."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.site = f"http://127.0.0.1:{self.port}"
        self.logs = tmp_path
        self.env = {**os.environ, **database_environment(), "CAREBRIDGE_ENV": "test", "SITE_URL": self.site,
                    "BILLING_SANDBOX_WEBHOOKS": "http", "SANDBOX_WEBHOOK_SECRET": SECRET,
                    "JOBS_RUN_IN_PROCESS": "true", "PYTHONUNBUFFERED": "1"}
        self.env.pop("CAREBRIDGE_CRASH_AT", None)
        self.web = self.worker = None
        self.count = 0

    def _start(self, args, crash_at):
        self.count += 1
        env = dict(self.env)
        if crash_at:
            env["CAREBRIDGE_CRASH_AT"] = crash_at
        log = open(self.logs / f"{self.count}-{args[0]}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)

    def start_web(self, crash_at=None):
        self.web = self._start(["runserver", "--noreload", "--skip-checks", f"127.0.0.1:{self.port}"], crash_at)

        def up():
            assert self.web.poll() is None, "the web server stopped"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return False
            return True

        wait_for(up, what="the web server")

    def start_worker(self, crash_at=None):
        self.worker = self._start(["jobs_work", "--interval", "0.2"], crash_at)

    def killed(self, process, what):
        wait_for(lambda: process.poll() is not None, what=f"{what} to die at its crash point")
        assert process.returncode == -signal.SIGKILL, f"{what} ended with {process.returncode}, not SIGKILL"

    def stop(self):
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def reconcile(self):
        subprocess.run([sys.executable, "manage.py", "payments_reconcile", "--older-than", "0"], cwd=ROOT,
                       env=self.env, check=True, capture_output=True, timeout=120)

    def request(self, method, path, *, body=None, headers=None):
        """One HTTP request to the web server; None when the server died before answering."""
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            client.request(method, path, body=body, headers=headers or {})
            response = client.getresponse()
            return response.status, response.read()
        except (ConnectionError, http.client.RemoteDisconnected, http.client.IncompleteRead):
            return None
        finally:
            client.close()


@pytest.fixture
def drill(tmp_path, settings, monkeypatch):
    settings.SANDBOX_WEBHOOK_SECRET = SECRET
    # The test process plays the patient and the bank: the jobs it queues are the worker's to run.
    monkeypatch.setattr("carebridge.core.jobs._dispatch", lambda job_id: None)
    drill = Drill(tmp_path)
    settings.SITE_URL = drill.site
    yield drill
    drill.stop()


@pytest.fixture
def session(guardian):
    """The mother's browser session (cookie and CSRF token) for the live server."""
    client = Client()
    client.force_login(guardian, backend="carebridge.accounts.backends.EmailBackend")
    token = uuid.uuid4().hex
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}", "X-CSRFToken": token,
            "Content-Type": "application/json"}


def start_payment(drill, session, temuulen, haikou, key):
    body = json.dumps({"patient_id": str(temuulen.public_id), "purpose": "deposit",
                       "hospital_id": str(haikou.public_id), "amount": "370.00", "currency": "SGD"})
    return drill.request("POST", "/api/v1/payment-intents", body=body,
                         headers={**session, "Idempotency-Key": key})


def assert_exactly_once():
    """One payment per paid intent, none for the others, no intent lost, the ledger balanced."""
    for intent in PaymentIntent.objects.all():
        expected = 1 if intent.status == PaymentIntent.Status.SUCCEEDED else 0
        assert Payment.objects.filter(intent=intent).count() == expected, intent.status
    assert Payment.objects.count() == PaymentIntent.objects.filter(status="succeeded").count()
    debit, credit = ledger_totals()
    assert debit == credit
    assert unbalanced_entries() == []


def pay_and_wait(intent):
    sandbox_pay(reference=intent.provider_reference, action="pay", card="4242424242424242")
    wait_for(lambda: Payment.objects.filter(intent=intent).exists(), what="the payment")


def delivery_job():
    return Job.objects.filter(name="billing.webhook_deliver").order_by("-pk").first()


def retry_now(job):
    """Bring a failed delivery's next attempt (or a dead worker's lease) forward instead of waiting minutes."""
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now(), lease_until=timezone.now() - timedelta(seconds=1))


def test_web_killed_after_recording_the_intent_before_calling_the_provider(drill, session, temuulen, haikou,
                                                                          rates):
    drill.start_web(crash_at="intent.recorded")
    assert start_payment(drill, session, temuulen, haikou, "k1") is None
    drill.killed(drill.web, "the web server")
    intent = PaymentIntent.objects.get()  # recorded before the crash: not lost
    assert (intent.status, intent.provider_reference, SandboxPayment.objects.count()) == ("created", "", 0)

    drill.start_web()
    drill.start_worker()
    drill.reconcile()

    intent.refresh_from_db()
    assert intent.status == PaymentIntent.Status.PENDING and intent.provider_reference
    pay_and_wait(intent)
    assert_exactly_once()


def test_web_killed_after_the_provider_call_before_saving_its_reference(drill, session, temuulen, haikou, rates):
    drill.start_web(crash_at="intent.provider_called")
    assert start_payment(drill, session, temuulen, haikou, "k2") is None
    drill.killed(drill.web, "the web server")
    assert SandboxPayment.objects.count() == 1  # the provider has it; we have not saved its reference
    assert PaymentIntent.objects.get().provider_reference == ""

    drill.start_web()
    drill.start_worker()
    status, body = start_payment(drill, session, temuulen, haikou, "k2")  # the payer's retry, same key

    assert status == 201
    intent = PaymentIntent.objects.get()
    assert json.loads(body)["id"] == str(intent.public_id)
    assert SandboxPayment.objects.get().reference == intent.provider_reference  # same checkout, not a second one
    pay_and_wait(intent)
    assert_exactly_once()


def test_web_killed_after_storing_the_event_inside_the_transaction(drill, session, temuulen, haikou, rates):
    drill.start_web(crash_at="webhook.stored")
    drill.start_worker()
    status, body = start_payment(drill, session, temuulen, haikou, "k3")
    intent = PaymentIntent.objects.get(public_id=json.loads(body)["id"])

    sandbox_pay(reference=intent.provider_reference, action="pay", card="4242424242424242")
    drill.killed(drill.web, "the web server")
    wait_for(lambda: delivery_job().attempts >= 1 and delivery_job().state == Job.State.PENDING,
             what="the failed delivery to be rescheduled")
    assert not WebhookEvent.objects.exists() and not Payment.objects.exists()  # rolled back with the process

    drill.start_web()
    retry_now(delivery_job())
    wait_for(lambda: Payment.objects.filter(intent=intent).exists(), what="the redelivered payment")
    wait_for(lambda: delivery_job().state == Job.State.DONE, what="the delivery job to finish")
    assert WebhookEvent.objects.get().deliveries == 1
    assert_exactly_once()


def test_web_killed_after_committing_the_payment_before_answering(drill, session, temuulen, haikou, rates):
    drill.start_web(crash_at="webhook.processed")
    drill.start_worker()
    status, body = start_payment(drill, session, temuulen, haikou, "k4")
    intent = PaymentIntent.objects.get(public_id=json.loads(body)["id"])

    sandbox_pay(reference=intent.provider_reference, action="pay", card="4242424242424242")
    drill.killed(drill.web, "the web server")
    assert Payment.objects.filter(intent=intent).count() == 1  # committed; the provider never heard "200"
    wait_for(lambda: delivery_job().state == Job.State.PENDING and delivery_job().attempts >= 1,
             what="the unanswered delivery to be rescheduled")

    drill.start_web()
    retry_now(delivery_job())
    wait_for(lambda: delivery_job().state == Job.State.DONE, what="the redelivery")
    assert WebhookEvent.objects.get().deliveries == 2
    assert_exactly_once()


def test_worker_killed_mid_delivery_after_our_endpoint_answered(drill, session, temuulen, haikou, rates):
    drill.start_web()
    drill.start_worker(crash_at="worker.webhook_deliver.after")
    status, body = start_payment(drill, session, temuulen, haikou, "k5")
    intent = PaymentIntent.objects.get(public_id=json.loads(body)["id"])

    sandbox_pay(reference=intent.provider_reference, action="pay", card="4242424242424242")
    drill.killed(drill.worker, "the worker")
    job = delivery_job()
    assert job.state == Job.State.RUNNING  # leased by the dead worker
    assert Payment.objects.filter(intent=intent).count() == 1

    drill.start_worker()
    retry_now(job)  # its lease runs out
    wait_for(lambda: delivery_job().state == Job.State.DONE, what="the job to be taken again")
    assert WebhookEvent.objects.get().deliveries == 2
    assert_exactly_once()


def test_worker_killed_after_asking_the_provider_for_a_refund(drill, session, temuulen, haikou, rates, cashier):
    drill.start_web()
    drill.start_worker(crash_at="refund.provider_called")  # delivers the payment's notification, dies on the refund
    status, body = start_payment(drill, session, temuulen, haikou, "k6")
    intent = PaymentIntent.objects.get(public_id=json.loads(body)["id"])
    pay_and_wait(intent)
    wait_for(lambda: delivery_job().state == Job.State.DONE, what="the payment's notification job")

    refund = services.refund_request(payment=Payment.objects.get(), amount_cny="500.00", reason="Left early",
                                     requested_by=cashier)
    drill.killed(drill.worker, "the worker")
    assert SandboxRefund.objects.count() == 1

    drill.start_worker()
    retry_now(Job.objects.get(name="billing.refund_send"))
    wait_for(lambda: Refund.objects.get(pk=refund.pk).status == Refund.Status.SUCCEEDED, what="the refund")
    wait_for(lambda: not Job.objects.exclude(state=Job.State.DONE).filter(
        name__in=["billing.refund_send", "billing.webhook_deliver"]).exists(), what="all jobs done")
    assert SandboxRefund.objects.count() == 1  # asked twice, refunded once
    assert WebhookEvent.objects.filter(kind="charge.refunded").count() == 1
    assert Payment.objects.get().amount_cny - Refund.objects.get().amount_cny == Decimal("1500.00")
    assert_exactly_once()
