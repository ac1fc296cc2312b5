"""API of the green channel: start a pathway, read it, complete or skip steps, the hospital's queue, catch-up."""

import datetime as dt
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from carebridge.accounts.access import deny
from carebridge.accounts.selectors import roles_of
from carebridge.audit.services import audit_record_reads
from carebridge.clinical.pathways import selectors, services
from carebridge.clinical.pathways.access import (
    pathway_get_for_user,
    pathway_hospitals,
    pathway_patient_get,
    step_get_for_user,
)
from carebridge.clinical.pathways.anti_d import anti_d_candidates
from carebridge.clinical.pathways.models import PathwayPriority
from carebridge.clinical.pathways.vaccination import vaccination_catch_up
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import ValidationFailed
from carebridge.core.schemas import ErrorOut

router = Router(tags=["pathways"], auth=SessionAuth())

PRIORITY_NAMES = {p.value: p.name.lower() for p in PathwayPriority}


class StepOut(Schema):
    id: UUID
    key: str
    name: str
    owner_role: str
    priority: str = Field(description="urgent, high or routine")
    status: str
    due_at: dt.datetime
    overdue: bool
    done_at: dt.datetime | None
    note: str


class PathwayOut(Schema):
    id: UUID
    key: str
    name: str
    patient_id: UUID
    patient_name: str
    hospital_id: UUID
    status: str
    priority: str
    started_at: dt.datetime
    data: dict
    steps: list[StepOut]


class QueueStepOut(StepOut):
    pathway_id: UUID
    pathway_key: str
    patient_id: UUID
    patient_name: str


class PathwayQueueOut(Schema):
    hospital_id: UUID
    overdue: list[QueueStepOut] = Field(description="Open steps past due: by priority, then the longest overdue")
    mine: list[QueueStepOut] = Field(description="Open steps owned by the caller's roles at this hospital")
    pathways: list[PathwayOut] = Field(description="Active pathways, those with an overdue step first")


class StartIn(Schema):
    patient_id: UUID
    key: str = Field(description="vaccination_catch_up or anti_d")
    data: dict = Field(default_factory=dict, description='Optional; "event_at" (ISO 8601 with zone) for anti-D')


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class PathwayCancelIn(Schema):
    reason: str = Field(..., max_length=300)


class GivenOut(Schema):
    vaccine_key: str
    name: str
    occurred_on: dt.date
    country: str
    given_here: bool


class DoseOut(Schema):
    vaccine_key: str
    dose_number: int
    age_months: int
    due_on: dt.date
    given: GivenOut | None


class CatchUpRowOut(Schema):
    vaccine_key: str
    name: str
    complete: bool
    doses: list[DoseOut]
    due_now: DoseOut | None
    due_later: list[DoseOut]


class CatchUpOut(Schema):
    patient_id: UUID
    on: dt.date
    due_now: list[DoseOut]
    due_later: list[DoseOut]
    complete: list[str]
    rows: list[CatchUpRowOut]
    unmatched: list[GivenOut] = Field(description="Recorded doses China's schedule has no place for")


class AntiDCandidateOut(Schema):
    patient_id: UUID
    patient_name: str


def _step_out(step, now, *, queue=False):
    out = {"id": step.public_id, "key": step.step_key, "name": str(step.name), "owner_role": step.owner_role,
           "priority": PRIORITY_NAMES[step.priority], "status": step.status, "due_at": step.due_at,
           "overdue": step.is_overdue(now), "done_at": step.done_at, "note": step.note}
    if queue:
        instance = step.instance
        out.update(pathway_id=instance.public_id, pathway_key=instance.definition_key,
                   patient_id=instance.patient.public_id, patient_name=instance.patient.display_name)
    return out


def _pathway_out(instance, now=None):
    now = now or timezone.now()
    return {"id": instance.public_id, "key": instance.definition_key, "name": str(instance.name),
            "patient_id": instance.patient.public_id, "patient_name": instance.patient.display_name,
            "hospital_id": instance.hospital.public_id, "status": instance.status,
            "priority": PRIORITY_NAMES[instance.priority], "started_at": instance.started_at, "data": instance.data,
            "steps": [_step_out(s, now) for s in instance.steps.all()]}


def _given_out(given):
    from carebridge.clinical.pathways.vaccination import vaccine_name

    return {"vaccine_key": given.vaccine_key, "name": vaccine_name(given.vaccine_key) or given.display,
            "occurred_on": given.occurred_on, "country": given.country, "given_here": given.given_here}


def _dose_out(dose):
    return {"vaccine_key": dose.vaccine_key, "dose_number": dose.dose_number, "age_months": dose.age_months,
            "due_on": dose.due_on, "given": _given_out(dose.given) if dose.given else None}


def _hospital(request, hospital_id):
    hospital = next((h for h in pathway_hospitals(request.auth) if h.public_id == hospital_id), None)
    if hospital is None:
        deny(user=request.auth, request=request, object_type="pathway_queue", object_id=hospital_id,
             reason="not_clinical")
    return hospital


