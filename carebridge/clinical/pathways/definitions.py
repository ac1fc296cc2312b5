"""The pathways defined in code: each a key, a translatable name and steps with an owner role and a time target."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from carebridge.accounts.models import Role

OWNER_ROLES = (Role.COORDINATOR, Role.CLINICIAN, Role.CASHIER, Role.INTERPRETER)

# Where a step's time target is counted from.
FROM_START = "start"  # the pathway's start, or the event it answers (data["event_at"]) when one is given
FROM_PREVIOUS = "previous"  # the previous step's completion (its due time until it is done)


@dataclass(frozen=True)
class StepDefinition:
    key: str
    name: object  # a lazy translation
    owner_role: str
    target: dt.timedelta
    anchor: str = FROM_PREVIOUS
    priority: int = 3  # PathwayPriority.ROUTINE; 1 is the most urgent


@dataclass(frozen=True)
class PathwayDefinition:
    key: str
    name: object
    steps: tuple[StepDefinition, ...]
    priority: int = 3

    def step(self, key):
        return next((s for s in self.steps if s.key == key), None)


REGISTRY: dict[str, PathwayDefinition] = {}


def pathway_register(definition):
    """Add a pathway to the registry (a key defined twice is a programming error)."""
    if definition.key in REGISTRY:
        raise ValueError(f"pathway {definition.key!r} is already registered")
    if not definition.steps or len({s.key for s in definition.steps}) != len(definition.steps):
        raise ValueError(f"pathway {definition.key!r} needs steps with distinct keys")
    for step in definition.steps:
        if step.owner_role not in OWNER_ROLES or step.anchor not in (FROM_START, FROM_PREVIOUS):
            raise ValueError(f"step {step.key!r} of {definition.key!r} has an unknown owner role or anchor")
    REGISTRY[definition.key] = definition
    return definition


def definition_get(key):
    """Return the pathway defined under a key, or None."""
    return REGISTRY.get(key)


URGENT, HIGH, ROUTINE = 1, 2, 3

VACCINATION_CATCH_UP = pathway_register(PathwayDefinition(
    key="vaccination_catch_up",
    name=_("Vaccination catch-up for a child from abroad"),
    priority=ROUTINE,
    steps=(
        StepDefinition("record_home_doses", _("Record the immunizations from the home country"), Role.COORDINATOR,
                       dt.timedelta(days=2), FROM_START),
        StepDefinition("review_comparison", _("Review the comparison with China's immunization schedule"),
                       Role.CLINICIAN, dt.timedelta(days=1)),
        StepDefinition("give_due_doses", _("Give the doses due now"), Role.CLINICIAN, dt.timedelta(days=2)),
        StepDefinition("book_later_doses", _("Book the doses due later"), Role.COORDINATOR, dt.timedelta(days=2)),
    ),
))

ANTI_D = pathway_register(PathwayDefinition(
    key="anti_d",
    name=_("Anti-D immunoglobulin for an Rh-negative mother"),
    priority=HIGH,
    steps=(
        StepDefinition("confirm_rh_and_antibodies", _("Confirm the Rh status and the antibody screen"),
                       Role.CLINICIAN, dt.timedelta(hours=24), FROM_START, HIGH),
        StepDefinition("order_anti_d", _("Order anti-D immunoglobulin"), Role.CLINICIAN, dt.timedelta(hours=48),
                       FROM_START, HIGH),
        # Anti-D protects only when given within 72 hours of the sensitising event or the delivery.
        StepDefinition("give_anti_d", _("Give anti-D immunoglobulin within 72 hours"), Role.CLINICIAN,
                       dt.timedelta(hours=72), FROM_START, HIGH),
        StepDefinition("record_dose", _("Record the dose given"), Role.CLINICIAN, dt.timedelta(hours=24)),
    ),
))
