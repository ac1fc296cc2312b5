"""Writes of booking: slots from schedules, appointments with the database's claim, rooms by the night."""

import datetime as dt
import secrets
import zoneinfo

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.audit.services import audit_record
from carebridge.catalog.models import Service
from carebridge.core.errors import CareBridgeError, Conflict, ValidationFailed
from carebridge.core.jobs import jobs_schedule
from carebridge.patients.services import record_number_assign
from carebridge.scheduling import signals
from carebridge.scheduling.calendar_rules import days_between, is_public_holiday
from carebridge.scheduling.models import (
    Appointment,
    BookingPolicy,
    HospitalClosure,
    ItineraryStop,
    Room,
    RoomBooking,
    RoomNight,
    RoomType,
    ScheduleException,
    Slot,
)
from carebridge.scheduling.notify import appointment_message_send
from carebridge.scheduling.selectors import booking_facts

REMINDERS = (("48h", dt.timedelta(hours=48)), ("3h", dt.timedelta(hours=3)))
PACKAGE_START_TIMES = (dt.time(7, 30), dt.time(8, 0), dt.time(8, 30), dt.time(9, 0), dt.time(9, 30))
PACKAGE_LANES = 3


class SlotTaken(Conflict):
    code = "slot_taken"
    default_message = _("Someone has just booked this time. Please choose another one.")


class RoomUnavailable(Conflict):
    code = "room_unavailable"
    default_message = _("No room of this type is free for these nights.")


class BookingRefused(CareBridgeError):
    code = "booking_refused"
    status = 400


def booking_policy(hospital):
    """Return the hospital's booking rules (cached briefly; saving a policy clears it), creating the defaults."""
    key = f"scheduling:booking-policy:{hospital.pk}"
    policy = cache.get(key)
    if policy is None:
        policy, _created = BookingPolicy.objects.get_or_create(hospital=hospital)
        cache.set(key, policy, timeout=300)
    return policy


@receiver(post_save, sender=BookingPolicy)
def booking_policy_forget(sender, instance, **kwargs):
    cache.delete(f"scheduling:booking-policy:{instance.hospital_id}")


def _working_day(day, closures):
    # Monday to Saturday: international departments and check-up centres open on Saturday mornings.
    return day.weekday() < 6 and not is_public_holiday(day) and day not in closures


def slots_generate(*, clinician, start_date, end_date):
    """Create the clinician's slots from the weekly templates; skip holidays, closures and days off. Idempotent."""
    zone = zoneinfo.ZoneInfo(clinician.hospital.time_zone)
    closures = set(HospitalClosure.objects.filter(hospital=clinician.hospital, date__range=(start_date, end_date))
                   .values_list("date", flat=True))
    days_off = set(ScheduleException.objects.filter(clinician=clinician, date__range=(start_date, end_date))
                   .values_list("date", flat=True))
    templates = list(clinician.schedule_templates.all())
    slots = []
    for day in days_between(start_date, end_date):
        if not _working_day(day, closures) or day in days_off:
            continue
        for template in templates:
            if template.weekday != day.weekday():
                continue
            if (template.valid_from and day < template.valid_from) or (template.valid_until and day > template.valid_until):
                continue
            start = dt.datetime.combine(day, template.start, zone)
            end_of_session = dt.datetime.combine(day, template.end, zone)
            step = dt.timedelta(minutes=template.slot_minutes)
            while start + step <= end_of_session:
                slots.append(Slot(hospital=clinician.hospital, clinician=clinician, start=start, end=start + step))
                start += step
    Slot.objects.bulk_create(slots, ignore_conflicts=True)
    return len(slots)


def package_slots_generate(*, package, start_date, end_date, start_times=PACKAGE_START_TIMES, lanes=PACKAGE_LANES):
    """Create a check-up package's morning start times, `lanes` people at each. Idempotent."""
    hospital = package.hospital
    zone = zoneinfo.ZoneInfo(hospital.time_zone)
    closures = set(HospitalClosure.objects.filter(hospital=hospital, date__range=(start_date, end_date))
                   .values_list("date", flat=True))
    length = dt.timedelta(minutes=sum(s.duration_minutes for s in package.stations.all()) or package.duration_minutes)
    slots = [
        Slot(hospital=hospital, package=package, lane=lane, start=dt.datetime.combine(day, time, zone),
             end=dt.datetime.combine(day, time, zone) + length)
        for day in days_between(start_date, end_date) if _working_day(day, closures)
        for time in start_times for lane in range(lanes)
    ]
    Slot.objects.bulk_create(slots, ignore_conflicts=True)
    return len(slots)


