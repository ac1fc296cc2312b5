"""API of booking: clinicians by language, availability, appointments, check-in, invitations, rooms."""

import datetime as dt
import zoneinfo
from uuid import UUID

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from carebridge.accounts.models import Organisation, OrganisationKind
from carebridge.audit.services import audit_record_reads
from carebridge.catalog.models import Service
from carebridge.core import i18n
from carebridge.core.api_support import SessionAuth
from carebridge.core.errors import NotFound, ValidationFailed
from carebridge.core.schemas import ErrorOut
from carebridge.patients.access import desk_hospitals, patient_get_for_user, patients_visible_to_user
from carebridge.scheduling import selectors, services
from carebridge.scheduling.access import appointment_get_for_user
from carebridge.scheduling.invites import appointment_ics
from carebridge.scheduling.models import Appointment, Clinician, RoomBooking, RoomType

router = Router(tags=["booking"], auth=SessionAuth())


class LanguageOut(Schema):
    language: str
    proficiency: str


class ClinicianOut(Schema):
    id: UUID
    name: str
    name_local: str
    title: str
    international_expert: bool
    bio: str
    languages: list[LanguageOut]
    service_ids: list[UUID]


class SlotOut(Schema):
    id: UUID
    start: dt.datetime = Field(description="UTC")
    end: dt.datetime
    start_local_hospital: str
    start_local_patient: str | None = None
    clinician_id: UUID | None
    clinician_name: str | None


class AvailabilityOut(Schema):
    service_id: UUID
    hospital_time_zone: str
    patient_time_zone: str | None
    slots: list[SlotOut]


class BookIn(Schema):
    patient_id: UUID
    slot_id: UUID
    service_id: UUID
    note: str = Field("", max_length=2000)


class ItineraryStopOut(Schema):
    station: str
    area: str
    start: dt.datetime
    end: dt.datetime


class AppointmentOut(Schema):
    id: UUID
    patient_id: UUID
    hospital_id: UUID
    service_id: UUID
    service_name: str
    clinician_id: UUID | None
    start: dt.datetime
    end: dt.datetime
    status: str
    interpreter_needed: bool
    interpreter_language: str
    check_in_code: str
    itinerary: list[ItineraryStopOut]


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class RescheduleIn(Schema):
    slot_id: UUID


class RoomTypeOut(Schema):
    id: UUID
    kind: str
    name: str
    nightly_price_cny: str
    companion_beds: int
    extras: list[dict]


class RoomBookIn(Schema):
    patient_id: UUID
    room_type_id: UUID
    check_in: dt.date
    check_out: dt.date
    extras: list[str] = []


class RoomBookingOut(Schema):
    id: UUID
    patient_id: UUID
    room_number: str
    room_type_id: UUID
    check_in: dt.date
    check_out: dt.date
    status: str
    extras: list[dict]


def _appointment_out(a):
    return {
        "id": a.public_id, "patient_id": a.patient.public_id, "hospital_id": a.hospital.public_id,
        "service_id": a.service.public_id, "service_name": a.service.translated("name"),
        "clinician_id": a.clinician.public_id if a.clinician_id else None, "start": a.start, "end": a.end,
        "status": a.status, "interpreter_needed": a.interpreter_needed,
        "interpreter_language": a.interpreter_language, "check_in_code": a.check_in_code,
        "itinerary": [{"station": s.station.translated("name"), "area": s.area, "start": s.start, "end": s.end}
                      for s in a.itinerary.select_related("station")] if a.service.kind == "checkup_package" else [],
    }


def _hospital(hospital_id):
    return get_object_or_404(Organisation, public_id=hospital_id, kind=OrganisationKind.HOSPITAL)


def _patient(request, patient_id, manage=True):
    return patient_get_for_user(user=request.auth, public_id=patient_id, request=request, manage=manage,
                                purpose="booking")


@router.get("/hospitals/{hospital_id}/clinicians", response={200: list[ClinicianOut], 404: ErrorOut}, auth=None,
            summary="Clinicians, by the languages they speak")
def clinicians_list(request, hospital_id: UUID, language: str | None = None, service_id: UUID | None = None):
    """List a hospital's clinicians, optionally those who consult in a language or offer a service."""
    hospital = _hospital(hospital_id)
    qs = selectors.clinicians_speaking(hospital=hospital, language=language) if language else Clinician.objects.filter(
        hospital=hospital, is_active=True)
    if service_id:
        qs = qs.filter(services__public_id=service_id)
    return [{"id": c.public_id, "name": c.name, "name_local": c.name_local, "title": c.title,
             "international_expert": c.international_expert, "bio": c.translated("bio"),
             "languages": [{"language": lang.language, "proficiency": lang.proficiency} for lang in c.languages.all()],
             "service_ids": [s.public_id for s in c.services.all()]}
            for c in qs.prefetch_related("languages", "services").distinct()]


