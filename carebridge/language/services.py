"""Writes of language services: the pool, interpreter requests, matching, offers, claims, navigators.

An interpreter holds an appointment's time only through claims (one row per 15-minute block, unique per
interpreter and block), written in a savepoint: when two assignments race for the same interpreter, the
database lets one claim through and the other gets an IntegrityError, turned into InterpreterTaken (409).
"""

import logging
import zoneinfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Role
from carebridge.accounts.selectors import roles_of
from carebridge.audit.services import audit_record
from carebridge.core import i18n
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.language import selectors
from carebridge.language.models import (
    Interpreter,
    InterpreterAssignment,
    InterpreterAvailability,
    InterpreterClaim,
    InterpreterLanguage,
    NavigatorAssignment,
    blocks_covering,
)
from carebridge.notifications.services import email_send
from carebridge.patients.selectors import patients_at
from carebridge.scheduling.models import Appointment
from carebridge.scheduling.signals import appointment_booked, appointment_cancelled

logger = logging.getLogger(__name__)
Status = InterpreterAssignment.Status
How = InterpreterAssignment.How
NAVIGATOR_ROLES = (Role.COORDINATOR, Role.INTERPRETER)


class InterpreterTaken(Conflict):
    code = "interpreter_taken"
    default_message = _("This interpreter is already interpreting at this time. Please choose another one.")


class AssignmentNotOpen(Conflict):
    code = "assignment_not_open"
    default_message = _("This interpreter request has changed in the meantime. Please reload the page.")


# --- the pool ---------------------------------------------------------------------------------------------


def interpreter_add(*, user, hospital, kind=Interpreter.Kind.STAFF, certification=Interpreter.Certification.NONE,
                    organisation="", languages=(), windows=(), added_by=None, request=None):
    """Put a user holding the interpreter role at a hospital into its pool, with languages and weekly windows."""
    if Role.INTERPRETER not in roles_of(user, organisation=hospital):
        raise ValidationFailed(details={"user": [str(_("This person is not an interpreter of this hospital."))]})
    with transaction.atomic():
        interpreter = Interpreter.objects.create(user=user, hospital=hospital, kind=kind, certification=certification,
                                                 organisation=organisation[:200])
        InterpreterLanguage.objects.bulk_create([InterpreterLanguage(interpreter=interpreter, language=tag, level=level)
                                                 for tag, level in languages])
        InterpreterAvailability.objects.bulk_create([
            InterpreterAvailability(interpreter=interpreter, weekday=weekday, start=start, end=end)
            for weekday, start, end in windows])
        audit_record(action="interpreter.added", actor=added_by, request=request, organisation=hospital,
                     object_type="interpreter", object_id=interpreter.public_id,
                     details={"kind": kind, "languages": [tag for tag, _level in languages]})
    return interpreter


# --- requests and matching --------------------------------------------------------------------------------


def interpreter_request(*, appointment, language=None, request=None):
    """Open an interpreter request for an appointment (the coordinators' queue holds it until it is matched)."""
    with transaction.atomic():
        assignment = InterpreterAssignment.objects.create(
            appointment=appointment, hospital=appointment.hospital, language=language or appointment.interpreter_language,
            start=appointment.start, end=appointment.end)
        audit_record(action="interpreter_assignment.requested", request=request, organisation=appointment.hospital,
                     object_type="interpreter_assignment", object_id=assignment.public_id,
                     patient_public_id=appointment.patient.public_id, details={"language": assignment.language})
    return assignment


def _declined_by(appointment):
    return set(InterpreterAssignment.objects.filter(appointment=appointment, status=Status.DECLINED)
               .values_list("interpreter_id", flat=True))


def interpreter_match(*, assignment, request=None):
    """Try to give a requested assignment to the best free interpreter; offer it to a volunteer; else leave it queued.

    Candidates come best first (continuity, staff over contractors over volunteers, certification, fewest hours
    this week). A claim that loses a race moves on to the next candidate.
    """
    if assignment.status != Status.REQUESTED:
        return assignment
    for candidate in selectors.candidates(assignment=assignment, exclude=_declined_by(assignment.appointment)):
        if not candidate.fits:
            continue
        if candidate.interpreter.kind == Interpreter.Kind.VOLUNTEER:
            return interpreter_offer(assignment=assignment, interpreter=candidate.interpreter, decided_by=None,
                                     request=request)
        try:
            return interpreter_assign(assignment=assignment, interpreter=candidate.interpreter, decided_by=None,
                                      how=How.AUTO, request=request)
        except InterpreterTaken:
            continue
    return assignment


