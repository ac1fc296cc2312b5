"""Reads of language services: who can interpret an appointment and why, queues, a person's assignments, hours."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from carebridge.core import i18n
from carebridge.language.models import (
    Interpreter,
    InterpreterAssignment,
    InterpreterClaim,
    InterpreterLanguage,
    NavigatorAssignment,
    blocks_covering,
)

MINUTES_PER_BLOCK = 15


@dataclass
class Candidate:
    """An interpreter considered for an assignment, with the reasons they fit (or do not)."""

    interpreter: Interpreter
    level: str
    continuity: bool
    available: bool
    free: bool
    week_minutes: int
    reasons: list = field(default_factory=list)

    @property
    def fits(self):
        """Tell whether automatic matching would consider them (availability and a free calendar)."""
        return self.available and self.free and self.level in InterpreterLanguage.MATCHING_LEVELS

    def sort_key(self):
        return (not self.continuity, Interpreter.KIND_RANK[self.interpreter.kind],
                -Interpreter.CERTIFICATION_RANK[self.interpreter.certification], self.week_minutes,
                self.interpreter.name)


def pool(*, hospital, active_only=True):
    """Return a hospital's interpreters with their languages and weekly windows."""
    qs = Interpreter.objects.filter(hospital=hospital).select_related("user").prefetch_related(
        "languages", "availability")
    if active_only:
        qs = qs.filter(is_active=True, user__is_active=True)
    return qs.order_by("kind", "user__full_name")


def speakers(*, hospital, language, levels=None):
    """Return the hospital's active interpreters who speak a language (at the given levels)."""
    base = (language or "").split("-")[0]
    spoken = InterpreterLanguage.objects.filter(Q(language__iexact=base) | Q(language__istartswith=base + "-"))
    if levels:
        spoken = spoken.filter(level__in=levels)
    return pool(hospital=hospital).filter(pk__in=spoken.values("interpreter_id"))


def is_available(interpreter, start, end, zone):
    """Tell whether one of the interpreter's weekly windows covers [start, end) in the hospital's time zone."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_end.date() != local_start.date() and local_end.time() != dt.time(0):
        return False
    end_time = local_end.time() if local_end.date() == local_start.date() else dt.time.max
    return any(window.weekday == local_start.weekday() and window.start <= local_start.time()
               and end_time <= window.end for window in interpreter.availability.all())


def week_bounds(moment, zone):
    """Return the start and end of the hospital-local week (Monday to Monday) around a moment."""
    local = moment.astimezone(zone)
    monday = dt.datetime.combine(local.date() - dt.timedelta(days=local.weekday()), dt.time.min, zone)
    return monday, monday + dt.timedelta(days=7)


def minutes_claimed(interpreters, start, end):
    """Return {interpreter id: minutes claimed between start and end}."""
    counts = (InterpreterClaim.objects.filter(interpreter__in=interpreters, block__gte=start, block__lt=end)
              .values("interpreter_id").annotate(blocks=Count("pk")))
    return {row["interpreter_id"]: row["blocks"] * MINUTES_PER_BLOCK for row in counts}


def last_interpreter_of(patient, hospital, *, before=None):
    """Return the interpreter who served the patient at the hospital most recently, or None."""
    served = InterpreterAssignment.objects.filter(
        appointment__patient=patient, hospital=hospital, interpreter__isnull=False,
        status__in=[*InterpreterAssignment.HOLDING, InterpreterAssignment.Status.COMPLETED])
    if before is not None:
        served = served.filter(start__lt=before)
    latest = served.order_by("-start").first()
    return latest.interpreter_id if latest else None


def candidates(*, assignment, exclude=()):
    """Return every interpreter of the hospital who speaks the assignment's language, best first, with reasons."""
    hospital = assignment.hospital
    zone = zoneinfo.ZoneInfo(hospital.time_zone)
    interpreters = [i for i in speakers(hospital=hospital, language=assignment.language) if i.pk not in exclude]
    blocks = blocks_covering(assignment.start, assignment.end)
    busy = set(InterpreterClaim.objects.filter(interpreter__in=interpreters, block__in=blocks)
               .exclude(assignment=assignment).values_list("interpreter_id", flat=True))
    week_start, week_end = week_bounds(assignment.start, zone)
    week = minutes_claimed(interpreters, week_start, week_end)
    previous = last_interpreter_of(assignment.appointment.patient, hospital, before=assignment.start) or \
        last_interpreter_of(assignment.appointment.patient, hospital)
    found = []
    for interpreter in interpreters:
        level = interpreter.level_in(assignment.language) or ""
        candidate = Candidate(interpreter=interpreter, level=level, continuity=interpreter.pk == previous,
                              available=is_available(interpreter, assignment.start, assignment.end, zone),
                              free=interpreter.pk not in busy, week_minutes=week.get(interpreter.pk, 0))
        candidate.reasons = _reasons(candidate, assignment.language)
        found.append(candidate)
    return sorted(found, key=Candidate.sort_key)


