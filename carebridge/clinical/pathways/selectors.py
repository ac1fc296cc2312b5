"""Reads of pathways: the hospital's queue (overdue first, by priority then due time) and each role's list."""

from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from carebridge.clinical.pathways.models import PathwayInstance, PathwayStep


def _open_steps(hospital):
    return PathwayStep.objects.filter(instance__hospital=hospital, instance__status=PathwayInstance.Status.ACTIVE,
                                      status=PathwayStep.Status.PENDING).select_related("instance__patient")


def overdue_steps(*, hospital, now=None):
    """Return the open steps past their due time, the most urgent first, then the longest overdue."""
    now = now or timezone.now()
    return _open_steps(hospital).filter(due_at__lt=now).order_by("priority", "due_at")


def steps_for_roles(*, hospital, roles):
    """Return the open steps owned by any of the roles, by priority then due time."""
    return _open_steps(hospital).filter(owner_role__in=list(roles)).order_by("priority", "due_at")


def pathway_queue(*, hospital, now=None):
    """Return the hospital's active pathways: those with an overdue step first, then by priority and next due time."""
    now = now or timezone.now()
    pending = PathwayStep.objects.filter(instance=OuterRef("pk"), status=PathwayStep.Status.PENDING)
    return (PathwayInstance.objects.filter(hospital=hospital, status=PathwayInstance.Status.ACTIVE)
            .select_related("patient")
            .annotate(overdue=Exists(pending.filter(due_at__lt=now)),
                      next_due=Min("steps__due_at", filter=Q(steps__status=PathwayStep.Status.PENDING)))
            .order_by("-overdue", "priority", "next_due")
            .prefetch_related("steps"))


def pathways_of_patient(*, patient, hospital):
    """Return a patient's pathways at a hospital, the latest first."""
    return (PathwayInstance.objects.filter(patient=patient, hospital=hospital).order_by("-started_at")
            .prefetch_related("steps"))
