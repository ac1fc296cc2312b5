"""Job handlers of bulk export: run an export slice by slice, and remove its files when its time is up."""

from carebridge.core.jobs import job_handler
from carebridge.interop.bulk.services import EXPIRE_JOB, RUN_JOB, bulk_export_expire, bulk_export_run


@job_handler(RUN_JOB)
def bulk_export_run_job(*, export_id):
    """Run (or resume) one export; safe to repeat."""
    bulk_export_run(export_id=export_id)


@job_handler(EXPIRE_JOB)
def bulk_export_expire_job(*, export_id):
    """Delete the files of an export whose retention time is over; safe to repeat."""
    bulk_export_expire(export_id=export_id)
