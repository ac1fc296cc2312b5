"""The export page: a hospital's coordinators and clinicians start a bulk export, follow it and download its files."""

import datetime as dt
import zoneinfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from carebridge.audit.services import audit_record_reads
from carebridge.core.errors import CareBridgeError, NotFound
from carebridge.core.forms import form_add_service_errors
from carebridge.interop.access import refuse
from carebridge.interop.auth import FhirCaller
from carebridge.interop.bulk.access import (
    caller_groups,
    export_file_get_for_caller,
    export_get_for_caller,
    staff_export_hospitals,
    staff_export_types,
)
from carebridge.interop.bulk.models import BulkExport
from carebridge.interop.bulk.services import bulk_export_cancel, bulk_export_start, patient_group_create
from carebridge.interop.bulk.views import file_response
from carebridge.interop.fhir_search import base_url
from carebridge.patients.selectors import patients_at

EVERYTHING = "system"


class ExportForm(forms.Form):
    scope = forms.ChoiceField(label=_("Whose data"))
    types = forms.MultipleChoiceField(label=_("Resource types"), widget=forms.CheckboxSelectMultiple)
    since = forms.DateField(label=_("Only what changed since"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("Leave empty to export everything."))

    def __init__(self, *args, hospital, types, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(EVERYTHING, _("All of the hospital's patients"))] + [
            (str(group.public_id), group.name) for group in groups]
        self.fields["types"].choices = [(name, name) for name in types]
        self.initial.setdefault("types", list(types))


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=200)
    everyone = forms.BooleanField(label=_("Every patient of the hospital, now and later"), required=False)
    members = forms.MultipleChoiceField(label=_("Members"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(str(p.public_id), p.display_name) for p in patients]


def _hospital(request):
    hospitals = staff_export_hospitals(request.user)
    if not hospitals:
        try:
            refuse(FhirCaller(user=request.user), request=request, object_type="view", object_id=request.path)
        except NotFound:
            raise Http404 from None
    chosen = request.GET.get("hospital") or request.POST.get("hospital")
    return next((h for h in hospitals if str(h.public_id) == chosen), hospitals[0]), hospitals


def _caller(request):
    return FhirCaller(user=request.user)


@login_required
def export_list(request):
    """Show the hospital's exports and start a new one."""
    hospital, hospitals = _hospital(request)
    types = staff_export_types(request.user, hospital)
    groups = list(caller_groups(_caller(request)).filter(hospital=hospital))
    form = ExportForm(request.POST or None, hospital=hospital, types=types, groups=groups)
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data["scope"]
        group = next((g for g in groups if str(g.public_id) == scope), None)
        since = form.cleaned_data["since"]
        if since:
            since = dt.datetime.combine(since, dt.time.min, tzinfo=zoneinfo.ZoneInfo(hospital.time_zone))
        try:
            export = bulk_export_start(
                hospital=hospital, level=BulkExport.Level.GROUP if group else BulkExport.Level.SYSTEM, group=group,
                types=form.cleaned_data["types"], since=since, requested_by=request.user,
                request_url=request.build_absolute_uri(), base_url=base_url(request), client={"kind": "session"})
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("interop_bulk:detail", export.public_id)
    exports = [e for e in BulkExport.objects.filter(hospital=hospital, requested_by__isnull=False)
               .exclude(status__in=[BulkExport.Status.CANCELLED, BulkExport.Status.EXPIRED])
               .order_by("-created_at")[:50] if set(e.types) <= set(types)]
    return render(request, "interop/bulk/list.html", {"hospital": hospital, "hospitals": hospitals, "form": form,
                                                       "exports": exports, "groups": groups})


def _export(request, public_id):
    try:
        return export_get_for_caller(_caller(request), public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None


@login_required
def export_detail(request, public_id):
    """Show how far an export got and, once done, its files; refreshed by htmx while it runs."""
    export = _export(request, public_id)
    context = {"export": export, "files": [f for f in export.files.all() if f.count],
               "running": export.status in (BulkExport.Status.ACCEPTED, BulkExport.Status.IN_PROGRESS)}
    if request.headers.get("HX-Request"):
        return render(request, "interop/bulk/_progress.html", context)
    return render(request, "interop/bulk/detail.html", context)


@login_required
@require_POST
def export_cancel(request, public_id):
    """Cancel an export, or delete a finished one with its files."""
    export = _export(request, public_id)
    bulk_export_cancel(export=export, actor=request.user, request=request)
    return redirect(reverse("interop_bulk:list") + f"?hospital={export.hospital.public_id}")


@login_required
def export_download(request, public_id):
    """Download one NDJSON file of a completed export."""
    try:
        export_file = export_file_get_for_caller(_caller(request), public_id=public_id, request=request)
    except NotFound:
        raise Http404 from None
    return file_response(request, export_file, actor=request.user)


@login_required
def group_create(request):
    """Create a group of the hospital's patients (a tour group, an agency's cohort, or everyone)."""
    hospital, hospitals = _hospital(request)
    patients = list(patients_at(hospital).order_by("family_name", "given_names", "pk")[:500])
    audit_record_reads(actor=request.user, request=request, organisation=hospital, patients=patients,
                       purpose="bulk-export-group")
    form = GroupForm(request.POST or None, patients=patients)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["members"])
        try:
            patient_group_create(hospital=hospital, name=form.cleaned_data["name"], created_by=request.user,
                                 everyone=form.cleaned_data["everyone"], request=request,
                                 members=[p for p in patients if str(p.public_id) in chosen])
        except CareBridgeError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect(reverse("interop_bulk:list") + f"?hospital={hospital.public_id}")
    return render(request, "interop/bulk/group.html", {"hospital": hospital, "hospitals": hospitals, "form": form,
                                                        "patients": patients})
