"""Background jobs live in the same transaction as the change; a crashed runner's job is taken again."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from carebridge.core import jobs
from carebridge.core.models import Job

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = []


@jobs.job_handler("test.record")
def record(*, value):
    CALLS.append(value)


@jobs.job_handler("test.explode")
def explode(**kwargs):
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def clear_calls():
    CALLS.clear()


def test_a_job_runs_once_its_transaction_commits():
    with transaction.atomic():
        job = jobs.job_enqueue(name="test.record", value="after commit")
        assert CALLS == []

    assert CALLS == ["after commit"]
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_a_rolled_back_change_leaves_no_job():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        jobs.job_enqueue(name="test.record", value="never")
        1 / 0  # noqa: B018 - the change fails

    assert not Job.objects.exists()
    assert CALLS == []


def test_a_failing_job_is_kept_for_a_retry_with_its_error():
    job = jobs.job_enqueue(name="test.explode")

    job.refresh_from_db()
    assert job.state == Job.State.PENDING
    assert job.attempts == 1
    assert "boom" in job.last_error
    assert job.run_after > timezone.now()


def test_a_job_whose_runner_died_is_claimed_again_after_its_lease():
    job = Job.objects.create(name="test.record", kwargs={"value": "again"}, state=Job.State.RUNNING, attempts=1,
                             run_after=timezone.now() - timedelta(minutes=10),
                             lease_until=timezone.now() - timedelta(seconds=1))

    assert jobs.jobs_run_due() == 1

    assert CALLS == ["again"]
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_a_job_under_a_live_lease_is_left_alone():
    Job.objects.create(name="test.record", kwargs={"value": "busy"}, state=Job.State.RUNNING, attempts=1,
                       run_after=timezone.now(), lease_until=timezone.now() + timedelta(minutes=5))

    assert jobs.jobs_run_due() == 0
    assert CALLS == []


def test_a_job_that_keeps_failing_stops_after_its_attempts():
    job = Job.objects.create(name="test.explode", max_attempts=2, attempts=1, run_after=timezone.now())

    jobs.job_run(job_id=job.pk)

    assert Job.objects.get(pk=job.pk).state == Job.State.FAILED
