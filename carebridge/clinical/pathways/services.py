"""Writes of the pathway engine: start, complete or skip a step, cancel; each in one transaction and audited."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from carebridge.accounts.selectors import roles_of
from carebridge.audit.services import audit_record
from carebridge.clinical.pathways.definitions import FROM_PREVIOUS, definition_get
from carebridge.clinical.pathways.models import PathwayInstance, PathwayStep
from carebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebridge.patients.models import MedicalRecordNumber


def _audit(action, *, actor, instance, request=None, details=None):
    audit_record(action=action, actor=actor, request=request, organisation=instance.hospital,
                 object_type="pathway", object_id=instance.public_id, patient_public_id=instance.patient.public_id,
                 purpose="care", details={"pathway": instance.definition_key, **(details or {})})


def _event_at(data, started_at):
    """Return when the event a pathway answers happened (data["event_at"], ISO 8601), or its start."""
    value = (data or {}).get("event_at")
    if not value:
        return started_at
    moment = parse_datetime(str(value))
    if moment is None or timezone.is_naive(moment):
        raise ValidationFailed(details={"data.event_at": [str(_("Give a date and time with its time zone."))]})
    if moment > started_at + dt.timedelta(minutes=5):
        raise ValidationFailed(details={"data.event_at": [str(_("The event cannot be in the future."))]})
    return moment


def _reschedule_following(instance, *, from_position, anchor_time):
    """Move the due times of pending steps counted from the previous one, after a step is done or skipped."""
    previous = anchor_time
    for step in instance.steps.filter(position__gt=from_position).order_by("position"):
        definition = step.definition
        if step.status != PathwayStep.Status.PENDING or definition is None:
            previous = step.done_at or step.due_at
            continue
        if definition.anchor != FROM_PREVIOUS:
            break
        step.due_at = previous + definition.target
        step.save(update_fields=["due_at", "updated_at"])
        previous = step.due_at


def pathway_start(*, patient, hospital, key, started_by, data=None, request=None):
    """Start a pathway for a patient of the hospital: its steps fall due from the start or the previous step."""
    definition = definition_get(key)
    if definition is None:
        raise ValidationFailed(details={"key": [str(_("Choose a pathway from the list."))]}, code="unknown_pathway")
    if not MedicalRecordNumber.objects.filter(patient=patient, hospital=hospital).exists():
        raise ValidationFailed(_("The patient is not registered at this hospital."), code="not_registered_here")
    data = dict(data or {})
    now = timezone.now()
    anchor = _event_at(data, now)
    with transaction.atomic():
        if PathwayInstance.objects.select_for_update().filter(
                patient=patient, hospital=hospital, definition_key=key,
                status=PathwayInstance.Status.ACTIVE).exists():
            raise Conflict(_("This pathway is already under way for this patient."), code="pathway_active")
        instance = PathwayInstance.objects.create(patient=patient, hospital=hospital, definition_key=key,
                                                  priority=definition.priority, started_at=now,
                                                  started_by=started_by, data=data)
        previous = anchor
        steps = []
        for position, step in enumerate(definition.steps, start=1):
            due = (previous if step.anchor == FROM_PREVIOUS else anchor) + step.target
            steps.append(PathwayStep(instance=instance, step_key=step.key, position=position,
                                     owner_role=step.owner_role, priority=step.priority, due_at=due))
            previous = due
        PathwayStep.objects.bulk_create(steps)
        _audit("pathway.started", actor=started_by, instance=instance, request=request,
               details={"event_at": anchor.isoformat()})
    return instance


def _close_step(*, step, actor, status, note, request):
    instance = step.instance
    if instance.status != PathwayInstance.Status.ACTIVE:
        raise Conflict(_("This pathway is closed."), code="pathway_closed")
    if step.status != PathwayStep.Status.PENDING:
        raise Conflict(_("This step is already done or skipped."), code="step_closed")
    if step.owner_role not in roles_of(actor, organisation=instance.hospital):
        raise PermissionDenied(_("This step belongs to another role."), code="not_step_owner")
    now = timezone.now()
    with transaction.atomic():
        locked = PathwayStep.objects.select_for_update().get(pk=step.pk)
        if locked.status != PathwayStep.Status.PENDING:
            raise Conflict(_("This step is already done or skipped."), code="step_closed")
        step.status, step.done_at, step.done_by, step.note = status, now, actor, (note or "").strip()[:2000]
        step.save(update_fields=["status", "done_at", "done_by", "note", "updated_at"])
        _reschedule_following(instance, from_position=step.position, anchor_time=now)
        _audit(f"pathway.step_{status}", actor=actor, instance=instance, request=request,
               details={"step": step.step_key, "overdue": step.due_at < now})
        if not instance.steps.filter(status=PathwayStep.Status.PENDING).exists():
            instance.status = PathwayInstance.Status.COMPLETED
            instance.ended_at = now
            instance.save(update_fields=["status", "ended_at", "updated_at"])
            _audit("pathway.completed", actor=actor, instance=instance, request=request)
    return step


def pathway_step_complete(*, step, actor, note="", request=None):
    """Mark a step done (by a holder of its owner role); the pathway completes with its last open step."""
    return _close_step(step=step, actor=actor, status=PathwayStep.Status.DONE, note=note, request=request)


def pathway_step_skip(*, step, actor, note, request=None):
    """Skip a step that does not apply, saying why."""
    if not (note or "").strip():
        raise ValidationFailed(details={"note": [str(_("Say why the step is skipped."))]})
    return _close_step(step=step, actor=actor, status=PathwayStep.Status.SKIPPED, note=note, request=request)


def pathway_cancel(*, instance, actor, reason, request=None):
    """Cancel an active pathway, saying why; its open steps leave every list."""
    if not (reason or "").strip():
        raise ValidationFailed(details={"reason": [str(_("Say why the pathway is cancelled."))]})
    if instance.status != PathwayInstance.Status.ACTIVE:
        raise Conflict(_("This pathway is closed."), code="pathway_closed")
    with transaction.atomic():
        instance.status = PathwayInstance.Status.CANCELLED
        instance.ended_at = timezone.now()
        instance.data = {**instance.data, "cancel_reason": reason.strip()[:300]}
        instance.save(update_fields=["status", "ended_at", "data", "updated_at"])
        _audit("pathway.cancelled", actor=actor, instance=instance, request=request,
               details={"reason": reason.strip()[:300]})
    return instance
