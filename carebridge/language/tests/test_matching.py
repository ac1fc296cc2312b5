"""Booking asks for an interpreter; the pool answers: matched, offered, or queued, never twice at once."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from carebridge.language.models import InterpreterAssignment, InterpreterClaim
from carebridge.language.selectors import hours_worked
from carebridge.language.services import (
    InterpreterTaken,
    interpreter_assign,
    interpreter_assignment_complete,
    interpreter_offer_accept,
)
from carebridge.language.tests.conftest import at, doctor, pool_member
from carebridge.scheduling.models import Appointment
from carebridge.scheduling.services import appointment_cancel

pytestmark = pytest.mark.django_db
Status = InterpreterAssignment.Status


def request_of(appointment):
    return InterpreterAssignment.objects.get(appointment=appointment, status__in=InterpreterAssignment.OPEN)


def test_booking_a_mongolian_child_with_a_chinese_speaking_doctor_assigns_a_mongolian_interpreter(
        temuulen, dr_chen, bat_erdene, book, day):
    appointment = book(temuulen, dr_chen, at(day, 9))

    assignment = request_of(appointment)
    assert appointment.interpreter_needed and appointment.interpreter_language == "mn"
    assert assignment.status == Status.ASSIGNED and assignment.how == "auto"
    assert assignment.interpreter == bat_erdene
    assert InterpreterClaim.objects.filter(assignment=assignment).count() == 2  # 09:00 and 09:15


def test_the_interpreter_who_served_the_patient_most_recently_is_preferred(
        temuulen, dr_chen, bat_erdene, haikou, coordinator, book, day):
    certified = pool_member(haikou, "tsetseg@haikou.test", certification="catti_1")
    first = request_of(book(temuulen, dr_chen, at(day, 9)))
    assert first.interpreter == certified  # the higher certification wins without history
    interpreter_assign(assignment=first, interpreter=bat_erdene, decided_by=coordinator, how="override")

    second = request_of(book(temuulen, dr_chen, at(day, 11)))

    assert second.interpreter == bat_erdene


def test_staff_come_before_contractors_and_volunteers_only_get_an_offer(
        temuulen, oyun, sara, dr_chen, dr_li, haikou, consultation, book, day):
    contractor = pool_member(haikou, "contractor@haikou.test", kind="contractor", certification="catti_1")
    volunteer = pool_member(haikou, "student@hainanu.test", kind="volunteer", organisation="Hainan University")
    staff = pool_member(haikou, "staff@haikou.test")
    dr_wang = doctor(haikou, consultation, "Dr Wang Fang")

    assert request_of(book(temuulen, dr_chen, at(day, 9))).interpreter == staff
    assert request_of(book(oyun, dr_li, at(day, 9))).interpreter == contractor
    offered = request_of(book(sara, dr_wang, at(day, 9)))

    assert offered.status == Status.OFFERED and offered.interpreter == volunteer and offered.how == "volunteer"
    assert not InterpreterClaim.objects.filter(interpreter=volunteer).exists()


def test_with_nobody_free_the_request_waits_in_the_queue_and_the_booking_stands(temuulen, dr_chen, book, day):
    appointment = book(temuulen, dr_chen, at(day, 9))

    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED
    assignment = request_of(appointment)
    assert assignment.status == Status.REQUESTED and assignment.interpreter is None


def test_two_overlapping_appointments_never_get_the_same_interpreter(
        temuulen, oyun, sara, dr_chen, dr_li, bat_erdene, haikou, book, day):
    colleague = pool_member(haikou, "colleague@haikou.test")

    first = request_of(book(temuulen, dr_chen, at(day, 9)))
    second = request_of(book(oyun, dr_li, at(day, 9, 15), minutes=30))
    third_request = request_of(book(sara, dr_chen, at(day, 9, 30)))

    assert first.interpreter == bat_erdene
    assert second.interpreter == colleague
    # 09:30 overlaps the second (09:15–09:45) but not the first (09:00–09:30): Bat-Erdene is free again.
    assert third_request.interpreter == bat_erdene


def test_a_second_overlapping_appointment_stays_queued_when_everyone_is_busy(
        temuulen, oyun, dr_chen, dr_li, bat_erdene, book, day):

    book(temuulen, dr_chen, at(day, 9))
    second = request_of(book(oyun, dr_li, at(day, 9)))

    assert second.status == Status.REQUESTED and second.interpreter is None


def test_a_second_claim_of_the_same_block_is_refused_by_the_database(temuulen, dr_chen, bat_erdene, book, day):
    assignment = request_of(book(temuulen, dr_chen, at(day, 9)))
    block = InterpreterClaim.objects.filter(assignment=assignment).earliest("block").block

    with pytest.raises(IntegrityError), transaction.atomic():
        InterpreterClaim.objects.create(interpreter=bat_erdene, block=block, assignment=assignment)


def test_cancelling_the_appointment_releases_the_interpreter(
        temuulen, oyun, dr_chen, dr_li, bat_erdene, coordinator, book, day):
    appointment = book(temuulen, dr_chen, at(day, 9))
    assignment = request_of(appointment)

    appointment_cancel(appointment=appointment, actor=coordinator, actor_is_staff=True)

    assignment.refresh_from_db()
    assert assignment.status == Status.CANCELLED
    assert not InterpreterClaim.objects.filter(interpreter=bat_erdene).exists()
    assert request_of(book(oyun, dr_li, at(day, 9))).interpreter == bat_erdene


def test_the_interpreter_hears_of_the_assignment_by_email_in_their_language(
        temuulen, dr_chen, bat_erdene, book, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book(temuulen, dr_chen, at(day, 9))

    to_interpreter = [m for m in mail.outbox if m.to == [bat_erdene.user.email]]
    assert len(to_interpreter) == 1
    assert "Temuulen" in to_interpreter[0].body


def test_completing_records_the_minutes_and_the_months_hours(temuulen, dr_chen, bat_erdene, haikou, book, day):
    assignment = request_of(book(temuulen, dr_chen, at(day, 9)))
    started = timezone.now() - dt.timedelta(hours=1)
    InterpreterAssignment.objects.filter(pk=assignment.pk).update(start=started, end=started + dt.timedelta(minutes=30))

    interpreter_assignment_complete(assignment=assignment, minutes_worked=40, actor=bat_erdene.user)

    local = timezone.localtime(started, timezone=zoneinfo.ZoneInfo(haikou.time_zone))
    rows = {i.pk: worked for i, worked, _booked in hours_worked(hospital=haikou, year=local.year, month=local.month)}
    assert rows[bat_erdene.pk] == 40


def test_a_volunteer_cannot_accept_an_offer_clashing_with_their_other_assignment(
        temuulen, oyun, dr_chen, dr_li, haikou, book, day):
    volunteer = pool_member(haikou, "student@hainanu.test", kind="volunteer")
    first = request_of(book(temuulen, dr_chen, at(day, 9)))
    interpreter_offer_accept(assignment=first, user=volunteer.user)
    second = request_of(book(oyun, dr_li, at(day, 9)))
    InterpreterAssignment.objects.filter(pk=second.pk).update(status=Status.OFFERED, interpreter=volunteer)

    with pytest.raises(InterpreterTaken) as refused:
        interpreter_offer_accept(assignment=second, user=volunteer.user)

    assert refused.value.status == 409 and refused.value.code == "interpreter_taken"
    second.refresh_from_db()
    assert second.status == Status.OFFERED

