"""The booking path after it was made cheaper: every guarantee holds, in fewer statements."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carebridge.audit.models import AuditEvent
from carebridge.core.models import Job
from carebridge.patients.models import MedicalRecordNumber, Patient
from carebridge.patients.services import record_number_assign
from carebridge.patients.tests.factories import registered_child
from carebridge.scheduling import services
from carebridge.scheduling.models import Appointment
from carebridge.scheduling.selectors import booking_facts
from carebridge.scheduling.tests.factories import at, consultation, doctor, open_slot, working_day
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


@pytest.mark.parametrize(("languages", "interpreter"), [
    ([("mn", "fluent")], False),
    ([("MN", "native")], False),
    ([("mn-Cyrl", "native")], False),
    ([("mn", "basic")], True),
    ([("mni", "native")], True),  # Manipuri shares the first letters, not the language
    ([("zh-hans", "native"), ("en", "fluent")], True),
])
def test_an_interpreter_is_needed_unless_the_doctor_consults_in_the_patients_language(
        temuulen, haikou, service, guardian, languages, interpreter):
    speaker = doctor(haikou, service, name="Dr Bat", languages=languages)

    appointment = services.appointment_book(patient=temuulen, slot=open_slot(speaker, at(working_day(), 9)),
                                            service=service, booked_by=guardian)

    assert appointment.interpreter_needed is interpreter
    assert appointment.interpreter_language == ("mn" if interpreter else "")


def test_the_booking_facts_answer_each_question_for_this_patient_service_and_slot(
        temuulen, haikou, chongqing, service, dr_chen, guardian):
    slot = open_slot(dr_chen, at(working_day(), 9))
    facts = booking_facts(slot=slot, service=service, patient=temuulen)
    assert (facts.offers_service, facts.patient_busy, facts.clinician_speaks, facts.patient_registered,
            facts.patient_has_guardians) == (True, False, False, True, True)
    adult = Patient.objects.create(family_name="Wang", date_of_birth=dt.date(1990, 1, 1), registered_by=guardian,
                                   preferred_language="zh-Hans")
    assert booking_facts(slot=slot, service=service, patient=adult).clinician_speaks
    assert not booking_facts(slot=slot, service=service, patient=adult).patient_has_guardians

    services.appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    overlapping = open_slot(doctor(haikou, service, name="Dr Sarah Lim"), slot.start + dt.timedelta(minutes=15))
    assert booking_facts(slot=overlapping, service=service, patient=temuulen).patient_busy

    other_service = consultation(haikou, code="consult-thyroid", name="Thyroid surgery consultation")
    assert not booking_facts(slot=slot, service=other_service, patient=temuulen).offers_service

    elsewhere = consultation(chongqing)
    far_slot = open_slot(doctor(chongqing, elsewhere, name="Dr Li Na"), at(working_day(), 9))
    assert not booking_facts(slot=far_slot, service=elsewhere, patient=temuulen).patient_registered


def test_a_reschedule_onto_a_slot_just_taken_gets_409_with_alternatives_and_the_old_time_stands(
        temuulen, service, dr_chen, guardian, coordinator, haikou):
    appointment = services.appointment_book(patient=temuulen, slot=open_slot(dr_chen, at(working_day(), 9)),
                                            service=service, booked_by=guardian)
    wanted = open_slot(dr_chen, at(working_day(), 14))
    free = open_slot(dr_chen, at(working_day(), 15))
    someone = Patient.objects.create(family_name="Dorj", date_of_birth=dt.date(1980, 1, 1),
                                     registered_by=coordinator, preferred_language="en")
    record_number_assign(patient=someone, hospital=haikou)
    services.appointment_book(patient=someone, slot=wanted, service=service, booked_by=coordinator)

    response = signed_in(guardian).post(f"/api/v1/appointments/{appointment.public_id}/reschedule",
                                        {"slot_id": str(wanted.public_id)}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert [a["slot_id"] for a in response.json()["details"]["alternatives"]] == [str(free.public_id)]
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert Appointment.objects.filter(patient=temuulen).count() == 1


def test_a_desk_booking_keeps_every_guarantee_in_a_bounded_number_of_statements(coordinator, haikou, service,
                                                                                 dr_chen):
    patient = Patient.objects.create(family_name="Wang", date_of_birth=dt.date(1990, 1, 1),
                                     registered_by=coordinator, preferred_language="zh-hans")
    record_number_assign(patient=patient, hospital=haikou)
    slot = open_slot(dr_chen, at(working_day(), 9))
    client = signed_in(coordinator)
    # A desk working through a queue: the hospital's booking policy and the service were read for the last patient.
    earlier = Patient.objects.create(family_name="Li", date_of_birth=dt.date(1985, 1, 1),
                                     registered_by=coordinator, preferred_language="zh-hans")
    record_number_assign(patient=earlier, hospital=haikou)
    assert client.post("/api/v1/appointments", {
        "patient_id": str(earlier.public_id), "slot_id": str(open_slot(dr_chen, at(working_day(), 11)).public_id),
        "service_id": str(service.public_id)}, content_type="application/json").status_code == 201

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/appointments", {
            "patient_id": str(patient.public_id), "slot_id": str(slot.public_id),
            "service_id": str(service.public_id)}, content_type="application/json")

    assert response.status_code == 201
    appointment = Appointment.objects.get(public_id=response.json()["id"])
    assert appointment.slot == slot and appointment.status == "booked" and not appointment.interpreter_needed
    assert AuditEvent.objects.filter(action="appointment.booked", object_id=str(appointment.public_id)).exists()
    assert AuditEvent.objects.filter(action="patient.open_for_change",
                                     patient_public_id=patient.public_id).exists()
    assert Job.objects.filter(name="scheduling.reminder", kwargs__appointment_id=appointment.pk).count() == 2
    assert MedicalRecordNumber.objects.filter(patient=patient).count() == 1
    # Session, user, second factor, memberships; patient, its record number, access audit; slot, the booking facts;
    # the claim, reminders, audit in one transaction (a savepoint here, inside the test's transaction); the session
    # saved in another. No guardian, no e-mail address, no phone: nobody to look up after commit.
    assert len(queries) <= 17, "\n".join(q["sql"][:120] for q in queries.captured_queries)


def test_a_service_withdrawn_after_a_booking_is_refused_at_once_though_services_are_cached(
        temuulen, service, dr_chen, guardian):
    client = signed_in(guardian)

    def book(hour):
        return client.post("/api/v1/appointments", {
            "patient_id": str(temuulen.public_id), "slot_id": str(open_slot(dr_chen, at(working_day(), hour)).public_id),
            "service_id": str(service.public_id)}, content_type="application/json")

    assert book(9).status_code == 201
    service.is_active = False
    service.save()

    refused = book(11)

    assert refused.status_code == 400 and refused.json()["code"] == "service_not_offered"


def test_a_hospital_changed_after_a_booking_is_read_afresh_though_hospitals_are_cached(
        temuulen, service, dr_chen, guardian, haikou):
    client = signed_in(guardian)

    def book(hour):
        return client.post("/api/v1/appointments", {
            "patient_id": str(temuulen.public_id), "slot_id": str(open_slot(dr_chen, at(working_day(), hour)).public_id),
            "service_id": str(service.public_id)}, content_type="application/json")

    assert book(9).status_code == 201
    haikou.time_zone = "America/New_York"  # 11:00 in Shanghai is the night before in New York
    haikou.save()

    refused = book(11)

    assert refused.status_code == 400 and refused.json()["code"] == "outside_opening_hours"