@router.get("/services/{service_id}/availability", response={200: AvailabilityOut, 400: ErrorOut, 404: ErrorOut},
            auth=None, summary="Free times for a service")
def availability(request, service_id: UUID, date_from: dt.date | None = None, date_to: dt.date | None = None,
                 language: str | None = None, clinician_id: UUID | None = None, patient_time_zone: str | None = None):
    """List free slots (UTC, with local times in the hospital's zone and, if given, the patient's)."""
    service = get_object_or_404(Service.objects.select_related("hospital"), public_id=service_id, is_active=True)
    date_from = date_from or timezone.localdate()
    date_to = date_to or date_from + dt.timedelta(days=14)
    if date_to < date_from or (date_to - date_from).days > 92:
        raise ValidationFailed(details={"date_to": [_("Search at most three months at a time.")]})
    if patient_time_zone and not i18n.valid_time_zone(patient_time_zone):
        raise ValidationFailed(details={"patient_time_zone": [_("Choose a time zone from the list.")]})
    clinician = get_object_or_404(Clinician, public_id=clinician_id) if clinician_id else None
    slots = selectors.availability(hospital=service.hospital, service=service, date_from=date_from, date_to=date_to,
                                   language=language, clinician=clinician)[:500]
    zone = service.hospital.time_zone
    return {"service_id": service.public_id, "hospital_time_zone": zone, "patient_time_zone": patient_time_zone,
            "slots": [{"id": s.public_id, "start": s.start, "end": s.end,
                       "start_local_hospital": s.start.astimezone(zoneinfo.ZoneInfo(zone)).isoformat(),
                       "start_local_patient": s.start.astimezone(zoneinfo.ZoneInfo(patient_time_zone)).isoformat()
                       if patient_time_zone else None,
                       "clinician_id": s.clinician.public_id if s.clinician_id else None,
                       "clinician_name": s.clinician.name if s.clinician_id else None} for s in slots]}


@router.post("/appointments", response={201: AppointmentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut,
                                        409: ErrorOut}, summary="Book an appointment")
def appointments_book(request, payload: BookIn):
    """Book a slot; a slot someone else has just taken answers 409 `slot_taken` with alternatives in details."""
    patient = _patient(request, payload.patient_id)
    slot = selectors.slot_get(payload.slot_id)
    service = selectors.service_get(payload.service_id)
    if slot is None or service is None:
        raise NotFound()
    appointment = services.appointment_book(patient=patient, slot=slot, service=service, booked_by=request.auth,
                                            note=payload.note, request=request)
    return Status(201, _appointment_out(appointment))


@router.get("/appointments", response={200: list[AppointmentOut], 401: ErrorOut}, summary="Appointments")
def appointments_list(request, day: dt.date | None = None):
    """List one's own and one's wards' appointments; for the desk, the hospital's appointments of a day."""
    hospitals = desk_hospitals(request.auth)
    if hospitals:
        qs = selectors.appointments_on_day(hospital=hospitals[0], day=day or timezone.localdate())
    else:
        qs = selectors.appointments_of_patients(patients_visible_to_user(request.auth))
    appointments = list(qs.prefetch_related("itinerary__station")[:500])
    audit_record_reads(actor=request.auth, request=request, patients=[a.patient for a in appointments],
                       purpose="appointments")
    return [_appointment_out(a) for a in appointments]


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, 401: ErrorOut, 404: ErrorOut},
            summary="An appointment")
def appointments_read(request, appointment_id: UUID):
    """Return an appointment the caller may see."""
    return _appointment_out(appointment_get_for_user(user=request.auth, public_id=appointment_id, request=request))


@router.get("/appointments/{appointment_id}/invite.ics", response={200: None, 401: ErrorOut, 404: ErrorOut},
            summary="Calendar invitation")
def appointments_invite(request, appointment_id: UUID):
    """Return the appointment as an iCalendar (RFC 5545) invitation with UTC times."""
    appointment = appointment_get_for_user(user=request.auth, public_id=appointment_id, request=request)
    return HttpResponse(appointment_ics(appointment, language=request.LANGUAGE_CODE), content_type="text/calendar")


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, 400: ErrorOut, 401: ErrorOut,
                                                                 404: ErrorOut, 409: ErrorOut}, summary="Cancel")
def appointments_cancel(request, appointment_id: UUID, payload: CancelIn):
    """Cancel: patients up to the hospital's cut-off (400 `past_cutoff` after it), the desk any time."""
    appointment = appointment_get_for_user(user=request.auth, public_id=appointment_id, request=request, manage=True)
    return _appointment_out(services.appointment_cancel(
        appointment=appointment, actor=request.auth, actor_is_staff=appointment.relation == "desk",
        reason=payload.reason, request=request))


