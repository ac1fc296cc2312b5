"""Schedules and slots show what is free; an appointment is read only by those in the patient's care, and audited."""

import datetime as dt

import pytest
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from carebridge.audit.models import AuditEvent
from carebridge.interop.tests.helpers import as_fhir, bearer, bundle_resources, token_for
from carebridge.patients.services import patient_register
from carebridge.scheduling.services import appointment_book, appointment_cancel, package_slots_generate
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

PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
INTERPRETER_LANGUAGE = "urn:carebridge:fhir:extension:interpreter-language"
OUTSIDERS = ["other_coordinator", "case_manager", "agent"]


def _ids(response):
    return [resource.id for resource in bundle_resources(as_fhir(response))]


def test_a_clinicians_schedule_names_the_practitioner_and_the_services(guardian, dr_chen, haikou, service):
    schedule = as_fhir(signed_in(guardian).get(f"/fhir/r4/Schedule/{dr_chen.public_id}"))

    assert isinstance(schedule, Schedule)
    assert [actor.reference for actor in schedule.actor] == [f"Practitioner/{dr_chen.public_id}",
                                                              f"Location/{haikou.public_id}"]
    assert schedule.serviceType[0].coding[0].code == service.code
    assert schedule.active is True


def test_schedules_are_found_by_actor(guardian, dr_chen, dr_petrova, haikou):
    package = checkup_package(haikou)
    client = signed_in(guardian)

    assert _ids(client.get("/fhir/r4/Schedule", {"actor": f"Practitioner/{dr_petrova.public_id}"})) == [
        str(dr_petrova.public_id)]
    assert _ids(client.get("/fhir/r4/Schedule", {"actor": f"HealthcareService/{package.public_id}"})) == [
        str(package.public_id)]
    by_hospital = as_fhir(client.get("/fhir/r4/Schedule", {"actor": f"Location/{haikou.public_id}", "_count": "2"}))
    assert by_hospital.total == 3 and len(by_hospital.entry) == 2
    next_page = next(link.url for link in by_hospital.link if link.relation == "next")
    assert _ids(client.get(next_page.removeprefix("http://testserver"))) == [str(package.public_id)]


def test_a_slot_is_free_then_busy_once_booked(guardian, temuulen, service, slot):
    client = signed_in(guardian)
    path = f"/fhir/r4/Slot/{slot.public_id}"

    before = as_fhir(client.get(path))
    appointment_book(patient=temuulen, slot=slot, service=service, booked_by=guardian)
    after = client.get(path)

    assert isinstance(before, FhirSlot)
    assert before.status == "free"
    assert as_fhir(after).status == "busy"
    assert before.schedule.reference == f"Schedule/{slot.clinician.public_id}"
    assert _ids(client.get("/fhir/r4/Slot", {"status": "busy"})) == [str(slot.public_id)]
    assert as_fhir(client.get("/fhir/r4/Slot", {"status": "free"})).total == 0


def test_a_cancelled_appointment_frees_its_slot(guardian, coordinator, appointment, slot):
    appointment_cancel(appointment=appointment, actor=coordinator, actor_is_staff=True, reason="flight cancelled")

    assert as_fhir(signed_in(guardian).get(f"/fhir/r4/Slot/{slot.public_id}")).status == "free"


def test_slot_times_are_utc_instants_with_their_offset(guardian, slot):
    body = signed_in(guardian).get(f"/fhir/r4/Slot/{slot.public_id}").json()

    start = dt.datetime.fromisoformat(body["start"])
    assert start.utcoffset() == dt.timedelta(0)
    assert start == slot.start
    assert dt.datetime.fromisoformat(body["end"]) == slot.end


