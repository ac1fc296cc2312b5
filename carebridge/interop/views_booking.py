"""FHIR R4 endpoints of booking: schedules and slots (directory data), appointments (permission-checked, audited)."""

from functools import partial

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.catalog.models import Service
from carebridge.interop import fhir_appointment, fhir_schedule
from carebridge.interop.access import (
    APPOINTMENT_DETAILS,
    as_uuid,
    audit_appointment_search_results,
    caller_appointment_get,
    caller_appointments,
    refuse,
)
from carebridge.interop.fhir import fhir_response
from carebridge.interop.fhir_search import (
    datetime_filter,
    handling_strict,
    page,
    page_chained,
    search_parse,
    searchset,
)
from carebridge.interop.views import fhir_endpoint, included, parse, read_response, row_or_refuse
from carebridge.scheduling.models import Clinician, Slot


def _clinicians():
    return Clinician.objects.select_related("hospital").prefetch_related("services__hospital")


def _packages():
    return Service.objects.filter(kind=Service.Kind.CHECKUP_PACKAGE).select_related("hospital")


def _slots():
    return Slot.objects.select_related("clinician", "package__hospital").prefetch_related(
        "clinician__services__hospital").annotate(is_held=fhir_schedule.held())


def _moment_filter(field_name):
    """Return the filter maker of a date parameter on a moment, read in each hospital's own time zone."""
    zones = Organisation.objects.filter(kind=OrganisationKind.HOSPITAL).values_list("time_zone", flat=True)
    return partial(datetime_filter, field_name, zone_field="hospital__time_zone", zones=list(zones))


def _schedule_resource(row):
    if isinstance(row, Clinician):
        return fhir_schedule.clinician_schedule_resource(row)
    return fhir_schedule.package_schedule_resource(row)


@fhir_endpoint
def schedule_read(request, resource_id):
    """Read a clinician's or a check-up package's schedule as a FHIR Schedule."""
    public_id = as_uuid(resource_id)
    row = None
    if public_id is not None:
        row = _clinicians().filter(public_id=public_id).first() or _packages().filter(public_id=public_id).first()
    if row is None:
        refuse(request.fhir_caller, request=request, object_type="schedule", object_id=resource_id)
    return read_response(_schedule_resource(row))


@fhir_endpoint
def schedule_search(request):
    """Search the schedules: clinicians' first, then check-up packages'."""
    search = search_parse(request.GET, params=fhir_schedule.SCHEDULE_SEARCH_PARAMS, strict=handling_strict(request))
    clinicians, packages = fhir_schedule.schedule_filters(search)
    rows, total = page_chained([_clinicians().filter(clinicians).order_by("name", "pk"),
                                _packages().filter(packages).order_by("name", "pk")], search)
    return fhir_response(searchset(request, search=search, resources=[_schedule_resource(row) for row in rows],
                                   total=total))


@fhir_endpoint
def slot_read(request, resource_id):
    """Read a bookable time as a FHIR Slot, free or busy."""
    slot = row_or_refuse(request, _slots(), resource_id, "slot")
    return read_response(fhir_schedule.slot_resource(slot))


@fhir_endpoint
def slot_search(request):
    """Search the bookable times, by schedule, start and status."""
    search = parse(request, "Slot", fhir_schedule.SLOT_SEARCH_PARAMS)
    matches = fhir_schedule.slot_filter(search, start_filter=_moment_filter("start"))
    slots, total = page(_slots().filter(matches).order_by("start", "pk"), search)
    return fhir_response(searchset(request, search=search, resources=[fhir_schedule.slot_resource(slot)
                                                                      for slot in slots], total=total))


@fhir_endpoint
def appointment_read(request, resource_id):
    """Read an appointment the caller may see as a FHIR Appointment (audited)."""
    appointment = caller_appointment_get(request.fhir_caller, public_id=resource_id, request=request)
    return read_response(fhir_appointment.appointment_resource(appointment))


@fhir_endpoint
def appointment_search(request):
    """Search the appointments the caller may see; each one returned is audited."""
    caller = request.fhir_caller
    search = parse(request, "Appointment", fhir_appointment.SEARCH_PARAMS)
    matches = fhir_appointment.appointment_filter(search, date_filter=_moment_filter("start"))
    rows = caller_appointments(caller).filter(matches).select_related(*APPOINTMENT_DETAILS)
    appointments, total = page(rows.order_by("start", "pk"), search)
    audit_appointment_search_results(caller, appointments=appointments, request=request, parameters=search.values)
    return fhir_response(searchset(request, search=search, total=total,
                                   resources=[fhir_appointment.appointment_resource(a) for a in appointments],
                                   included=included(request, search, appointments)))
