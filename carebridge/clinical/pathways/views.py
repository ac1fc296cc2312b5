"""Green-channel pages: the hospital's queue, a patient's pathways, one pathway's steps, vaccination catch-up, anti-D."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carebridge.accounts.access import deny
from carebridge.accounts.selectors import roles_of
from carebridge.clinical.pathways import selectors, services
from carebridge.clinical.pathways.access import (
    pathway_get_for_user,
    pathway_hospitals,
    pathway_patient_get,
    step_get_for_user,
)
from carebridge.clinical.pathways.anti_d import anti_d_candidates, anti_d_flag_reason
from carebridge.clinical.pathways.definitions import ANTI_D, VACCINATION_CATCH_UP
from carebridge.clinical.pathways.forms import CancelForm, HomeDoseForm, StartForm, StepNoteForm
from carebridge.clinical.pathways.vaccination import vaccination_catch_up, vaccine_choices
from carebridge.core.errors import CareBridgeError, NotFound

HOME_RECORD = "home record"


def _hospital(request):
    hospitals = pathway_hospitals(request.user)
    wanted = request.GET.get("hospital")
    hospital = next((h for h in hospitals if str(h.public_id) == wanted), None) if wanted else (
        hospitals[0] if hospitals else None)
    if hospital is None:
        try:
            deny(user=request.user, request=request, object_type="pathway_queue", object_id=request.path,
                 reason="not_clinical")
        except NotFound:
            raise Http404 from None
    return hospital


def _patient(request, public_id):
    try:
        return pathway_patient_get(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None


@login_required
def queue(request):
    """Show the hospital's green channel: overdue steps, the steps of one's roles, active pathways, candidates."""
    hospital = _hospital(request)
    now = timezone.now()
    return render(request, "clinical/pathways/queue.html", {
        "hospital": hospital, "now": now, "hospitals": pathway_hospitals(request.user),
        "overdue": list(selectors.overdue_steps(hospital=hospital, now=now)[:200]),
        "mine": list(selectors.steps_for_roles(hospital=hospital, roles=roles_of(request.user,
                                                                                   organisation=hospital))[:200]),
        "pathways": list(selectors.pathway_queue(hospital=hospital, now=now)[:200]),
        "anti_d_candidates": list(anti_d_candidates(hospital)[:100]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def patient_pathways(request, public_id):
    """List a patient's pathways at the hospital and start one."""
    patient, hospital = _patient(request, public_id)
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {}
        if form.cleaned_data.get("event_at"):
            data["event_at"] = form.cleaned_data["event_at"].isoformat()
        try:
            instance = services.pathway_start(patient=patient, hospital=hospital, key=form.cleaned_data["key"],
                                              started_by=request.user, data=data, request=request)
        except CareBridgeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The pathway is started."))
            return redirect("pathways:detail", public_id=instance.public_id)
    return render(request, "clinical/pathways/patient.html", {
        "patient": patient, "hospital": hospital, "form": form, "now": timezone.now(),
        "pathways": selectors.pathways_of_patient(patient=patient, hospital=hospital),
    })


@login_required
def detail(request, public_id):
    """Show a pathway's steps with their owners and due times; complete or skip them with a note."""
    try:
        instance = pathway_get_for_user(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    roles = roles_of(request.user, organisation=instance.hospital)
    return render(request, "clinical/pathways/detail.html", {
        "instance": instance, "patient": instance.patient, "steps": instance.steps.select_related("done_by"),
        "roles": roles, "note_form": StepNoteForm(), "cancel_form": CancelForm(), "now": timezone.now(),
    })


@login_required
@require_POST
def step_action(request, public_id, action):
    """Complete or skip a step."""
    try:
        step = step_get_for_user(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    note = request.POST.get("note", "")
    try:
        if action == "skip":
            services.pathway_step_skip(step=step, actor=request.user, note=note, request=request)
            messages.success(request, _("The step is skipped."))
        else:
            services.pathway_step_complete(step=step, actor=request.user, note=note, request=request)
            messages.success(request, _("The step is done."))
    except CareBridgeError as exc:
        messages.error(request, exc.details.get("note", [exc.message])[0] if exc.details else exc.message)
    return redirect("pathways:detail", public_id=step.instance.public_id)


@login_required
@require_POST
def cancel(request, public_id):
    """Cancel a pathway, saying why."""
    try:
        instance = pathway_get_for_user(user=request.user, public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    try:
        services.pathway_cancel(instance=instance, actor=request.user, reason=request.POST.get("reason", ""),
                                request=request)
        messages.success(request, _("The pathway is cancelled."))
    except CareBridgeError as exc:
        messages.error(request, exc.message)
    return redirect("pathways:detail", public_id=instance.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def catch_up(request, public_id):
    """Compare a child's home immunization record with China's schedule, and add doses from the home record."""
    from carebridge.clinical.services import immunization_record

    patient, hospital = _patient(request, public_id)
    form = HomeDoseForm(request.POST or None, vaccines=vaccine_choices())
    if request.method == "POST" and form.is_valid():
        try:
            immunization_record(patient=patient, actor=request.user, vaccine=form.cleaned_data["vaccine"],
                                occurred_on=form.cleaned_data["occurred_on"],
                                dose_number=form.cleaned_data.get("dose_number"),
                                country=form.cleaned_data.get("country") or patient.nationality,
                                source=HOME_RECORD, request=request)
        except CareBridgeError as exc:
            for errors in (exc.details or {}).values():
                for error in errors:
                    messages.error(request, error)
            if not exc.details:
                messages.error(request, exc.message)
        else:
            messages.success(request, _("The dose is recorded."))
            return redirect("pathways:catch_up", public_id=patient.public_id)
    today = timezone.localdate()
    return render(request, "clinical/pathways/catch_up.html", {
        "patient": patient, "hospital": hospital, "form": form, "on": today,
        "catch_up": vaccination_catch_up(patient, on=today),
        "pathway": selectors.pathways_of_patient(patient=patient, hospital=hospital).filter(
            definition_key=VACCINATION_CATCH_UP.key).first(),
        "start_form": StartForm(initial={"key": VACCINATION_CATCH_UP.key}),
    })


@login_required
def anti_d(request, public_id):
    """Show an Rh-negative pregnant patient's anti-D pathway, or why she is (not) a candidate."""
    patient, hospital = _patient(request, public_id)
    return render(request, "clinical/pathways/anti_d.html", {
        "patient": patient, "hospital": hospital, "pregnancy": anti_d_flag_reason(patient),
        "pathway": selectors.pathways_of_patient(patient=patient, hospital=hospital).filter(
            definition_key=ANTI_D.key).first(),
        "start_form": StartForm(initial={"key": ANTI_D.key}), "now": timezone.now(),
    })
