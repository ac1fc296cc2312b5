"""Celery entry points: thin, taking ids."""

from celery import shared_task

from carebridge.core.jobs import job_run, jobs_run_due


@shared_task(acks_late=True)
def job_run_task(job_id):
    """Run one outbox job on a worker."""
    job_run(job_id=job_id)


@shared_task
def jobs_sweep_task():
    """Run jobs left due by a crash or a delay."""
    jobs_run_due()
