"""A transactional outbox for background work.

``job_enqueue`` writes a Job row inside the caller's transaction, so the work exists exactly when the
change that needs it committed. After commit the job runs: on a Celery worker when REDIS_URL is set, in
the same process otherwise. ``manage.py jobs_work`` (or a Celery beat) claims whatever is still due,
including jobs whose runner crashed, once their lease has expired. Handlers must be idempotent.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carebridge.core.models import Job

logger = logging.getLogger(__name__)
HANDLERS = {}
LEASE = timedelta(minutes=5)


def job_handler(name):
    """Register a function as the handler of a named job; it receives the job's kwargs."""

    def register(func):
        HANDLERS[name] = func
        return func

    return register


def job_enqueue(*, name, delay=None, run_after=None, **kwargs):
    """Record a job in the current transaction; start it after commit, or leave it for `run_after` (or `delay`)."""
    later = run_after is not None or delay is not None
    run_after = run_after or timezone.now() + (delay or timedelta())
    job = Job.objects.create(name=name, kwargs=kwargs, run_after=run_after)
    if not later:
        transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def jobs_schedule(*, name, runs):
    """Record several jobs due later in one insert: `runs` is [(run_after, kwargs)]."""
    return Job.objects.bulk_create([Job(name=name, kwargs=kwargs, run_after=run_after) for run_after, kwargs in runs])


def _dispatch(job_id):
    if settings.JOBS_RUN_IN_PROCESS:
        job_run(job_id=job_id)
    else:
        from carebridge.core.tasks import job_run_task

        job_run_task.delay(job_id)


def job_claim(*, job_id=None, now=None):
    """Claim one due job (or the given one) with a lease; return it, or None when nothing is due."""
    now = now or timezone.now()
    due = Job.objects.filter(run_after__lte=now).filter(
        state__in=[Job.State.PENDING, Job.State.RUNNING]
    ).exclude(state=Job.State.RUNNING, lease_until__gt=now)
    if job_id is not None:
        due = due.filter(pk=job_id)
    with transaction.atomic():
        job = due.select_for_update(skip_locked=True).order_by("run_after", "pk").first()
        if job is None:
            return None
        # The conditional update is the claim: of two racing workers only one changes the row.
        claimed = Job.objects.filter(pk=job.pk, state=job.state, lease_until=job.lease_until).update(
            state=Job.State.RUNNING, lease_until=now + LEASE, attempts=job.attempts + 1
        )
        if not claimed:
            return None
        job.refresh_from_db()
        return job


def job_run(*, job_id=None):
    """Claim and run one job; return True when a job ran."""
    job = job_claim(job_id=job_id)
    if job is None:
        return False
    handler = HANDLERS.get(job.name)
    try:
        if handler is None:
            raise LookupError(f"no handler registered for job {job.name!r}")
        handler(**job.kwargs)
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded and retried, never lost
        logger.exception("job %s failed", job)
        failed = job.attempts >= job.max_attempts
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED if failed else Job.State.PENDING,
            last_error=repr(exc),
            lease_until=None,
            run_after=timezone.now() + timedelta(seconds=30 * 2**job.attempts),
        )
        return True
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, finished_at=timezone.now(), lease_until=None)
    return True


def jobs_run_due(*, limit=100):
    """Run due jobs until none is left or the limit is reached; return how many ran."""
    ran = 0
    while ran < limit and job_run():
        ran += 1
    return ran
