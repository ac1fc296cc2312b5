"""A patient abroad books a doctor in her own time zone; the hospital never books one slot twice."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from carebridge.audit.models import AuditEvent
from carebridge.core.models import Job
from carebridge.notifications import sms
from carebridge.patients.models import MedicalRecordNumber
from carebridge.patients.tests.factories import registered_child
from carebridge.scheduling import services
from carebridge.scheduling.models import Appointment, Slot
from carebridge.scheduling.tests.factories import (
    at,
    checkup_package,
    consultation,
    doctor,
    open_slot,
    working_day,
)
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(haikou):
    return consultation(haikou)


@pytest.fixture
def dr_chen(haikou, service):
    return doctor(haikou, service)


@pytest.fixture
def temuulen(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.fixture
def slot(dr_chen):
    return open_slot(dr_chen, at(working_day(), 10))


def test_a_guardian_books_a_slot_and_gets_an_invitation_in_her_language(guardian, temuulen, service, slot,
                                                                        django_capture_on_commit_callbacks):
    client = signed_in(guardian)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/book/{service.public_id}/", {"slot": str(slot.public_id),
                                                               "patient": str(temuulen.public_id)})

    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == f"/appointments/{appointment.public_id}/"
    assert (appointment.patient, appointment.slot, appointment.status) == (temuulen, slot, "booked")
    message = mail.outbox[-1]
    assert message.to == [guardian.email]
    invite = Calendar.from_ical(message.attachments[0][1])
    event = invite.walk("VEVENT")[0]
    assert event.decoded("dtstart") == slot.start
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)


def test_the_doctor_who_does_not_speak_mongolian_gets_an_interpreter_requested(temuulen, service, slot, guardian):
    appointment = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)

    assert appointment.interpreter_needed and appointment.interpreter_language == "mn"


def test_a_doctor_who_speaks_the_patients_language_needs_no_interpreter(other_patient, haikou, service):
    from carebridge.patients.services import patient_register

    english_doctor = doctor(haikou, service, name="Dr Sarah Lim", languages=[("en", "native")])
    maria, _ = patient_register(registered_by=other_patient, hospital=haikou, acting_as="self",
                                details={"family_name": "Santos", "given_names": "Maria",
                                         "date_of_birth": dt.date(1988, 3, 15), "preferred_language": "en",
                                         "home_time_zone": "Asia/Manila"},
                                consents=["personal_data", "sensitive_health_data"])

    appointment = services.appointment_book(patient=maria, slot=open_slot(english_doctor, at(working_day(), 11)),
                                            service=service, booked_by=other_patient)

    assert not appointment.interpreter_needed


def test_the_second_booking_of_a_slot_gets_409_with_alternatives_and_reserves_nothing(
        temuulen, service, slot, dr_chen, guardian, coordinator, haikou):
    later = open_slot(dr_chen, at(working_day(), 11))
    services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    from carebridge.patients.services import patient_register

    other, _ = patient_register(registered_by=coordinator, hospital=haikou, acting_as="staff",
                                details={"family_name": "Dorj", "date_of_birth": dt.date(1980, 1, 1),
                                         "preferred_language": "en", "home_time_zone": "Asia/Ulaanbaatar"},
                                consents=["personal_data", "sensitive_health_data"])

    response = signed_in(coordinator).post("/api/v1/appointments", {
        "patient_id": str(other.public_id), "slot_id": str(slot.public_id), "service_id": str(service.public_id)},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_taken"
    assert [a["slot_id"] for a in body["details"]["alternatives"]] == [str(later.public_id)]
    assert Appointment.objects.filter(patient=other).count() == 0


@pytest.mark.parametrize(("change", "code"), [
    ("past", "slot_in_past"), ("too_soon", "too_soon"), ("night", "outside_opening_hours"),
    ("not_offered", "service_not_offered"), ("blocked", "slot_blocked"), ("too_far", "too_far_ahead"),
])
def test_a_booking_that_breaks_a_rule_gets_a_400_with_the_reason(temuulen, service, dr_chen, guardian, haikou,
                                                                change, code):
    now = timezone.now()
    starts = {"past": now - dt.timedelta(hours=3), "too_soon": now + dt.timedelta(minutes=30),
              "night": at(working_day(), 22), "too_far": at(working_day(200), 10)}
    slot = open_slot(dr_chen, starts.get(change, at(working_day(), 9)))
    target_service = service
    if change == "blocked":
        Slot.objects.filter(pk=slot.pk).update(is_blocked=True)
    if change == "not_offered":
        target_service = consultation(haikou, code="consult-thyroid", name="Thyroid surgery consultation")

    response = signed_in(guardian).post("/api/v1/appointments", {
        "patient_id": str(temuulen.public_id), "slot_id": str(slot.public_id),
        "service_id": str(target_service.public_id)}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Appointment.objects.exists()


def test_booking_gives_a_record_number_at_a_hospital_new_to_the_patient(guardian, temuulen, chongqing):
    elsewhere = consultation(chongqing)
    slot = open_slot(doctor(chongqing, elsewhere, name="Dr Li Na"), at(working_day(), 9))

    services.appointment_book(patient=temuulen, slot=slot, service=elsewhere, booked_by=guardian)

    assert MedicalRecordNumber.objects.filter(patient=temuulen, hospital=chongqing).exists()


def test_reminders_are_queued_48_and_3_hours_before_and_sent_once_in_the_patients_language(
        temuulen, service, slot, guardian):
    appointment = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    reminders = Job.objects.filter(name="scheduling.reminder")
    assert sorted(j.kwargs["kind"] for j in reminders) == ["3h", "48h"]
    assert {j.run_after for j in reminders} == {slot.start - dt.timedelta(hours=48), slot.start - dt.timedelta(hours=3)}
    from carebridge.scheduling.tasks import appointment_reminder_send

    mail.outbox.clear()
    sms.outbox.clear()
    appointment_reminder_send(appointment_id=appointment.pk, kind="48h")
    appointment_reminder_send(appointment_id=appointment.pk, kind="48h")  # a job may run twice after a crash

    from carebridge.core.jobs import jobs_run_due

    jobs_run_due()
    assert len([m for m in mail.outbox if m.to == [guardian.email]]) == 1
    assert len(sms.outbox) == 1 and sms.outbox[0]["to"] == "+97699112233"


def test_a_guardian_cancels_before_the_cut_off_and_the_slot_is_free_again(temuulen, service, slot, guardian):
    appointment = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)

    response = signed_in(guardian).post(f"/api/v1/appointments/{appointment.public_id}/cancel", {"reason": "flight"},
                                        content_type="application/json")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    assert again.status == "booked"


def test_past_the_cut_off_the_patient_cannot_cancel_online_but_the_desk_can(temuulen, service, dr_chen, guardian,
                                                                             coordinator):
    soon = open_slot(dr_chen, timezone.now().astimezone(at(working_day(), 9).tzinfo).replace(
        minute=0, second=0, microsecond=0) + dt.timedelta(hours=5))
    Slot.objects.filter(pk=soon.pk).update(start=at(working_day(), 9), end=at(working_day(), 9, 30))
    soon.refresh_from_db()
    appointment = services.appointment_book(patient=temuulen, slot=soon, service=service, booked_by=guardian)
    Appointment.objects.filter(pk=appointment.pk).update(start=timezone.now() + dt.timedelta(hours=5))

    patient_try = signed_in(guardian).post(f"/api/v1/appointments/{appointment.public_id}/cancel", {},
                                           content_type="application/json")
    desk_try = signed_in(coordinator).post(f"/api/v1/appointments/{appointment.public_id}/cancel", {},
                                           content_type="application/json")

    assert patient_try.status_code == 400 and patient_try.json()["code"] == "past_cutoff"
    assert desk_try.status_code == 200


def test_rescheduling_claims_the_new_slot_and_frees_the_old(temuulen, service, slot, dr_chen, guardian):
    appointment = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    later = open_slot(dr_chen, at(working_day(), 15))

    response = signed_in(guardian).post(f"/api/v1/appointments/{appointment.public_id}/reschedule",
                                        {"slot_id": str(later.public_id)}, content_type="application/json")

    assert response.status_code == 201
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert Appointment.objects.get(slot=later, status="booked").rescheduled_from == appointment


def test_the_desk_checks_the_patient_in_from_the_qr_code_on_the_day(temuulen, service, dr_chen, guardian,
                                                                    coordinator):
    slot = open_slot(dr_chen, at(working_day(), 9))
    appointment = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    # Starting now: the same hospital day as the check-in, whatever the hour (23:45 in Haikou is 15:45 UTC).
    Appointment.objects.filter(pk=appointment.pk).update(start=timezone.now())

    page = signed_in(guardian).get(f"/appointments/{appointment.public_id}/")
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    response = signed_in(coordinator).post(f"/desk/check-in/{appointment.check_in_code}/")

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "checked_in"
    assert AuditEvent.objects.filter(action="appointment.checked_in").exists()


def test_a_checkup_package_is_booked_as_a_days_itinerary_in_the_patients_area(temuulen, guardian, haikou):
    package = checkup_package(haikou)
    slot = Slot.objects.create(hospital=haikou, package=package, lane=0, start=at(working_day(), 8),
                               end=at(working_day(), 11))

    appointment = services.appointment_book(patient=temuulen, slot=slot, service=package, booked_by=guardian)

    stations = [stop.station.name for stop in appointment.itinerary.all()]
    assert stations == ["Registration", "Blood draw", "Ultrasound (men)", "ECG", "Doctor's summary"]
    stops = list(appointment.itinerary.all())
    assert all(a.end == b.start for a, b in zip(stops, stops[1:], strict=False))


def test_availability_is_shown_in_the_patients_home_time_zone_and_the_hospitals(guardian, temuulen, service, slot):
    response = signed_in(guardian).get(f"/book/{service.public_id}/", {"patient": str(temuulen.public_id)})

    assert response.status_code == 200
    assert slot in response.context["slots"]
    html = response.content.decode()
    assert "Asia/Ulaanbaatar" in html and "Asia/Shanghai" in html


def test_the_api_lists_free_times_with_local_times_and_filters_doctors_by_language(service, slot, dr_chen, haikou):
    from django.test import Client

    found = Client().get(f"/api/v1/services/{service.public_id}/availability",
                         {"patient_time_zone": "Asia/Vladivostok", "language": "en"}).json()
    none = Client().get(f"/api/v1/services/{service.public_id}/availability", {"language": "ru"}).json()
    doctors = Client().get(f"/api/v1/hospitals/{haikou.public_id}/clinicians", {"language": "en"}).json()

    assert [s["id"] for s in found["slots"]] == [str(slot.public_id)]
    assert found["slots"][0]["start_local_patient"].endswith("+10:00")
    assert none["slots"] == []
    assert [d["name"] for d in doctors] == ["Dr Chen Wei"]


def test_slots_are_generated_from_weekly_hours_skipping_holidays_and_closures(dr_chen, haikou):
    from carebridge.scheduling.models import HospitalClosure, ScheduleTemplate

    for weekday in range(7):
        ScheduleTemplate.objects.create(clinician=dr_chen, weekday=weekday, start=dt.time(8), end=dt.time(10),
                                        slot_minutes=30)
    national_day = dt.date(2027, 10, 1)
    closure = dt.date(2027, 10, 11)
    HospitalClosure.objects.create(hospital=haikou, date=closure, reason="Typhoon")

    services.slots_generate(clinician=dr_chen, start_date=dt.date(2027, 9, 27), end_date=dt.date(2027, 10, 12))
    services.slots_generate(clinician=dr_chen, start_date=dt.date(2027, 9, 27), end_date=dt.date(2027, 10, 12))

    days = {s.start.astimezone(at(national_day, 8).tzinfo).date() for s in Slot.objects.filter(clinician=dr_chen)}
    assert national_day not in days and closure not in days
    assert dt.date(2027, 9, 27) in days  # an ordinary Monday
    assert Slot.objects.filter(clinician=dr_chen, start=at(dt.date(2027, 9, 27), 8)).count() == 1


def test_the_desk_confirms_a_booked_appointment_and_a_guardian_cannot(temuulen, service, slot, guardian, coordinator):
    appointment = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)

    refused = signed_in(guardian).post(f"/api/v1/appointments/{appointment.public_id}/confirm")
    confirmed = signed_in(coordinator).post(f"/api/v1/appointments/{appointment.public_id}/confirm")
    again = signed_in(coordinator).post(f"/api/v1/appointments/{appointment.public_id}/confirm")

    assert refused.status_code == 404
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert again.status_code == 409 and again.json()["code"] == "cannot_confirm"


def test_the_desk_closes_a_visit_as_completed_or_no_show(temuulen, service, slot, dr_chen, guardian, coordinator):
    visited = services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    missed = services.appointment_book(patient=temuulen, slot=open_slot(dr_chen, at(working_day(), 16)),
                                       service=service, booked_by=guardian)
    Appointment.objects.filter(pk=visited.pk).update(status="checked_in")
    client = signed_in(coordinator)

    done = client.post(f"/api/v1/appointments/{visited.public_id}/close", {"outcome": "completed"},
                       content_type="application/json")
    no_show = client.post(f"/api/v1/appointments/{missed.public_id}/close", {"outcome": "no_show"},
                          content_type="application/json")
    wrong = client.post(f"/api/v1/appointments/{missed.public_id}/close", {"outcome": "completed"},
                        content_type="application/json")

    assert done.json()["status"] == "completed" and no_show.json()["status"] == "no_show"
    assert wrong.status_code == 409 and wrong.json()["code"] == "cannot_close"


def test_a_patient_cannot_hold_two_appointments_at_the_same_time(temuulen, service, slot, haikou, guardian):
    services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    other_doctor = doctor(haikou, service, name="Dr Sarah Lim", languages=[("en", "native")])

    response = signed_in(guardian).post("/api/v1/appointments", {
        "patient_id": str(temuulen.public_id), "slot_id": str(open_slot(other_doctor, slot.start).public_id),
        "service_id": str(service.public_id)}, content_type="application/json")

    assert response.status_code == 409 and response.json()["code"] == "patient_overlap"
    assert Appointment.objects.filter(patient=temuulen).count() == 1


def test_when_the_last_suite_is_taken_other_free_room_types_are_offered(temuulen, guardian, coordinator, haikou):
    from carebridge.scheduling.models import RoomType
    from carebridge.scheduling.tests.factories import rooms

    suite = rooms(haikou, count=1)
    single = RoomType.objects.create(hospital=haikou, kind="single", name="Single room", nightly_price="1280.00")
    single.rooms.create(number="501")
    check_in = working_day()
    services.room_book(patient=temuulen, room_type=suite, check_in=check_in,
                       check_out=check_in + dt.timedelta(days=3), booked_by=guardian)

    response = signed_in(guardian).post("/api/v1/room-bookings", {
        "patient_id": str(temuulen.public_id), "room_type_id": str(suite.public_id),
        "check_in": (check_in + dt.timedelta(days=1)).isoformat(),
        "check_out": (check_in + dt.timedelta(days=2)).isoformat()}, content_type="application/json")

    assert response.status_code == 409 and response.json()["code"] == "room_unavailable"
    assert [a["room_type_id"] for a in response.json()["details"]["alternatives"]] == [str(single.public_id)]


def test_a_room_booking_with_extras_and_bad_dates(temuulen, guardian, haikou):
    from carebridge.scheduling.tests.factories import rooms

    suite = rooms(haikou, count=1)
    check_in = working_day()
    client = signed_in(guardian)

    booked = client.post("/api/v1/room-bookings", {
        "patient_id": str(temuulen.public_id), "room_type_id": str(suite.public_id), "check_in": check_in.isoformat(),
        "check_out": (check_in + dt.timedelta(days=4)).isoformat(), "extras": ["meals_halal"]},
        content_type="application/json")
    backwards = client.post("/api/v1/room-bookings", {
        "patient_id": str(temuulen.public_id), "room_type_id": str(suite.public_id),
        "check_in": (check_in + dt.timedelta(days=9)).isoformat(), "check_out": (check_in + dt.timedelta(days=8)).isoformat()},
        content_type="application/json")
    unknown_extra = client.post("/api/v1/room-bookings", {
        "patient_id": str(temuulen.public_id), "room_type_id": str(suite.public_id),
        "check_in": (check_in + dt.timedelta(days=10)).isoformat(),
        "check_out": (check_in + dt.timedelta(days=11)).isoformat(), "extras": ["helicopter"]},
        content_type="application/json")

    assert booked.status_code == 201 and booked.json()["extras"][0]["code"] == "meals_halal"
    assert backwards.status_code == 400 and unknown_extra.status_code == 400