def _locked(assignment):
    """Re-read an assignment under a row lock (PostgreSQL; SQLite's IMMEDIATE transactions already serialise)."""
    return (InterpreterAssignment.objects.select_for_update().select_related("appointment__patient", "hospital")
            .get(pk=assignment.pk))


def _claim(assignment, interpreter):
    """Claim every block of the assignment for the interpreter, or raise IntegrityError when one is taken."""
    with transaction.atomic():
        InterpreterClaim.objects.bulk_create([
            InterpreterClaim(interpreter=interpreter, block=block, assignment=assignment)
            for block in blocks_covering(assignment.start, assignment.end)])


def _check_assignable(assignment, interpreter):
    if not assignment.is_open or assignment.appointment.status not in Appointment.LIVE:
        raise AssignmentNotOpen()
    if (interpreter.hospital_id != assignment.hospital_id or not interpreter.is_active
            or not interpreter.user.is_active):
        raise ValidationFailed(details={"interpreter": [str(_("Choose an interpreter of this hospital's pool."))]})
    if interpreter.level_in(assignment.language) is None:
        raise ValidationFailed(_("This interpreter does not speak the patient's language."),
                               code="interpreter_lacks_language",
                               details={"interpreter": [str(_("This interpreter does not speak the patient's language."))]})


def interpreter_assign(*, assignment, interpreter, decided_by, how, request=None):
    """Give an assignment to an interpreter by claiming its blocks; InterpreterTaken (409) when they are taken.

    Reassigning releases the previous interpreter's claims in the same transaction, so a refused claim
    leaves the assignment as it was.
    """
    with transaction.atomic():
        assignment = _locked(assignment)
        _check_assignable(assignment, interpreter)
        previous = assignment.interpreter if assignment.is_holding else None
        if previous is not None:
            if previous.pk == interpreter.pk:
                return assignment
            assignment.claims.all().delete()
        try:
            _claim(assignment, interpreter)
        except IntegrityError as exc:
            raise InterpreterTaken(details={"interpreter_id": str(interpreter.public_id)}) from exc
        assignment.interpreter = interpreter
        assignment.status = Status.ACCEPTED if how == How.VOLUNTEER else Status.ASSIGNED
        assignment.how = how
        assignment.decided_by = decided_by
        assignment.decided_at = timezone.now()
        assignment.save(update_fields=["interpreter", "status", "how", "decided_by", "decided_at", "updated_at"])
        audit_record(action="interpreter_assignment.assigned", actor=decided_by, request=request,
                     organisation=assignment.hospital, object_type="interpreter_assignment",
                     object_id=assignment.public_id, patient_public_id=assignment.appointment.patient.public_id,
                     details={"interpreter": str(interpreter.public_id), "how": how,
                              "previous": str(previous.public_id) if previous else ""})
        _notify(assignment, interpreter, "language/messages/assigned")
        if previous is not None:
            _notify(assignment, previous, "language/messages/released")
    return assignment


def interpreter_offer(*, assignment, interpreter, decided_by, request=None):
    """Offer a requested assignment to a volunteer, who accepts or declines it on their own page."""
    with transaction.atomic():
        assignment = _locked(assignment)
        if assignment.status != Status.REQUESTED:
            raise AssignmentNotOpen()
        _check_assignable(assignment, interpreter)
        assignment.interpreter = interpreter
        assignment.status = Status.OFFERED
        assignment.how = How.VOLUNTEER
        assignment.decided_by = decided_by
        assignment.decided_at = timezone.now()
        assignment.save(update_fields=["interpreter", "status", "how", "decided_by", "decided_at", "updated_at"])
        audit_record(action="interpreter_assignment.offered", actor=decided_by, request=request,
                     organisation=assignment.hospital, object_type="interpreter_assignment",
                     object_id=assignment.public_id, patient_public_id=assignment.appointment.patient.public_id,
                     details={"interpreter": str(interpreter.public_id)})
        _notify(assignment, interpreter, "language/messages/offered")
    return assignment


def interpreter_offer_accept(*, assignment, user, request=None):
    """Accept an offer made to the user: the claim decides; a clash with their other work is a clean 409."""
    with transaction.atomic():
        assignment = _locked(assignment)
        if assignment.status != Status.OFFERED or assignment.interpreter.user_id != user.pk:
            raise AssignmentNotOpen(_("This offer is not open any more."), code="offer_not_open")
        if assignment.appointment.status not in Appointment.LIVE:
            raise AssignmentNotOpen(_("This offer is not open any more."), code="offer_not_open")
        try:
            _claim(assignment, assignment.interpreter)
        except IntegrityError as exc:
            raise InterpreterTaken(_("You are already interpreting at this time, so you cannot accept this offer."),
                                   details={"interpreter_id": str(assignment.interpreter.public_id)}) from exc
        assignment.status = Status.ACCEPTED
        assignment.decided_by = user
        assignment.decided_at = timezone.now()
        assignment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(action="interpreter_assignment.accepted", actor=user, request=request,
                     organisation=assignment.hospital, object_type="interpreter_assignment",
                     object_id=assignment.public_id, patient_public_id=assignment.appointment.patient.public_id)
    return assignment


