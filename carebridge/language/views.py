"""Pages of language services: the coordinators' queue and pool, an interpreter's own page, navigators."""

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.audit.services import audit_record_reads
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.language import access, selectors, services
from carebridge.language.forms import CompleteForm, NavigatorForm
from carebridge.language.models import InterpreterAssignment
from carebridge.patients.access import patient_get_for_user


def _or_404(call, **kwargs):
    try:
        return call(**kwargs)
    except NotFound:
        raise Http404 from None


def _audit_patients(request, hospital, assignments, purpose):
    patients = list({a.appointment.patient.pk: a.appointment.patient for a in assignments}.values())
    if patients:
        audit_record_reads(actor=request.user, request=request, organisation=hospital, patients=patients,
                           purpose=purpose)


@login_required
def queue(request):
    """Show the coordinators' queue: requests nobody holds yet, open offers, and who interprets what next."""
    hospital = _or_404(access.coordinator_hospital, user=request.user, hospital_id=request.GET.get("hospital"),
                       request=request)
    open_rows = list(selectors.assignments_open(hospital=hospital))
    _audit_patients(request, hospital, open_rows, "interpreting")
    for row in open_rows:
        row.patient_name = selectors.preferred_name(row.appointment.patient)
        row.service_name = row.appointment.service.translated("name")
    return render(request, "language/queue.html", {
        "hospital": hospital,
        "waiting": [a for a in open_rows if a.status == InterpreterAssignment.Status.REQUESTED],
        "offered": [a for a in open_rows if a.status == InterpreterAssignment.Status.OFFERED],
        "held": [a for a in open_rows if a.is_holding],
    })


def _detail_context(assignment):
    assignment.patient_name = selectors.preferred_name(assignment.appointment.patient)
    return {"assignment": assignment, "hospital": assignment.hospital,
            "candidates": selectors.candidates(assignment=assignment) if assignment.is_open else []}


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request, public_id):
    """Show who could interpret an appointment and why; assign one (override), offer a volunteer, or release."""
    assignment = _or_404(access.assignment_get_for_coordinator, user=request.user, public_id=public_id,
                         request=request)
    with transaction.atomic():
        _audit_patients(request, assignment.hospital, [assignment], "interpreting")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "release":
                services.interpreter_release(assignment=assignment, actor=request.user, reason="coordinator",
                                             request=request)
                messages.success(request, _("The interpreter is released; the request is back in the queue."))
                return redirect("language:queue")
            interpreter = _or_404(access.interpreter_get_for_coordinator, user=request.user,
                                  public_id=request.POST.get("interpreter", ""), hospital=assignment.hospital,
                                  request=request)
            if action == "offer":
                services.interpreter_offer(assignment=assignment, interpreter=interpreter, decided_by=request.user,
                                           request=request)
                messages.success(request, _("The offer is sent."))
            else:
                services.interpreter_assign(assignment=assignment, interpreter=interpreter, decided_by=request.user,
                                            how=InterpreterAssignment.How.OVERRIDE, request=request)
                messages.success(request, _("The interpreter is assigned and told by e-mail."))
            return redirect("language:queue")
        except CareBridgeError as exc:
            assignment.refresh_from_db()
            context = {**_detail_context(assignment), "error": exc.message}
            return render(request, "language/assignment.html", context, status=exc.status)
    return render(request, "language/assignment.html", _detail_context(assignment))


def _month(request, zone):
    today = timezone.localdate(timezone.now(), zone)
    try:
        chosen = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()  # noqa: DTZ007 - a month
    except ValueError:
        chosen = today
    return chosen.year, chosen.month


@login_required
def pool(request):
    """List the hospital's interpreters: kind, languages and levels, weekly windows, hours this month."""
    hospital = _or_404(access.pool_hospital, user=request.user, hospital_id=request.GET.get("hospital"),
                       request=request)
    year, month = _month(request, zoneinfo.ZoneInfo(hospital.time_zone))
    rows = [{"interpreter": i, "worked_hours": round(worked / 60, 1), "booked_hours": round(booked / 60, 1)}
            for i, worked, booked in selectors.hours_worked(hospital=hospital, year=year, month=month)]
    return render(request, "language/pool.html", {"hospital": hospital, "rows": rows,
                                                  "month": dt.date(year, month, 1)})