def _check_bookable(*, slot, service, patient, now, facts):
    policy = booking_policy(slot.hospital)
    if service.hospital_id != slot.hospital_id or not service.is_active:
        raise BookingRefused(_("This service is not offered at this hospital."), code="service_not_offered")
    if slot.clinician_id:
        if not slot.clinician.is_active or not facts.offers_service:
            raise BookingRefused(_("This doctor does not offer this service."), code="service_not_offered")
    elif slot.package_id != service.pk:
        raise BookingRefused(_("This time belongs to another package."), code="service_not_offered")
    if slot.is_blocked:
        raise BookingRefused(_("This time is not open for booking."), code="slot_blocked")
    if slot.start < now:
        raise BookingRefused(_("This time is in the past."), code="slot_in_past")
    if slot.start < now + dt.timedelta(hours=policy.min_notice_hours):
        raise BookingRefused(_("This time is too soon to book. Please choose a later one."), code="too_soon")
    if slot.start > now + dt.timedelta(days=policy.max_days_ahead):
        raise BookingRefused(_("This time is too far ahead to book yet."), code="too_far_ahead")
    zone = zoneinfo.ZoneInfo(slot.hospital.time_zone)
    if slot.start.astimezone(zone).time() < policy.opens_at or slot.end.astimezone(zone).time() > policy.closes_at:
        raise BookingRefused(_("This time is outside the hospital's opening hours."), code="outside_opening_hours")
    if patient.merged_into_id:
        raise BookingRefused(_("This record was merged into another one."), code="patient_merged")
    if facts.patient_busy:
        raise Conflict(_("The patient already has an appointment at this time."), code="patient_overlap")


def free_slots_like(slot, *, service, limit=3):
    """Return the next free slots for the same service (same clinician first): alternatives to offer after a 409."""
    from carebridge.scheduling.selectors import free_slots

    qs = free_slots(hospital=slot.hospital, service=service, start=slot.start)
    same = list(qs.filter(clinician=slot.clinician_id)[:limit]) if slot.clinician_id else list(qs[:limit])
    return same or list(qs[:limit])


def _interpreter_need(patient, slot, facts):
    if patient.interpreter_needed:
        return True
    if slot.clinician_id:
        return not facts.clinician_speaks
    # Check-up centres run in Chinese and English; other languages need an interpreter at the stations.
    return not patient.preferred_language.lower().startswith(("zh", "en"))


class _ClaimLost(Exception):
    """The claim's insert hit the one-live-appointment-per-slot index: another booking holds the slot."""


def appointment_book(*, patient, slot, service, booked_by, note="", rescheduled_from=None, request=None):
    """Book a slot for a patient: the database's unique claim decides a race; the loser gets SlotTaken (409)."""
    now = timezone.now()
    facts = booking_facts(slot=slot, service=service, patient=patient)
    _check_bookable(slot=slot, service=service, patient=patient, now=now, facts=facts)
    needs_interpreter = _interpreter_need(patient, slot, facts)
    try:
        # The claim is the transaction's first write. A lost race rolls back the whole transaction (or, inside a
        # caller's transaction such as a reschedule, this block's savepoint) before the alternatives are read.
        with transaction.atomic():
            try:
                appointment = Appointment.objects.create(
                    hospital=slot.hospital, patient=patient, service=service, clinician=slot.clinician, slot=slot,
                    start=slot.start, end=slot.end, booked_by=booked_by, note=note[:2000],
                    interpreter_needed=needs_interpreter,
                    interpreter_language=patient.preferred_language if needs_interpreter else "",
                    check_in_code=secrets.token_urlsafe(12), rescheduled_from=rescheduled_from,
                )
            except IntegrityError as exc:
                raise _ClaimLost from exc
            if not facts.patient_registered:
                record_number_assign(patient=patient, hospital=slot.hospital)
            if service.kind == Service.Kind.CHECKUP_PACKAGE:
                _itinerary_build(appointment)
            signals.appointment_booked.send(sender=Appointment, appointment=appointment, request=request)
            jobs_schedule(name="scheduling.reminder", runs=[
                (appointment.start - before, {"appointment_id": appointment.pk, "kind": kind})
                for kind, before in REMINDERS if appointment.start - before > now])
            audit_record(action="appointment.booked", actor=booked_by, request=request, organisation=slot.hospital,
                         object_type="appointment", object_id=appointment.public_id,
                         patient_public_id=patient.public_id)
            # Whether the patient has guardians was asked with the facts, a moment ago: the message need not ask.
            transaction.on_commit(lambda: _message(appointment, "scheduling/messages/booked", invite=True,
                                                   guardians=facts.patient_has_guardians))
    except _ClaimLost as lost:
        raise SlotTaken(details={"alternatives": [
            {"slot_id": str(s.public_id), "start": s.start.isoformat(), "clinician": s.clinician.name
             if s.clinician_id else ""} for s in free_slots_like(slot, service=service)]}) from lost.__cause__
    return appointment


