"""API of language services: interpreter assignments (queue, override, offers, release), the pool, hours, navigators."""

import datetime as dt
import zoneinfo
from typing import Literal
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from carebridge.audit.services import audit_record_reads
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.core.schemas import ErrorOut
from carebridge.language import access, selectors, services
from carebridge.language.models import InterpreterAssignment
from carebridge.patients.access import patient_get_for_user

router = Router(tags=["language services"], auth=SessionAuth())
STATUSES = Literal[tuple(InterpreterAssignment.Status.values)]  # type: ignore[valid-type]


class InterpreterBriefOut(Schema):
    id: UUID
    name: str
    kind: str


class AssignmentOut(Schema):
    id: UUID
    appointment_id: UUID
    hospital_id: UUID
    language: str
    status: str
    how: str
    start: dt.datetime
    end: dt.datetime
    patient_name: str = Field(description="The patient's preferred name only: no identity or clinical data.")
    interpreter: InterpreterBriefOut | None
    minutes_worked: int | None


class AssignIn(Schema):
    interpreter_id: UUID
    action: Literal["assign", "offer"] = Field("assign", description="assign claims the time now; offer asks a "
                                                                     "volunteer, who accepts on their page.")


class CompleteIn(Schema):
    minutes_worked: int = Field(ge=1, le=720)


class ReleaseIn(Schema):
    reason: str = Field("", max_length=200)


class CandidateOut(Schema):
    interpreter: InterpreterBriefOut
    level: str
    fits: bool
    continuity: bool
    available: bool
    free: bool
    week_minutes: int
    reasons: list[str]


class InterpreterLanguageOut(Schema):
    language: str
    level: str


class WindowOut(Schema):
    weekday: int = Field(description="0 is Monday")
    start: dt.time
    end: dt.time


class PoolMemberOut(Schema):
    id: UUID
    name: str
    kind: str
    organisation: str
    certification: str
    is_active: bool
    languages: list[InterpreterLanguageOut]
    availability: list[WindowOut]


class HoursOut(Schema):
    interpreter: InterpreterBriefOut
    month: str
    minutes_worked: int
    minutes_booked: int


class NavigatorIn(Schema):
    patient_id: UUID
    navigator_id: UUID = Field(description="The user id of a coordinator or interpreter of the hospital.")
    hospital_id: UUID | None = None
    language: str = Field(max_length=35)
    start: dt.date
    end: dt.date | None = None


class NavigatorOut(Schema):
    id: UUID
    patient_id: UUID
    patient_name: str
    navigator_id: UUID
    navigator_name: str
    hospital_id: UUID
    language: str
    start: dt.date
    end: dt.date | None
    is_active: bool


def _brief(interpreter):
    return {"id": interpreter.public_id, "name": interpreter.name, "kind": interpreter.kind}


def _assignment_out(a):
    return {"id": a.public_id, "appointment_id": a.appointment.public_id, "hospital_id": a.hospital.public_id,
            "language": a.language, "status": a.status, "how": a.how, "start": a.start, "end": a.end,
            "patient_name": selectors.preferred_name(a.appointment.patient),
            "interpreter": _brief(a.interpreter) if a.interpreter_id else None, "minutes_worked": a.minutes_worked}


def _audited(request, rows):
    with transaction.atomic():
        for hospital in {row.hospital for row in rows}:
            patients = list({r.appointment.patient.pk: r.appointment.patient for r in rows
                             if r.hospital == hospital}.values())
            audit_record_reads(actor=request.auth, request=request, organisation=hospital, patients=patients,
                               purpose="interpreting")
    return [_assignment_out(row) for row in rows]


@router.get("/interpreter-assignments", response={200: list[AssignmentOut], 401: ErrorOut, 404: ErrorOut},
            summary="Interpreter assignments")
def assignments_list(request, scope: Literal["mine", "hospital"] = "mine", hospital_id: UUID | None = None,
                     status: STATUSES | None = None):
    """List one's own assignments and offers (scope=mine), or a coordinated hospital's open ones (scope=hospital)."""
    if scope == "hospital":
        hospital = access.coordinator_hospital(user=request.auth, hospital_id=hospital_id, request=request)
        rows = list(selectors.assignments_open(hospital=hospital, status=status))
    else:
        if not access.is_interpreter(request.auth):
            raise NotFound()
        rows = list(selectors.assignments_of_user(request.auth))
        if status:
            rows = [row for row in rows if row.status == status]
    return _audited(request, rows)