def interpreter_offer_decline(*, assignment, user, request=None):
    """Decline an offer (or an assignment) made to the user; the appointment goes back to matching and the queue."""
    with transaction.atomic():
        assignment = _locked(assignment)
        if assignment.status not in (Status.OFFERED, *InterpreterAssignment.HOLDING) or \
                assignment.interpreter.user_id != user.pk:
            raise AssignmentNotOpen(_("This offer is not open any more."), code="offer_not_open")
        assignment.claims.all().delete()
        assignment.status = Status.DECLINED
        assignment.decided_by = user
        assignment.decided_at = timezone.now()
        assignment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(action="interpreter_assignment.declined", actor=user, request=request,
                     organisation=assignment.hospital, object_type="interpreter_assignment",
                     object_id=assignment.public_id, patient_public_id=assignment.appointment.patient.public_id)
        follow_up = _requeue(assignment, request=request)
    return follow_up


def _requeue(assignment, *, request=None):
    """Open a new request for the appointment when it is still live, and try matching it again."""
    appointment = assignment.appointment
    if appointment.status not in Appointment.LIVE or appointment.end <= timezone.now():
        return None
    fresh = interpreter_request(appointment=appointment, language=assignment.language, request=request)
    return _match_safely(fresh, request=request)


def interpreter_release(*, assignment, actor, reason="", requeue=True, request=None):
    """Release an assignment's interpreter (their claims are deleted); a live appointment goes back to the queue."""
    with transaction.atomic():
        assignment = _locked(assignment)
        if not assignment.is_open:
            raise AssignmentNotOpen()
        interpreter = assignment.interpreter
        assignment.claims.all().delete()
        assignment.status = Status.CANCELLED
        assignment.decided_by = actor
        assignment.decided_at = timezone.now()
        assignment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(action="interpreter_assignment.released", actor=actor, request=request,
                     organisation=assignment.hospital, object_type="interpreter_assignment",
                     object_id=assignment.public_id, patient_public_id=assignment.appointment.patient.public_id,
                     details={"reason": reason[:200]})
        if interpreter is not None:
            _notify(assignment, interpreter, "language/messages/released")
        if requeue and assignment.appointment.status in Appointment.LIVE:
            # Back to the queue, not to matching: the coordinator released this interpreter on purpose.
            return interpreter_request(appointment=assignment.appointment, language=assignment.language,
                                       request=request)
    return assignment


def interpreter_assignment_complete(*, assignment, minutes_worked, actor, request=None):
    """Record that an assignment took place and how many minutes the interpreter worked; its claims stay."""
    if not isinstance(minutes_worked, int) or not 1 <= minutes_worked <= 720:
        raise ValidationFailed(details={"minutes_worked": [str(_("Give the minutes worked, from 1 to 720."))]})
    with transaction.atomic():
        assignment = _locked(assignment)
        if not assignment.is_holding:
            raise AssignmentNotOpen()
        if assignment.start > timezone.now():
            raise ValidationFailed(_("An assignment can be completed once it has started."), code="not_started")
        assignment.status = Status.COMPLETED
        assignment.minutes_worked = minutes_worked
        assignment.save(update_fields=["status", "minutes_worked", "updated_at"])
        audit_record(action="interpreter_assignment.completed", actor=actor, request=request,
                     organisation=assignment.hospital, object_type="interpreter_assignment",
                     object_id=assignment.public_id, patient_public_id=assignment.appointment.patient.public_id,
                     details={"minutes_worked": minutes_worked})
    return assignment


# --- what booking tells us --------------------------------------------------------------------------------


def _match_safely(assignment, *, request=None):
    """Match in a savepoint; a failure leaves the request queued rather than failing the caller's transaction."""
    try:
        with transaction.atomic():
            return interpreter_match(assignment=assignment, request=request)
    except Exception:  # noqa: BLE001 - matching is best effort; the queued request is the fallback
        logger.exception("interpreter matching failed for assignment %s", assignment.public_id)
        return InterpreterAssignment.objects.get(pk=assignment.pk)