def _message(appointment, template, invite=False, guardians=True):
    appointment_message_send(appointment=appointment, template=template, with_invite=invite, guardians=guardians)


def _itinerary_build(appointment):
    """Lay out the check-up day: stations one after another, in the patient's area (women's or men's)."""
    sex = appointment.patient.sex
    start = appointment.start
    stops = []
    for station in appointment.service.stations.all():
        if station.area in ("female", "male") and sex in ("female", "male") and station.area != sex:
            continue
        end = start + dt.timedelta(minutes=station.duration_minutes)
        stops.append(ItineraryStop(appointment=appointment, station=station, start=start, end=end, area=station.area))
        start = end
    ItineraryStop.objects.bulk_create(stops)


def _check_cutoff(appointment, actor_is_staff, now):
    policy = booking_policy(appointment.hospital)
    if not actor_is_staff and appointment.start - now < dt.timedelta(hours=policy.cancel_cutoff_hours):
        raise BookingRefused(
            _("It is too late to change this appointment online. Please call the international department."),
            code="past_cutoff", details={"cutoff_hours": policy.cancel_cutoff_hours})


def appointment_cancel(*, appointment, actor, actor_is_staff=False, reason="", request=None, notify=True):
    """Cancel a live appointment (patients until the cut-off; staff any time); its slot is free again at once."""
    if not appointment.is_live:
        raise Conflict(_("This appointment is not active any more."), code="appointment_not_live")
    _check_cutoff(appointment, actor_is_staff, timezone.now())
    with transaction.atomic():
        now = timezone.now()
        updated = Appointment.objects.filter(pk=appointment.pk, status__in=Appointment.LIVE).update(
            status=Appointment.Status.CANCELLED, cancelled_at=now, cancel_reason=reason[:200], updated_at=now)
        if not updated:
            raise Conflict(_("This appointment is not active any more."), code="appointment_not_live")
        appointment.refresh_from_db()
        signals.appointment_cancelled.send(sender=Appointment, appointment=appointment, request=request)
        audit_record(action="appointment.cancelled", actor=actor, request=request, organisation=appointment.hospital,
                     object_type="appointment", object_id=appointment.public_id,
                     patient_public_id=appointment.patient.public_id, details={"reason": reason[:200]})
        if notify:
            transaction.on_commit(lambda: _message(appointment, "scheduling/messages/cancelled"))
    return appointment


def appointment_reschedule(*, appointment, slot, actor, actor_is_staff=False, request=None):
    """Move an appointment to another slot: the new one is claimed before the old one is freed, in one transaction."""
    _check_cutoff(appointment, actor_is_staff, timezone.now())
    with transaction.atomic():
        # Cancel first so the interpreter and anything else the old time held is free for the new one;
        # if the new slot is taken, the whole move rolls back and the old appointment stands.
        appointment_cancel(appointment=appointment, actor=actor, actor_is_staff=True, reason="rescheduled",
                           request=request, notify=False)
        moved = appointment_book(patient=appointment.patient, slot=slot, service=appointment.service,
                                 booked_by=actor, note=appointment.note, rescheduled_from=appointment, request=request)
    return moved


def appointment_confirm(*, appointment, actor, request=None):
    """Confirm a booked appointment (the desk, once the visit is arranged: interpreter, documents, payment)."""
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
            status=Appointment.Status.CONFIRMED, updated_at=timezone.now())
        if not updated:
            raise Conflict(_("Only a booked appointment can be confirmed."), code="cannot_confirm")
        audit_record(action="appointment.confirmed", actor=actor, request=request, organisation=appointment.hospital,
                     object_type="appointment", object_id=appointment.public_id,
                     patient_public_id=appointment.patient.public_id)
    appointment.refresh_from_db()
    return appointment