def test_slots_are_found_by_schedule_and_by_the_hospitals_local_day(guardian, dr_chen, dr_petrova, slot):
    other = open_slot(dr_petrova, slot.start + dt.timedelta(days=1))
    day = slot.start.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    client = signed_in(guardian)

    assert _ids(client.get("/fhir/r4/Slot", {"schedule": f"Schedule/{dr_petrova.public_id}"})) == [
        str(other.public_id)]
    assert _ids(client.get("/fhir/r4/Slot", {"start": day.isoformat()})) == [str(slot.public_id)]
    assert _ids(client.get("/fhir/r4/Slot", {"start": f"gt{day.isoformat()}"})) == [str(other.public_id)]
    both = client.get(f"/fhir/r4/Slot?start=ge{day.isoformat()}&start=le{day.isoformat()}")
    assert _ids(both) == [str(slot.public_id)]
    utc_start = slot.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(client.get("/fhir/r4/Slot", {"start": utc_start})) == [str(slot.public_id)]
    assert _ids(client.get("/fhir/r4/Slot", {"start": f"lt{day.isoformat()}T10:00"})) == []
    assert _ids(client.get("/fhir/r4/Slot", {"start": f"le{day.isoformat()}T10:00"})) == [str(slot.public_id)]


def test_a_check_up_packages_lanes_are_slots_of_its_schedule(guardian, haikou, slot):
    package = checkup_package(haikou)
    day = slot.start.date()
    package_slots_generate(package=package, start_date=day, end_date=day, start_times=[dt.time(8, 0)], lanes=2)
    client = signed_in(guardian)

    schedule = as_fhir(client.get(f"/fhir/r4/Schedule/{package.public_id}"))
    lanes = as_fhir(client.get("/fhir/r4/Slot", {"schedule": str(package.public_id)}))

    assert schedule.actor[0].reference == f"HealthcareService/{package.public_id}"
    assert lanes.total == 2
    assert {s.schedule.reference for s in bundle_resources(lanes)} == {f"Schedule/{package.public_id}"}
    assert bundle_resources(lanes)[0].serviceType[0].coding[0].code == package.code


def test_the_guardian_reads_her_childs_appointment_with_doctor_and_interpreter(guardian, temuulen, dr_chen, haikou,
                                                                               appointment, slot):
    response = signed_in(guardian).get(f"/fhir/r4/Appointment/{appointment.public_id}")

    assert response.status_code == 200
    fhir = as_fhir(response)
    assert isinstance(fhir, FhirAppointment)
    assert response["ETag"] == f'W/"{fhir.meta.versionId}"'
    assert fhir.status == "booked"
    assert fhir.slot[0].reference == f"Slot/{slot.public_id}"
    actors = {participant.actor.reference for participant in fhir.participant if participant.actor}
    assert {f"Patient/{temuulen.public_id}", f"Practitioner/{dr_chen.public_id}",
            f"Location/{haikou.public_id}"} <= actors
    interpreter = next(p for p in fhir.participant if p.type and p.type[0].coding[0].code == "INTPRT")
    assert interpreter.type[0].coding[0].system == PARTICIPATION_TYPE
    language = next(e for e in interpreter.extension if e.url == INTERPRETER_LANGUAGE)
    assert language.valueCodeableConcept.coding[0].code == "mn"
    assert dt.datetime.fromisoformat(response.json()["start"]) == slot.start


def test_no_interpreter_is_listed_when_the_doctor_speaks_the_patients_language(other_patient, haikou, service):
    english_doctor = doctor(haikou, service, name="Dr Sarah Lim", languages=[("en", "native")])
    maria, _created = patient_register(
        registered_by=other_patient, hospital=haikou, acting_as="self",
        details={"family_name": "Santos", "given_names": "Maria", "sex": "female",
                 "date_of_birth": dt.date(1985, 3, 2), "nationality": "PH", "preferred_language": "en",
                 "home_time_zone": "Asia/Manila"},
        consents=["personal_data", "sensitive_health_data"])
    booked = appointment_book(patient=maria, slot=open_slot(english_doctor, at(working_day(), 11)), service=service,
                              booked_by=other_patient)

    fhir = as_fhir(signed_in(other_patient).get(f"/fhir/r4/Appointment/{booked.public_id}"))
    assert not any(p.type and p.type[0].coding[0].code == "INTPRT" for p in fhir.participant)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_for_the_appointment_and_empty_searches(who, request, temuulen, appointment):
    user = request.getfixturevalue(who)
    client = signed_in(user)

    read = client.get(f"/fhir/r4/Appointment/{appointment.public_id}")
    everything = client.get("/fhir/r4/Appointment")
    his = client.get("/fhir/r4/Appointment", {"patient": f"Patient/{temuulen.public_id}"})

    assert read.status_code == 404
    assert as_fhir(read).issue[0].code == "not-found"
    assert as_fhir(everything).total == 0 and not as_fhir(everything).entry
    assert as_fhir(his).total == 0
    assert AuditEvent.objects.filter(action="access.denied", actor_public_id=user.public_id,
                                     object_id=str(appointment.public_id)).exists()
    assert not AuditEvent.objects.filter(action="appointment.read", actor_public_id=user.public_id).exists()