def _reasons(candidate, language):
    interpreter = candidate.interpreter
    levels = dict(InterpreterLanguage.Level.choices)
    reasons = [_("Speaks %(language)s (%(level)s)") % {"language": i18n.language_name(language),
                                                      "level": levels.get(candidate.level, candidate.level)}]
    if candidate.continuity:
        reasons.append(_("Interpreted for this patient most recently"))
    reasons.append(interpreter.get_kind_display())
    if interpreter.certification != Interpreter.Certification.NONE:
        reasons.append(interpreter.get_certification_display())
    reasons.append(_("%(hours)s hours booked this week") % {
        "hours": i18n.format_number(round(candidate.week_minutes / 60, 1))})
    if not candidate.free:
        reasons.append(_("Already interpreting at this time"))
    elif not candidate.available:
        reasons.append(_("Outside their working hours"))
    if candidate.level == InterpreterLanguage.Level.CONVERSATIONAL:
        reasons.append(_("Conversational level only"))
    return reasons


def assignments_open(*, hospital, status=None):
    """Return the hospital's open assignments of live, future appointments (the coordinators' queue)."""
    qs = InterpreterAssignment.objects.filter(hospital=hospital, status__in=InterpreterAssignment.OPEN,
                                              end__gte=timezone.now())
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("appointment__patient", "appointment__service", "interpreter__user").order_by("start")


def assignments_of_user(user, *, upcoming_only=False):
    """Return the assignments and offers of a user's interpreter profiles (never anyone else's)."""
    qs = InterpreterAssignment.objects.filter(interpreter__user=user).exclude(
        status=InterpreterAssignment.Status.DECLINED)
    if upcoming_only:
        qs = qs.filter(end__gte=timezone.now())
    return qs.select_related("appointment__patient", "appointment__service", "hospital").order_by("start")


def month_bounds(year, month, zone):
    start = dt.datetime(year, month, 1, tzinfo=zone)
    following = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, following


def hours_worked(*, hospital, year, month):
    """Return [(interpreter, minutes worked (completed), minutes booked (claimed))] for a hospital-local month."""
    zone = zoneinfo.ZoneInfo(hospital.time_zone)
    start, end = month_bounds(year, month, zone)
    interpreters = list(pool(hospital=hospital, active_only=False).annotate(
        worked=Sum("assignments__minutes_worked", filter=Q(
            assignments__status=InterpreterAssignment.Status.COMPLETED, assignments__start__gte=start,
            assignments__start__lt=end))))
    booked = minutes_claimed(interpreters, start, end)
    return [(interpreter, interpreter.worked or 0, booked.get(interpreter.pk, 0)) for interpreter in interpreters]


def navigators_at(*, hospital, active_only=True):
    """Return a hospital's navigator assignments."""
    qs = NavigatorAssignment.objects.filter(hospital=hospital).select_related("patient", "navigator")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def preferred_name(patient):
    """Return the name an interpreter greets the patient by: no identity document data, no clinical data."""
    return patient.preferred_name or patient.given_names or patient.display_name

