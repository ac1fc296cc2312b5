"""The Appointment resource: a booked visit, with the patient, the clinician, the place and any interpreter."""

from django.db.models import Q

from carebridge.interop.fhir import meta, validated
from carebridge.interop.fhir_healthcare_service import service_category, service_type
from carebridge.interop.fhir_organization import location_reference
from carebridge.interop.fhir_patient import language_concept
from carebridge.interop.fhir_practitioner import practitioner_reference
from carebridge.interop.fhir_schedule import utc
from carebridge.interop.fhir_search import NOTHING, SearchParam, any_of, reference_id, token
from carebridge.scheduling.models import Appointment

APPOINTMENT_STATUS = "http://hl7.org/fhir/appointmentstatus"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
INTERPRETER_LANGUAGE_URL = "urn:carebridge:fhir:extension:interpreter-language"
STATUS = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.CONFIRMED: "booked",
    Appointment.Status.CHECKED_IN: "arrived",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.NO_SHOW: "noshow",
    Appointment.Status.CANCELLED: "cancelled",
}

SEARCH_PARAMS = {
    "patient": SearchParam("reference", "The patient (Patient/<id>)."),
    "practitioner": SearchParam("reference", "The clinician (Practitioner/<id>)."),
    "date": SearchParam("date", "When the appointment starts; prefixes eq, ne, lt, gt, ge, le. A date or a time "
                                "without a UTC offset is read in the hospital's time zone."),
    "status": SearchParam("token", "booked (booked or confirmed), arrived (checked in), fulfilled, noshow, "
                                   "cancelled."),
}


def _participant(actor=None, *, kind=None, status="accepted", extension=None):
    participant = {"required": "required", "status": status}
    if actor is not None:
        participant["actor"] = actor
    if kind is not None:
        participant["type"] = [kind]
    if extension:
        participant["extension"] = extension
    return participant


def _participation(code, display):
    return {"coding": [{"system": PARTICIPATION_TYPE, "code": code, "display": display}]}


def _participants(appointment):
    patient = appointment.patient
    participants = [_participant({"reference": f"Patient/{patient.public_id}",
                                  "display": f"{patient.family_name} {patient.given_names}".strip()})]
    if appointment.clinician_id:
        participants.append(_participant(practitioner_reference(appointment.clinician),
                                         kind=_participation("PPRF", "primary performer")))
    participants.append(_participant(location_reference(appointment.hospital)))
    if appointment.interpreter_needed:
        # Requested with the booking; the person who interprets is assigned later, so no actor yet.
        extension = ([{"url": INTERPRETER_LANGUAGE_URL,
                       "valueCodeableConcept": language_concept(appointment.interpreter_language)}]
                     if appointment.interpreter_language else None)
        participants.append(_participant(kind=_participation("INTPRT", "interpreter"), status="needs-action",
                                         extension=extension))
    return participants


def appointment_resource(appointment):
    """Map an appointment to a validated FHIR Appointment."""
    # Cancelling updates the row without touching updated_at, so the cancel and check-in times count too.
    data = {
        "resourceType": "Appointment",
        "id": str(appointment.public_id),
        "meta": meta(appointment.updated_at, appointment.cancelled_at, appointment.checked_in_at),
        "status": STATUS[appointment.status],
        "serviceCategory": [service_category(appointment.service)],
        "serviceType": [service_type(appointment.service)],
        "start": utc(appointment.start),
        "end": utc(appointment.end),
        "created": utc(appointment.created_at),
        "slot": [{"reference": f"Slot/{appointment.slot.public_id}"}],
        "participant": _participants(appointment),
    }
    if appointment.status == Appointment.Status.CANCELLED:
        data["cancelationReason"] = {"text": appointment.cancel_reason or str(Appointment.Status.CANCELLED.label)}
    if appointment.note:
        data["comment"] = appointment.note
    return validated(data)


def appointment_filter(search, *, date_filter):
    """Return the filter of an Appointment search; `date_filter` turns one `date` value into a filter."""
    matches = Q()
    for alternatives in search.each("patient"):
        ids = [reference_id(value, resource_type="Patient") for value in alternatives]
        matches &= any_of(Q(patient__public_id=public_id) for public_id in ids if public_id)
    for alternatives in search.each("practitioner"):
        ids = [reference_id(value, resource_type="Practitioner") for value in alternatives]
        matches &= any_of(Q(clinician__public_id=public_id) for public_id in ids if public_id)
    for alternatives in search.each("date"):
        matches &= any_of(date_filter(value) for value in alternatives)
    for alternatives in search.each("status"):
        matches &= any_of(_status_filter(*token(value)) for value in alternatives)
    return matches


def _status_filter(system, code):
    statuses = [status for status, fhir_status in STATUS.items() if fhir_status == code]
    if system not in (None, APPOINTMENT_STATUS) or not statuses:
        return NOTHING
    return Q(status__in=statuses)
