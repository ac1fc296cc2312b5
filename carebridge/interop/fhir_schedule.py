"""The Schedule and Slot resources: a clinician's or a check-up package's bookable times, free or busy."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_healthcare_service import service_category, service_type
from carebridge.interop.fhir_organization import location_reference
from carebridge.interop.fhir_practitioner import practitioner_reference
from carebridge.interop.fhir_search import NOTHING, SearchParam, any_of, reference_id, token, typed_reference
from carebridge.scheduling.models import Appointment

SLOT_STATUS = "http://hl7.org/fhir/slotstatus"
SCHEDULE_ACTORS = ("Practitioner", "HealthcareService", "Location")

SCHEDULE_SEARCH_PARAMS = {
    "actor": SearchParam("reference", "Whose schedule: a clinician (Practitioner/<id>), a check-up package "
                                      "(HealthcareService/<id>), or every schedule of a hospital (Location/<id>)."),
}
SLOT_SEARCH_PARAMS = {
    "schedule": SearchParam("reference", "The schedule (Schedule/<id>) the slot belongs to."),
    "start": SearchParam("date", "When the slot starts; prefixes eq, ne, lt, gt, ge, le. A date or a time without "
                                 "a UTC offset is read in the hospital's time zone."),
    "status": SearchParam("token", "free, busy (held by a live appointment) or busy-unavailable (blocked)."),
}


def held():
    """Return the test of whether a slot is held by a live appointment (for annotate)."""
    return Exists(Appointment.objects.filter(slot=OuterRef("pk"), status__in=Appointment.LIVE))


def schedule_owner_id(slot):
    """Return the id of the Schedule a slot belongs to: its clinician's or its package's."""
    return slot.clinician.public_id if slot.clinician_id else slot.package.public_id


def utc(moment):
    """Return a moment as an ISO 8601 instant in UTC, with its offset written out."""
    return moment.astimezone(dt.UTC).isoformat()


def clinician_schedule_resource(clinician):
    """Map a clinician's bookable times to a validated FHIR Schedule (prefetch `services`)."""
    services = list(clinician.services.all())
    data = {
        "resourceType": "Schedule",
        "id": str(clinician.public_id),
        "meta": meta(clinician.updated_at),
        "active": clinician.is_active,
        "serviceCategory": list({service.kind: service_category(service) for service in services}.values()),
        "serviceType": [service_type(service) for service in services],
        "actor": [practitioner_reference(clinician), location_reference(clinician.hospital)],
        "comment": clinician.name,
    }
    return validated({key: value for key, value in data.items() if value != []})


def package_schedule_resource(package):
    """Map a check-up package's lanes to a validated FHIR Schedule."""
    data = {
        "resourceType": "Schedule",
        "id": str(package.public_id),
        "meta": meta(package.updated_at),
        "active": package.is_active,
        "serviceCategory": [service_category(package)],
        "serviceType": [service_type(package)],
        "actor": [{"reference": f"HealthcareService/{package.public_id}", "display": package.translated("name")},
                  location_reference(package.hospital)],
        "comment": package.translated("name"),
    }
    return validated(data)


def slot_status(slot):
    """Return a slot's FHIR status; the slot must be annotated with `is_held`."""
    if slot.is_held:
        return "busy"
    return "busy-unavailable" if slot.is_blocked else "free"


def slot_resource(slot):
    """Map a slot (annotated with `is_held`; clinician's services or package prefetched) to a validated FHIR Slot."""
    services = list(slot.clinician.services.all()) if slot.clinician_id else [slot.package]
    data = {
        "resourceType": "Slot",
        "id": str(slot.public_id),
        "meta": meta(slot.updated_at),
        "serviceType": [service_type(service) for service in services],
        "schedule": {"reference": f"Schedule/{schedule_owner_id(slot)}"},
        "status": slot_status(slot),
        "start": utc(slot.start),
        "end": utc(slot.end),
    }
    return validated({key: value for key, value in data.items() if value != []})


def schedule_filters(search):
    """Return the filters (clinicians, packages) of a Schedule search."""
    clinicians, packages = Q(), Q()
    for alternatives in search.each("actor"):
        either_clinicians, either_packages = [], []
        for resource_type, public_id in (typed_reference(value, resource_types=SCHEDULE_ACTORS)
                                         for value in alternatives):
            if public_id is None:
                continue
            if resource_type in (None, "Practitioner"):
                either_clinicians.append(Q(public_id=public_id))
            if resource_type in (None, "HealthcareService"):
                either_packages.append(Q(public_id=public_id))
            if resource_type in (None, "Location"):
                either_clinicians.append(Q(hospital__public_id=public_id))
                either_packages.append(Q(hospital__public_id=public_id))
        clinicians &= any_of(either_clinicians)
        packages &= any_of(either_packages)
    return clinicians, packages


def slot_filter(search, *, start_filter):
    """Return the filter of a Slot search; `start_filter` turns one `start` value into a filter."""
    matches = Q()
    for alternatives in search.each("schedule"):
        ids = [reference_id(value, resource_type="Schedule") for value in alternatives]
        matches &= any_of(Q(clinician__public_id=public_id) | Q(package__public_id=public_id)
                          for public_id in ids if public_id)
    for alternatives in search.each("start"):
        matches &= any_of(start_filter(value) for value in alternatives)
    for alternatives in search.each("status"):
        matches &= any_of(_status_filter(*token(value)) for value in alternatives)
    return matches


def _status_filter(system, code):
    if system not in (None, SLOT_STATUS):
        return NOTHING
    return {
        "free": Q(is_held=False, is_blocked=False),
        "busy": Q(is_held=True),
        "busy-unavailable": Q(is_held=False, is_blocked=True),
    }.get(code, NOTHING)