def appointment_close(*, appointment, actor, outcome, request=None):
    """Record the end of a visit: completed (after check-in) or no-show (the patient never came)."""
    allowed = {Appointment.Status.COMPLETED: (Appointment.Status.CHECKED_IN,),
               Appointment.Status.NO_SHOW: (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)}
    if outcome not in allowed:
        raise ValidationFailed(details={"outcome": [str(_("Choose completed or no-show."))]})
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, status__in=allowed[outcome]).update(
            status=outcome, updated_at=timezone.now())
        if not updated:
            raise Conflict(_("This appointment cannot be closed that way now."), code="cannot_close")
        audit_record(action=f"appointment.{outcome}", actor=actor, request=request, organisation=appointment.hospital,
                     object_type="appointment", object_id=appointment.public_id,
                     patient_public_id=appointment.patient.public_id)
    appointment.refresh_from_db()
    return appointment


def appointment_check_in(*, appointment, actor, request=None):
    """Mark a patient arrived (the desk scans the check-in QR code)."""
    if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED):
        raise Conflict(_("This appointment cannot be checked in."), code="cannot_check_in")
    local_day = timezone.localdate(appointment.start, zoneinfo.ZoneInfo(appointment.hospital.time_zone))
    if local_day != timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(appointment.hospital.time_zone)):
        raise BookingRefused(_("Check-in is open on the day of the appointment only."), code="not_today")
    with transaction.atomic():
        appointment.status = Appointment.Status.CHECKED_IN
        appointment.checked_in_at = timezone.now()
        appointment.save(update_fields=["status", "checked_in_at", "updated_at"])
        audit_record(action="appointment.checked_in", actor=actor, request=request, organisation=appointment.hospital,
                     object_type="appointment", object_id=appointment.public_id,
                     patient_public_id=appointment.patient.public_id)
    return appointment


def room_book(*, patient, room_type, check_in, check_out, booked_by, extras=(), request=None):
    """Book a room of a type for nights [check_in, check_out): each night is claimed; the first free room wins."""
    if not isinstance(check_in, dt.date) or not isinstance(check_out, dt.date) or check_out <= check_in:
        raise ValidationFailed(details={"check_out": [str(_("Check-out must be after check-in."))]})
    today = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(room_type.hospital.time_zone))
    if check_in < today:
        raise BookingRefused(_("The check-in date is in the past."), code="date_in_past")
    offered = {extra["code"]: extra for extra in room_type.extras}
    unknown = [code for code in extras if code not in offered]
    if unknown:
        raise ValidationFailed(details={"extras": [str(_("Choose extras from the list."))]})
    nights = list(days_between(check_in, check_out - dt.timedelta(days=1)))
    for room in Room.objects.filter(room_type=room_type, is_active=True).order_by("number"):
        try:
            with transaction.atomic():
                booking = RoomBooking.objects.create(patient=patient, room=room, check_in=check_in,
                                                     check_out=check_out, booked_by=booked_by,
                                                     extras=[offered[code] for code in extras])
                RoomNight.objects.bulk_create([RoomNight(booking=booking, room=room, night=n) for n in nights])
                audit_record(action="room.booked", actor=booked_by, request=request, organisation=room_type.hospital,
                             object_type="room_booking", object_id=booking.public_id,
                             patient_public_id=patient.public_id)
            return booking
        except IntegrityError:
            continue
    others = [room_type_other for room_type_other in room_types_free(hospital=room_type.hospital, check_in=check_in,
                                                                    check_out=check_out)
              if room_type_other.pk != room_type.pk]
    raise RoomUnavailable(details={"alternatives": [
        {"room_type_id": str(other.public_id), "name": other.translated("name"), "kind": other.kind,
         "nightly_price_cny": str(other.nightly_price)} for other in others]})


def room_booking_cancel(*, booking, actor, request=None):
    """Cancel a room booking and release its nights."""
    with transaction.atomic():
        if booking.status == RoomBooking.Status.CANCELLED:
            raise Conflict(_("This booking is already cancelled."), code="booking_not_live")
        booking.status = RoomBooking.Status.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        booking.nights.all().delete()
        audit_record(action="room.cancelled", actor=actor, request=request, object_type="room_booking",
                     object_id=booking.public_id, patient_public_id=booking.patient.public_id)
    return booking


def room_types_free(*, hospital, check_in, check_out):
    """Return the room types of a hospital with at least one room free for all the nights."""
    nights = list(days_between(check_in, check_out - dt.timedelta(days=1)))
    taken = RoomNight.objects.filter(night__in=nights).values("room_id")
    return [room_type for room_type in RoomType.objects.filter(hospital=hospital)
            if Room.objects.filter(room_type=room_type, is_active=True).exclude(pk__in=taken).exists()]