@router.post("/appointments/{appointment_id}/reschedule", response={201: AppointmentOut, 400: ErrorOut,
                                                                     401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Move to another time")
def appointments_reschedule(request, appointment_id: UUID, payload: RescheduleIn):
    """Move an appointment: the new slot is claimed before the old is freed, in one transaction."""
    appointment = appointment_get_for_user(user=request.auth, public_id=appointment_id, request=request, manage=True)
    slot = selectors.slot_get(payload.slot_id)
    if slot is None:
        raise NotFound()
    moved = services.appointment_reschedule(appointment=appointment, slot=slot, actor=request.auth,
                                            actor_is_staff=appointment.relation == "desk", request=request)
    return Status(201, _appointment_out(moved))


@router.post("/appointments/{appointment_id}/confirm", response={200: AppointmentOut, 401: ErrorOut, 404: ErrorOut,
                                                                  409: ErrorOut}, summary="Confirm (the desk)")
def appointments_confirm(request, appointment_id: UUID):
    """Confirm a booked appointment once the visit is arranged (the hospital's desk only)."""
    appointment = appointment_get_for_user(user=request.auth, public_id=appointment_id, request=request, manage=True)
    if appointment.relation != "desk":
        raise NotFound()
    return _appointment_out(services.appointment_confirm(appointment=appointment, actor=request.auth,
                                                         request=request))


class CloseIn(Schema):
    outcome: str = Field(description="completed or no_show")


@router.post("/appointments/{appointment_id}/close", response={200: AppointmentOut, 400: ErrorOut, 401: ErrorOut,
                                                                404: ErrorOut, 409: ErrorOut},
             summary="Completed or no-show (the desk)")
def appointments_close(request, appointment_id: UUID, payload: CloseIn):
    """Record that a visit was completed (after check-in) or that the patient did not come."""
    appointment = appointment_get_for_user(user=request.auth, public_id=appointment_id, request=request, manage=True)
    if appointment.relation != "desk":
        raise NotFound()
    return _appointment_out(services.appointment_close(appointment=appointment, actor=request.auth,
                                                       outcome=payload.outcome, request=request))


@router.post("/check-in/{code}", response={200: AppointmentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut,
                                           409: ErrorOut}, summary="Check a patient in")
def appointments_check_in(request, code: str):
    """Check in from the code in the patient's QR (the hospital's desk only)."""
    appointment = Appointment.objects.select_related("hospital", "patient", "service").filter(check_in_code=code).first()
    if appointment is None or appointment.hospital not in desk_hospitals(request.auth):
        raise Http404
    return _appointment_out(services.appointment_check_in(appointment=appointment, actor=request.auth,
                                                          request=request))


@router.get("/hospitals/{hospital_id}/room-types", response={200: list[RoomTypeOut], 400: ErrorOut, 404: ErrorOut},
            auth=None,
            summary="Room types, free for given nights")
def room_types_list(request, hospital_id: UUID, check_in: dt.date | None = None, check_out: dt.date | None = None):
    """List room types; with check_in and check_out, only those with a room free for every night."""
    hospital = _hospital(hospital_id)
    types = (services.room_types_free(hospital=hospital, check_in=check_in, check_out=check_out)
             if check_in and check_out and check_out > check_in else RoomType.objects.filter(hospital=hospital))
    return [{"id": t.public_id, "kind": t.kind, "name": t.translated("name"), "nightly_price_cny": str(t.nightly_price),
             "companion_beds": t.companion_beds, "extras": t.extras} for t in types]


def _room_booking_out(b):
    return {"id": b.public_id, "patient_id": b.patient.public_id, "room_number": b.room.number,
            "room_type_id": b.room.room_type.public_id, "check_in": b.check_in, "check_out": b.check_out,
            "status": b.status, "extras": b.extras}


@router.post("/room-bookings", response={201: RoomBookingOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut,
                                        409: ErrorOut}, summary="Book a room")
def room_bookings_create(request, payload: RoomBookIn):
    """Book a room of a type for nights [check_in, check_out); 409 `room_unavailable` when none is free."""
    patient = _patient(request, payload.patient_id)
    room_type = get_object_or_404(RoomType, public_id=payload.room_type_id)
    booking = services.room_book(patient=patient, room_type=room_type, check_in=payload.check_in,
                                 check_out=payload.check_out, booked_by=request.auth, extras=payload.extras,
                                 request=request)
    return Status(201, _room_booking_out(booking))


@router.post("/room-bookings/{booking_id}/cancel", response={200: RoomBookingOut, 401: ErrorOut, 404: ErrorOut,
                                                             409: ErrorOut}, summary="Cancel a room booking")
def room_bookings_cancel(request, booking_id: UUID):
    """Cancel a room booking; its nights are free again."""
    booking = RoomBooking.objects.select_related("room__room_type", "patient").filter(public_id=booking_id).first()
    if booking is None:
        raise NotFound()
    _patient(request, booking.patient.public_id)
    return _room_booking_out(services.room_booking_cancel(booking=booking, actor=request.auth, request=request))