def _interpreter_only(request):
    if not access.is_interpreter(request.user):
        try:
            deny(user=request.user, request=request, object_type="view", object_id=request.path,
                 reason="not_interpreter")
        except NotFound:
            raise Http404 from None


@login_required
def mine(request):
    """Show an interpreter their own assignments and the offers waiting for their answer."""
    _interpreter_only(request)
    rows = list(selectors.assignments_of_user(request.user, upcoming_only=request.GET.get("all") != "1"))
    with transaction.atomic():
        for hospital in {row.hospital for row in rows}:
            _audit_patients(request, hospital, [r for r in rows if r.hospital == hospital], "interpreting")
    for row in rows:
        row.patient_name = selectors.preferred_name(row.appointment.patient)
        row.can_complete = row.is_holding and row.start <= timezone.now()
    return render(request, "language/mine.html", {
        "offers": [r for r in rows if r.status == InterpreterAssignment.Status.OFFERED],
        "assignments": [r for r in rows if r.status != InterpreterAssignment.Status.OFFERED],
        "complete_form": CompleteForm(),
    })


@login_required
@require_POST
def offer_answer(request, public_id, answer):
    """Accept or decline an offer (or give back an assignment) made to the signed-in interpreter."""
    assignment = _or_404(access.assignment_get_for_interpreter, user=request.user, public_id=public_id,
                         request=request)
    try:
        if answer == "accept":
            services.interpreter_offer_accept(assignment=assignment, user=request.user, request=request)
            messages.success(request, _("Thank you: the assignment is yours."))
        else:
            services.interpreter_offer_decline(assignment=assignment, user=request.user, request=request)
            messages.success(request, _("Declined. The coordinators will find someone else."))
    except CareBridgeError as exc:
        return _error_page(request, exc)
    return redirect("language:mine")


def _error_page(request, exc):
    return render(request, "language/error.html", {"message": exc.message}, status=exc.status)


@login_required
@require_POST
def assignment_complete(request, public_id):
    """Record the minutes an interpreter worked (the interpreter or a coordinator)."""
    assignment = _or_404(access.assignment_get_for_user, user=request.user, public_id=public_id, request=request)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the minutes worked, from 1 to 720."))
    else:
        try:
            services.interpreter_assignment_complete(assignment=assignment,
                                                     minutes_worked=form.cleaned_data["minutes_worked"],
                                                     actor=request.user, request=request)
            messages.success(request, _("Thank you: the minutes are recorded."))
        except CareBridgeError as exc:
            return _error_page(request, exc)
    return redirect("language:mine" if assignment.relation == "interpreter" else "language:queue")


@login_required
@require_http_methods(["GET", "POST"])
def navigators(request):
    """Give a patient a bilingual one-on-one navigator, and list who guides whom."""
    hospital = _or_404(access.coordinator_hospital, user=request.user, hospital_id=request.GET.get("hospital"),
                       request=request)
    patient = None
    chosen = request.POST.get("patient") or request.GET.get("patient")
    if chosen:
        patient = _or_404(patient_get_for_user, user=request.user, public_id=chosen, request=request,
                          purpose="navigation")
    form = NavigatorForm(request.POST or None, hospital=hospital, patient=patient, initial={
        "patient": patient.public_id if patient else None, "language": patient.preferred_language if patient else "",
        "start": timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(hospital.time_zone))})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.navigator_assign(patient=data["patient"], navigator=data["navigator"], hospital=hospital,
                                          language=data["language"], start=data["start"], end=data["end"],
                                          decided_by=request.user, request=request)
                messages.success(request, _("The navigator is assigned and told by e-mail."))
                return redirect("language:navigators")
            except CareBridgeError as exc:
                for field, errors in (exc.details or {None: [exc.message]}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, str(error))
        status = 400
    current = list(selectors.navigators_at(hospital=hospital))
    with transaction.atomic():
        patients = {n.patient.pk: n.patient for n in current}
        listed = list(form.fields["patient"].queryset)
        patients.update({p.pk: p for p in listed})
        if patients:
            audit_record_reads(actor=request.user, request=request, organisation=hospital,
                               patients=list(patients.values()), purpose="navigation")
    return render(request, "language/navigators.html", {"hospital": hospital, "form": form, "current": current},
                  status=status)