def test_a_forbidden_appointment_answers_exactly_like_a_missing_one(other_coordinator, appointment):
    client = signed_in(other_coordinator)

    forbidden = client.get(f"/fhir/r4/Appointment/{appointment.public_id}")
    missing = client.get("/fhir/r4/Appointment/00000000-0000-4000-8000-000000000000")
    malformed = client.get("/fhir/r4/Appointment/not-a-uuid")

    assert forbidden.status_code == missing.status_code == malformed.status_code == 404
    assert forbidden.content == missing.content == malformed.content


def test_a_chongqing_token_cannot_read_a_haikou_appointment(system_client, chongqing, platform_admin, appointment):
    secret = token_for(chongqing, platform_admin)

    read = system_client.get(f"/fhir/r4/Appointment/{appointment.public_id}", **bearer(secret))
    search = system_client.get("/fhir/r4/Appointment", **bearer(secret))

    assert read.status_code == 404
    assert as_fhir(read).issue[0].code == "not-found"
    assert as_fhir(search).total == 0
    denied = AuditEvent.objects.get(action="access.denied", object_id=str(appointment.public_id))
    assert denied.organisation_public_id == chongqing.public_id
    assert not AuditEvent.objects.filter(action="appointment.read").exists()


def test_haikous_token_reads_and_finds_its_appointment_and_each_is_audited(system_client, haikou, platform_admin,
                                                                           temuulen, appointment):
    secret = token_for(haikou, platform_admin)

    read = system_client.get(f"/fhir/r4/Appointment/{appointment.public_id}", **bearer(secret))
    search = system_client.get("/fhir/r4/Appointment", {"patient": str(temuulen.public_id)}, **bearer(secret))

    assert as_fhir(read).id == str(appointment.public_id)
    assert _ids(search) == [str(appointment.public_id)]
    rows = AuditEvent.objects.filter(action="appointment.read", object_id=str(appointment.public_id))
    assert sorted(rows.values_list("purpose", flat=True)) == ["fhir-read", "fhir-search"]
    assert {row.organisation_public_id for row in rows} == {haikou.public_id}
    assert {row.patient_public_id for row in rows} == {temuulen.public_id}


def test_each_appointment_a_search_returns_writes_one_audit_row(coordinator, guardian, temuulen, service, dr_chen,
                                                               appointment, slot):
    second = appointment_book(patient=temuulen, slot=open_slot(dr_chen, slot.start + dt.timedelta(hours=1)),
                              service=service, booked_by=guardian)

    bundle = as_fhir(signed_in(coordinator).get("/fhir/r4/Appointment", {"status": "booked"}))

    assert bundle.total == 2
    rows = AuditEvent.objects.filter(action="appointment.read", purpose="fhir-search")
    assert sorted(rows.values_list("object_id", flat=True)) == sorted([str(appointment.public_id),
                                                                       str(second.public_id)])
    assert {row.actor_public_id for row in rows} == {coordinator.public_id}
    assert {row.details["parameters"][0] for row in rows} == {"status"}


