"""Background work of insurance: reminding the insurer of a GOP request still unanswered at its deadline."""

from carebridge.core.jobs import job_handler
from carebridge.insurance.models import GopEvent, GuaranteeOfPayment


@job_handler("insurance.gop_reminder")
def gop_reminder(*, gop_id, status):
    """Remind the insurer's case managers (and tell the coordinators) if the request still waits at its deadline."""
    from carebridge.insurance.services import _gop_link, _tell_hospital, _tell_insurer

    gop = GuaranteeOfPayment.objects.select_related("hospital", "payer").filter(pk=gop_id).first()
    if gop is None or gop.status not in GuaranteeOfPayment.OPEN:
        return
    if gop.events.filter(kind=GopEvent.Kind.REMINDER).exists():
        return  # one reminder per deadline; a re-run of this job sends nothing more
    GopEvent.objects.create(gop=gop, kind=GopEvent.Kind.REMINDER, organisation=gop.hospital)
    _tell_insurer(gop, "insurance/messages/gop_reminder", _gop_link(gop))
    _tell_hospital(gop, "insurance/messages/gop_overdue", _gop_link(gop))