@router.post("/pathways", response={201: PathwayOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Start a pathway")
def pathways_start(request, payload: StartIn):
    """Start a pathway for a patient of the caller's hospital; 409 `pathway_active` if one is under way."""
    patient, hospital = pathway_patient_get(user=request.auth, public_id=payload.patient_id, request=request)
    instance = services.pathway_start(patient=patient, hospital=hospital, key=payload.key, started_by=request.auth,
                                      data=payload.data, request=request)
    return Status(201, _pathway_out(instance))


@router.get("/pathways/{pathway_id}", response={200: PathwayOut, 401: ErrorOut, 404: ErrorOut}, summary="A pathway")
def pathways_read(request, pathway_id: UUID):
    """Return a pathway with its steps."""
    return _pathway_out(pathway_get_for_user(user=request.auth, public_id=pathway_id, request=request))


@router.post("/pathways/{pathway_id}/cancel", response={200: PathwayOut, 400: ErrorOut, 401: ErrorOut,
                                                        404: ErrorOut, 409: ErrorOut}, summary="Cancel a pathway")
def pathways_cancel(request, pathway_id: UUID, payload: PathwayCancelIn):
    """Cancel an active pathway, saying why."""
    instance = pathway_get_for_user(user=request.auth, public_id=pathway_id, request=request)
    return _pathway_out(services.pathway_cancel(instance=instance, actor=request.auth, reason=payload.reason,
                                                request=request))


@router.post("/pathway-steps/{step_id}/complete", response={200: PathwayOut, 400: ErrorOut, 401: ErrorOut,
                                                             403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Complete a step")
def steps_complete(request, step_id: UUID, payload: NoteIn):
    """Mark a step done (403 `not_step_owner` unless the caller holds its owner role); returns the pathway."""
    step = step_get_for_user(user=request.auth, public_id=step_id, request=request)
    services.pathway_step_complete(step=step, actor=request.auth, note=payload.note, request=request)
    return _pathway_out(step.instance)


@router.post("/pathway-steps/{step_id}/skip", response={200: PathwayOut, 400: ErrorOut, 401: ErrorOut,
                                                         403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Skip a step")
def steps_skip(request, step_id: UUID, payload: NoteIn):
    """Skip a step that does not apply; the note saying why is required."""
    step = step_get_for_user(user=request.auth, public_id=step_id, request=request)
    services.pathway_step_skip(step=step, actor=request.auth, note=payload.note, request=request)
    return _pathway_out(step.instance)


@router.get("/hospitals/{hospital_id}/pathway-queue", response={200: PathwayQueueOut, 401: ErrorOut, 404: ErrorOut},
            summary="The hospital's green-channel queue")
def queue_read(request, hospital_id: UUID):
    """Return overdue steps, the caller's roles' steps and the active pathways of a hospital."""
    hospital = _hospital(request, hospital_id)
    now = timezone.now()
    overdue = list(selectors.overdue_steps(hospital=hospital, now=now)[:500])
    mine = list(selectors.steps_for_roles(hospital=hospital,
                                          roles=roles_of(request.auth, organisation=hospital))[:500])
    pathways = list(selectors.pathway_queue(hospital=hospital, now=now)[:500])
    audit_record_reads(actor=request.auth, request=request, organisation=hospital,
                       patients=list({p.patient.pk: p.patient for p in pathways}.values()), purpose="care")
    return {"hospital_id": hospital.public_id, "overdue": [_step_out(s, now, queue=True) for s in overdue],
            "mine": [_step_out(s, now, queue=True) for s in mine],
            "pathways": [_pathway_out(p, now) for p in pathways]}


@router.get("/hospitals/{hospital_id}/anti-d-candidates", response={200: list[AntiDCandidateOut], 401: ErrorOut,
                                                                      404: ErrorOut},
            summary="Rh-negative pregnant patients without an anti-D pathway")
def anti_d_candidates_list(request, hospital_id: UUID):
    """List the hospital's Rh-negative patients with a pregnancy recorded and no anti-D pathway since."""
    hospital = _hospital(request, hospital_id)
    patients = list(anti_d_candidates(hospital)[:500])
    audit_record_reads(actor=request.auth, request=request, organisation=hospital, patients=patients,
                       purpose="care")
    return [{"patient_id": p.public_id, "patient_name": p.display_name} for p in patients]


@router.get("/patients/{patient_id}/vaccination-catch-up", response={200: CatchUpOut, 400: ErrorOut,
                                                                      401: ErrorOut, 404: ErrorOut},
            summary="A child's vaccination catch-up against China's schedule")
def catch_up_read(request, patient_id: UUID, on: dt.date | None = None):
    """Compare the patient's immunizations with China's National Immunization Programme on a day (today)."""
    patient, _hospital_here = pathway_patient_get(user=request.auth, public_id=patient_id, request=request)
    on = on or timezone.localdate()
    if on < patient.date_of_birth:
        raise ValidationFailed(details={"on": [_("The day is before the patient was born.")]})
    result = vaccination_catch_up(patient, on=on)
    return {"patient_id": patient.public_id, "on": on, "due_now": [_dose_out(d) for d in result.due_now],
            "due_later": [_dose_out(d) for d in result.due_later], "complete": result.complete,
            "rows": [{"vaccine_key": r.vaccine_key, "name": r.name, "complete": r.complete,
                      "doses": [_dose_out(d) for d in r.doses],
                      "due_now": _dose_out(r.due_now) if r.due_now else None,
                      "due_later": [_dose_out(d) for d in r.due_later]} for r in result.rows],
            "unmatched": [_given_out(g) for g in result.unmatched]}