@router.get("/interpreter-assignments/{assignment_id}", response={200: AssignmentOut, 401: ErrorOut, 404: ErrorOut},
            summary="One interpreter assignment")
def assignments_read(request, assignment_id: UUID):
    """Return an assignment the caller coordinates or interprets."""
    return _audited(request, [access.assignment_get_for_user(user=request.auth, public_id=assignment_id,
                                                             request=request)])[0]


@router.get("/interpreter-assignments/{assignment_id}/candidates",
            response={200: list[CandidateOut], 401: ErrorOut, 404: ErrorOut}, summary="Who could interpret, and why")
def assignments_candidates(request, assignment_id: UUID):
    """List the hospital's interpreters who speak the language, best first, with the reasons each fits or not."""
    assignment = access.assignment_get_for_coordinator(user=request.auth, public_id=assignment_id, request=request)
    return [{"interpreter": _brief(c.interpreter), "level": c.level, "fits": c.fits, "continuity": c.continuity,
             "available": c.available, "free": c.free, "week_minutes": c.week_minutes, "reasons": c.reasons}
            for c in selectors.candidates(assignment=assignment)]


@router.post("/interpreter-assignments/{assignment_id}/assign",
             response={200: AssignmentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Assign (or offer) an interpreter")
def assignments_assign(request, assignment_id: UUID, payload: AssignIn):
    """Assign a chosen interpreter (coordinator override); 409 `interpreter_taken` when they are busy then."""
    assignment = access.assignment_get_for_coordinator(user=request.auth, public_id=assignment_id, request=request)
    interpreter = access.interpreter_get_for_coordinator(user=request.auth, public_id=payload.interpreter_id,
                                                         hospital=assignment.hospital, request=request)
    if payload.action == "offer":
        done = services.interpreter_offer(assignment=assignment, interpreter=interpreter, decided_by=request.auth,
                                          request=request)
    else:
        done = services.interpreter_assign(assignment=assignment, interpreter=interpreter, decided_by=request.auth,
                                           how=InterpreterAssignment.How.OVERRIDE, request=request)
    return _assignment_out(done)


@router.post("/interpreter-assignments/{assignment_id}/accept",
             response={200: AssignmentOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}, summary="Accept an offer")
def assignments_accept(request, assignment_id: UUID):
    """Accept an offer made to the caller; 409 `interpreter_taken` when they already interpret at that time."""
    assignment = access.assignment_get_for_interpreter(user=request.auth, public_id=assignment_id, request=request)
    return _assignment_out(services.interpreter_offer_accept(assignment=assignment, user=request.auth,
                                                             request=request))


@router.post("/interpreter-assignments/{assignment_id}/decline",
             response={204: None, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}, summary="Decline an offer")
def assignments_decline(request, assignment_id: UUID):
    """Decline an offer (or give back an assignment); the appointment goes back to matching."""
    assignment = access.assignment_get_for_interpreter(user=request.auth, public_id=assignment_id, request=request)
    services.interpreter_offer_decline(assignment=assignment, user=request.auth, request=request)
    return Status(204, None)


@router.post("/interpreter-assignments/{assignment_id}/release",
             response={200: AssignmentOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Release the interpreter")
def assignments_release(request, assignment_id: UUID, payload: ReleaseIn):
    """Release the interpreter (their time is free again); the new request waiting in the queue is returned."""
    assignment = access.assignment_get_for_coordinator(user=request.auth, public_id=assignment_id, request=request)
    return _assignment_out(services.interpreter_release(assignment=assignment, actor=request.auth,
                                                        reason=payload.reason, request=request))


@router.post("/interpreter-assignments/{assignment_id}/complete",
             response={200: AssignmentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Record the minutes worked")
def assignments_complete(request, assignment_id: UUID, payload: CompleteIn):
    """Mark an assignment done with the minutes the interpreter worked (the interpreter or a coordinator)."""
    assignment = access.assignment_get_for_user(user=request.auth, public_id=assignment_id, request=request)
    return _assignment_out(services.interpreter_assignment_complete(
        assignment=assignment, minutes_worked=payload.minutes_worked, actor=request.auth, request=request))


@router.get("/interpreters", response={200: list[PoolMemberOut], 401: ErrorOut, 404: ErrorOut},
            summary="The interpreter pool")
def pool_list(request, hospital_id: UUID | None = None):
    """List the hospital's interpreters with languages, levels and weekly windows (coordinators and managers)."""
    hospital = access.pool_hospital(user=request.auth, hospital_id=hospital_id, request=request)
    return [{"id": i.public_id, "name": i.name, "kind": i.kind, "organisation": i.organisation,
             "certification": i.certification, "is_active": i.is_active,
             "languages": [{"language": lang.language, "level": lang.level} for lang in i.languages.all()],
             "availability": [{"weekday": w.weekday, "start": w.start, "end": w.end} for w in i.availability.all()]}
            for i in selectors.pool(hospital=hospital, active_only=False)]


@router.get("/interpreters/hours", response={200: list[HoursOut], 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
            summary="Hours worked per interpreter in a month")
def hours_list(request, hospital_id: UUID | None = None, month: str = ""):
    """Return minutes worked (completed) and booked (claimed) per interpreter in a hospital-local month (YYYY-MM)."""
    hospital = access.pool_hospital(user=request.auth, hospital_id=hospital_id, request=request)
    if month:
        try:
            chosen = dt.datetime.strptime(month, "%Y-%m")  # noqa: DTZ007 - a calendar month, not a moment
        except ValueError:
            raise ValidationFailed(details={"month": [_("Give the month as YYYY-MM.")]}) from None
        year, number = chosen.year, chosen.month
    else:
        today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(hospital.time_zone))
        year, number = today.year, today.month
    label = f"{year:04d}-{number:02d}"
    return [{"interpreter": _brief(i), "month": label, "minutes_worked": worked, "minutes_booked": booked}
            for i, worked, booked in selectors.hours_worked(hospital=hospital, year=year, month=number)]


def _navigator_out(n):
    return {"id": n.public_id, "patient_id": n.patient.public_id, "patient_name": n.patient.display_name,
            "navigator_id": n.navigator.public_id, "navigator_name": n.navigator.get_full_name(),
            "hospital_id": n.hospital.public_id, "language": n.language, "start": n.start, "end": n.end,
            "is_active": n.is_active}


@router.get("/navigator-assignments", response={200: list[NavigatorOut], 401: ErrorOut, 404: ErrorOut},
            summary="Navigators of a hospital's patients")
def navigators_list(request, hospital_id: UUID | None = None):
    """List the hospital's active navigator assignments (coordinators)."""
    hospital = access.coordinator_hospital(user=request.auth, hospital_id=hospital_id, request=request)
    rows = list(selectors.navigators_at(hospital=hospital))
    if rows:
        with transaction.atomic():
            audit_record_reads(actor=request.auth, request=request, organisation=hospital,
                               patients=list({n.patient.pk: n.patient for n in rows}.values()), purpose="navigation")
    return [_navigator_out(n) for n in rows]


@router.post("/navigator-assignments",
             response={201: NavigatorOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
             summary="Give a patient a navigator")
def navigators_assign(request, payload: NavigatorIn):
    """Give a patient of the hospital a bilingual one-on-one navigator; the previous one's turn ends."""
    hospital = access.coordinator_hospital(user=request.auth, hospital_id=payload.hospital_id, request=request)
    patient = patient_get_for_user(user=request.auth, public_id=payload.patient_id, request=request,
                                   purpose="navigation")
    navigator = get_user_model().objects.filter(public_id=payload.navigator_id, is_active=True).first()
    if navigator is None:
        raise ValidationFailed(details={"navigator_id": [_("Choose a coordinator or interpreter of this hospital.")]})
    done = services.navigator_assign(patient=patient, navigator=navigator, hospital=hospital,
                                     language=payload.language, start=payload.start, end=payload.end,
                                     decided_by=request.auth, request=request)
    return Status(201, _navigator_out(done))