@receiver(appointment_booked, dispatch_uid="language.appointment_booked")
def on_appointment_booked(sender, appointment, request=None, **kwargs):
    """Request an interpreter for a booking that needs one and try to match one at once (never failing the booking)."""
    if not appointment.interpreter_needed or not appointment.interpreter_language:
        return
    assignment = interpreter_request(appointment=appointment, request=request)
    _match_safely(assignment, request=request)


@receiver(appointment_cancelled, dispatch_uid="language.appointment_cancelled")
def on_appointment_cancelled(sender, appointment, request=None, **kwargs):
    """Release the interpreter of a cancelled appointment: claims deleted, the interpreter told."""
    for assignment in InterpreterAssignment.objects.filter(appointment=appointment,
                                                           status__in=InterpreterAssignment.OPEN):
        actor = getattr(request, "user", None)
        interpreter_release(assignment=assignment, actor=actor if getattr(actor, "is_authenticated", False) else None,
                            reason="appointment_cancelled", requeue=False, request=request)


# --- navigators -------------------------------------------------------------------------------------------


def navigator_assign(*, patient, navigator, hospital, language, start, end=None, decided_by, request=None):
    """Give a patient a bilingual one-on-one navigator at a hospital; the previous one's turn ends."""
    errors = {}
    if not roles_of(navigator, organisation=hospital) & set(NAVIGATOR_ROLES):
        errors["navigator"] = [str(_("Choose a coordinator or interpreter of this hospital."))]
    if not patients_at(hospital).filter(pk=patient.pk).exists():
        errors["patient"] = [str(_("This patient is not registered at this hospital."))]
    if not language:
        errors["language"] = [str(_("Choose the language."))]
    if end is not None and end < start:
        errors["end"] = [str(_("The end date must not be before the start date."))]
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        NavigatorAssignment.objects.select_for_update().filter(patient=patient, hospital=hospital,
                                                               is_active=True).update(is_active=False, end=start)
        assignment = NavigatorAssignment.objects.create(patient=patient, navigator=navigator, hospital=hospital,
                                                        language=language[:35], start=start, end=end,
                                                        decided_by=decided_by)
        audit_record(action="navigator.assigned", actor=decided_by, request=request, organisation=hospital,
                     object_type="navigator_assignment", object_id=assignment.public_id,
                     patient_public_id=patient.public_id, details={"navigator": str(navigator.public_id)})

        def context():
            return {"patient_name": selectors.preferred_name(patient), "hospital": hospital.name,
                    "language_name": i18n.language_name(language), "start": i18n.format_date(start),
                    "end": i18n.format_date(end) if end else ""}

        user_id = navigator.pk
        transaction.on_commit(lambda: _send(user_id, "language/messages/navigator", context))
    return assignment


def navigator_end(*, assignment, actor, request=None):
    """End a navigator's turn with a patient."""
    with transaction.atomic():
        updated = NavigatorAssignment.objects.filter(pk=assignment.pk, is_active=True).update(
            is_active=False, end=timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(assignment.hospital.time_zone)))
        if not updated:
            raise Conflict(_("This navigator assignment has already ended."), code="navigator_not_active")
        audit_record(action="navigator.ended", actor=actor, request=request, organisation=assignment.hospital,
                     object_type="navigator_assignment", object_id=assignment.public_id,
                     patient_public_id=assignment.patient.public_id)
    assignment.refresh_from_db()
    return assignment


# --- messages ---------------------------------------------------------------------------------------------


def _notify(assignment, interpreter, template):
    """Tell an interpreter about an assignment by e-mail, in their language, once the change commits."""
    user_id, assignment_id = interpreter.user_id, assignment.pk

    def context():
        found = InterpreterAssignment.objects.select_related(
            "appointment__patient", "appointment__service", "hospital").get(pk=assignment_id)
        return {
            "patient_name": selectors.preferred_name(found.appointment.patient),
            "language_name": i18n.language_name(found.language),
            "service": found.appointment.service.translated("name"),
            "hospital": found.hospital.name,
            "time_hospital": i18n.format_datetime(found.start, tz=found.hospital.time_zone, format="full"),
            "hospital_zone": found.hospital.time_zone,
        }

    transaction.on_commit(lambda: _send(user_id, template, context))


def _send(user_id, template, context):
    """Queue one e-mail to a user; the context is built in the user's language (it must be JSON-serialisable)."""
    user = get_user_model().objects.get(pk=user_id)
    with translation.override(user.language):
        texts = context()
    with transaction.atomic():
        email_send(user=user, template=template, context=texts)