def test_appointments_are_found_by_patient_practitioner_date_and_status(guardian, coordinator, temuulen, dr_chen,
                                                                        dr_petrova, appointment, slot):
    client = signed_in(guardian)
    day = slot.start.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    found = [str(appointment.public_id)]

    assert _ids(client.get("/fhir/r4/Appointment", {"patient": f"Patient/{temuulen.public_id}"})) == found
    assert _ids(client.get("/fhir/r4/Appointment", {"practitioner": f"Practitioner/{dr_chen.public_id}"})) == found
    assert _ids(client.get("/fhir/r4/Appointment", {"practitioner": str(dr_petrova.public_id)})) == []
    assert _ids(client.get("/fhir/r4/Appointment", {"date": day.isoformat()})) == found
    assert _ids(client.get("/fhir/r4/Appointment", {"date": f"ge{day.isoformat()}"})) == found
    assert _ids(client.get("/fhir/r4/Appointment", {"date": f"lt{day.isoformat()}"})) == []
    assert _ids(client.get("/fhir/r4/Appointment", {"status": "booked,arrived"})) == found
    assert _ids(client.get("/fhir/r4/Appointment", {"status": "cancelled"})) == []
    assert _ids(signed_in(coordinator).get("/fhir/r4/Appointment")) == found


def test_a_cancelled_appointment_shows_its_reason_and_a_new_version(guardian, coordinator, appointment):
    client = signed_in(guardian)
    path = f"/fhir/r4/Appointment/{appointment.public_id}"
    before = as_fhir(client.get(path))

    appointment_cancel(appointment=appointment, actor=coordinator, actor_is_staff=True, reason="flight cancelled")
    after = client.get(path)

    cancelled = as_fhir(after)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelationReason.text == "flight cancelled"
    assert cancelled.meta.versionId != before.meta.versionId
    assert after["ETag"] == f'W/"{cancelled.meta.versionId}"'
    assert _ids(client.get("/fhir/r4/Appointment", {"status": "cancelled"})) == [str(appointment.public_id)]


def test_another_patients_appointment_is_not_the_guardians(other_patient, appointment):
    client = signed_in(other_patient)

    assert client.get(f"/fhir/r4/Appointment/{appointment.public_id}").status_code == 404
    assert as_fhir(client.get("/fhir/r4/Appointment")).total == 0


def test_the_booking_of_another_hospital_stays_with_that_hospital(coordinator, other_coordinator, chongqing, guardian,
                                                                  temuulen, appointment, slot):
    chongqing_service = consultation(chongqing)
    chongqing_doctor = doctor(chongqing, chongqing_service, name="Dr Liu Yang")
    # An hour later: the patient cannot be in two places at once.
    later = open_slot(chongqing_doctor, slot.start + dt.timedelta(hours=1))
    there = appointment_book(patient=temuulen, slot=later, booked_by=guardian, service=chongqing_service)

    assert _ids(signed_in(coordinator).get("/fhir/r4/Appointment")) == [str(appointment.public_id)]
    assert _ids(signed_in(other_coordinator).get("/fhir/r4/Appointment")) == [str(there.public_id)]
    assert set(_ids(signed_in(guardian).get("/fhir/r4/Appointment"))) == {str(appointment.public_id),
                                                                          str(there.public_id)}


@pytest.mark.parametrize(("resource_type", "query"), [
    ("Appointment", {"actor": "Practitioner/x"}), ("Appointment", {"date": "sa2026-01-01"}),
    ("Slot", {"service-type": "consult"}), ("Slot", {"start:missing": "true"}), ("Schedule", {"active": "true"}),
    ("Practitioner", {"gender": "female"}), ("PractitionerRole", {"specialty": "x"}),
    ("HealthcareService", {"_text": "x"}), ("Organization", {"address": "Haikou"}), ("Location", {"near": "1|2"}),
])
def test_unknown_search_parameters_get_400_under_strict_handling(resource_type, query, guardian):
    response = signed_in(guardian).get(f"/fhir/r4/{resource_type}", query, HTTP_PREFER="handling=strict")

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "not-supported"


@pytest.mark.parametrize("value", ["2026-13-01", "10/05/2026", "2026T10:00", "2026-05-11T25:00"])
def test_a_malformed_date_gets_400_invalid(value, guardian):
    response = signed_in(guardian).get("/fhir/r4/Slot", {"start": value})

    assert response.status_code == 400
    assert as_fhir(response).issue[0].code == "invalid"
