"""Coordinators run the queue and the pool, interpreters see their own work, outsiders see nothing."""

import pytest
from django.core import mail

from carebridge.audit.models import AuditEvent
from carebridge.language.models import InterpreterAssignment, InterpreterClaim, NavigatorAssignment
from carebridge.language.tests.conftest import at, pool_member
from conftest import signed_in

pytestmark = pytest.mark.django_db
Status = InterpreterAssignment.Status
OUTSIDERS = ["other_coordinator", "case_manager", "agent"]


def request_of(appointment):
    return InterpreterAssignment.objects.get(appointment=appointment, status__in=InterpreterAssignment.OPEN)


@pytest.fixture
def queued(temuulen, dr_chen, book, day):
    """Temuulen's 09:00 appointment, waiting for an interpreter (nobody in the pool yet)."""
    return request_of(book(temuulen, dr_chen, at(day, 9)))


def test_the_coordinator_sees_the_waiting_request_and_why_each_interpreter_fits(coordinator, queued, bat_erdene):
    client = signed_in(coordinator)

    page = client.get("/interpreters/queue/")
    detail = client.get(f"/interpreters/assignments/{queued.public_id}/")

    assert page.status_code == 200 and "Temuulen" in page.content.decode()
    assert detail.status_code == 200
    assert bat_erdene.name in detail.content.decode()
    candidates = client.get(f"/api/v1/interpreter-assignments/{queued.public_id}/candidates").json()
    assert candidates[0]["interpreter"]["id"] == str(bat_erdene.public_id)
    assert candidates[0]["fits"] is True and candidates[0]["reasons"]


def test_a_coordinator_assigns_an_interpreter_from_the_page(coordinator, queued, bat_erdene):
    response = signed_in(coordinator).post(f"/interpreters/assignments/{queued.public_id}/",
                                           {"interpreter": str(bat_erdene.public_id), "action": "assign"})

    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == Status.ASSIGNED and queued.how == "override" and queued.interpreter == bat_erdene


def test_a_coordinator_override_on_a_taken_interpreter_gets_409(
        coordinator, temuulen, oyun, dr_chen, dr_li, bat_erdene, book, day):
    book(temuulen, dr_chen, at(day, 9))  # Bat-Erdene takes it automatically
    waiting = request_of(book(oyun, dr_li, at(day, 9, 15)))
    assert waiting.status == Status.REQUESTED
    client = signed_in(coordinator)

    response = client.post(f"/api/v1/interpreter-assignments/{waiting.public_id}/assign",
                           {"interpreter_id": str(bat_erdene.public_id)}, content_type="application/json")
    page = client.post(f"/interpreters/assignments/{waiting.public_id}/",
                       {"interpreter": str(bat_erdene.public_id), "action": "assign"})

    assert response.status_code == 409
    assert response.json()["code"] == "interpreter_taken" and response.json()["message"]
    assert page.status_code == 409
    waiting.refresh_from_db()
    assert waiting.status == Status.REQUESTED and not waiting.claims.exists()


def test_a_volunteer_accepts_an_offer_on_their_page(temuulen, dr_chen, haikou, book, day):
    volunteer = pool_member(haikou, "student@hainanu.test", kind="volunteer", organisation="Hainan University")
    offer = request_of(book(temuulen, dr_chen, at(day, 9)))
    assert offer.status == Status.OFFERED
    client = signed_in(volunteer.user)

    page = client.get("/interpreters/mine/")
    accepted = client.post(f"/interpreters/assignments/{offer.public_id}/accept/")

    assert "Temuulen" in page.content.decode()
    assert "Batbayar" not in page.content.decode()  # the preferred name only, no passport name
    assert accepted.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Status.ACCEPTED
    assert InterpreterClaim.objects.filter(assignment=offer, interpreter=volunteer).count() == 2


def test_a_volunteer_who_declines_leaves_the_request_to_the_queue(temuulen, dr_chen, haikou, book, day):
    volunteer = pool_member(haikou, "student@hainanu.test", kind="volunteer")
    offer = request_of(book(temuulen, dr_chen, at(day, 9)))

    response = signed_in(volunteer.user).post(f"/api/v1/interpreter-assignments/{offer.public_id}/decline")

    assert response.status_code == 204
    offer.refresh_from_db()
    assert offer.status == Status.DECLINED
    follow_up = request_of(offer.appointment)
    assert follow_up.status == Status.REQUESTED and follow_up.interpreter is None


def test_an_interpreter_sees_only_their_own_assignments(temuulen, oyun, dr_chen, dr_li, bat_erdene, haikou, book, day):
    colleague = pool_member(haikou, "colleague@haikou.test")
    mine = request_of(book(temuulen, dr_chen, at(day, 9)))
    theirs = request_of(book(oyun, dr_li, at(day, 9)))
    assert mine.interpreter == bat_erdene and theirs.interpreter == colleague
    client = signed_in(bat_erdene.user)

    listed = client.get("/api/v1/interpreter-assignments").json()
    page = client.get("/interpreters/mine/").content.decode()

    assert [row["id"] for row in listed] == [str(mine.public_id)]
    assert "Temuulen" in page and "Oyun" not in page
    assert client.get(f"/api/v1/interpreter-assignments/{theirs.public_id}").status_code == 404
    assert client.post(f"/api/v1/interpreter-assignments/{theirs.public_id}/decline").status_code == 404
    assert client.get("/interpreters/queue/").status_code == 404
    assert client.get("/api/v1/interpreter-assignments?scope=hospital").status_code == 404


def test_the_pool_lists_languages_levels_and_hours(coordinator, bat_erdene):
    client = signed_in(coordinator)

    page = client.get("/interpreters/pool/")
    listed = client.get("/api/v1/interpreters").json()
    hours = client.get("/api/v1/interpreters/hours?month=2026-01").json()

    assert page.status_code == 200 and bat_erdene.name in page.content.decode()
    assert listed[0]["languages"] == [{"language": "mn", "level": "native"}]
    assert len(listed[0]["availability"]) == 6
    assert hours[0]["month"] == "2026-01" and hours[0]["minutes_worked"] == 0


def test_a_coordinator_gives_the_child_a_navigator(coordinator, temuulen, bat_erdene, haikou,
                                                    django_capture_on_commit_callbacks):
    client = signed_in(coordinator)
    form = client.get(f"/interpreters/navigators/?patient={temuulen.public_id}")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/interpreters/navigators/", {
            "patient": str(temuulen.public_id), "navigator": str(bat_erdene.user.public_id), "language": "mn",
            "start": "2026-03-01", "end": ""})

    assert form.status_code == 200
    assert response.status_code == 302
    navigator = NavigatorAssignment.objects.get(patient=temuulen, is_active=True)
    assert navigator.navigator == bat_erdene.user and navigator.hospital == haikou
    assert any(m.to == [bat_erdene.user.email] for m in mail.outbox)
    listed = client.get("/api/v1/navigator-assignments").json()
    assert listed[0]["patient_id"] == str(temuulen.public_id)


def test_a_guardian_cannot_be_made_a_navigator(coordinator, guardian, temuulen):
    response = signed_in(coordinator).post("/api/v1/navigator-assignments", {
        "patient_id": str(temuulen.public_id), "navigator_id": str(guardian.public_id), "language": "mn",
        "start": "2026-03-01"}, content_type="application/json")

    assert response.status_code == 400
    assert "navigator" in response.json()["details"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_outsider_gets_404_on_every_page_and_endpoint(request, outsider, queued, bat_erdene, temuulen, haikou):
    client = signed_in(request.getfixturevalue(outsider))
    aid, here = queued.public_id, f"hospital={haikou.public_id}"

    for path in [f"/interpreters/queue/?{here}", f"/interpreters/pool/?{here}", "/interpreters/mine/",
                 f"/interpreters/navigators/?{here}", f"/interpreters/assignments/{aid}/"]:
        assert client.get(path).status_code == 404, path
    for path in [f"/interpreters/assignments/{aid}/", f"/interpreters/assignments/{aid}/accept/",
                 f"/interpreters/assignments/{aid}/decline/", f"/interpreters/assignments/{aid}/complete/"]:
        assert client.post(path, {"interpreter": str(bat_erdene.public_id), "minutes_worked": "30"}
                           ).status_code == 404, path
    for path in [f"/api/v1/interpreter-assignments?scope=hospital&hospital_id={haikou.public_id}",
                 "/api/v1/interpreter-assignments", f"/api/v1/interpreter-assignments/{aid}",
                 f"/api/v1/interpreter-assignments/{aid}/candidates", f"/api/v1/interpreters?hospital_id={haikou.public_id}",
                 f"/api/v1/interpreters/hours?hospital_id={haikou.public_id}",
                 f"/api/v1/navigator-assignments?hospital_id={haikou.public_id}"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    for path, body in [(f"/api/v1/interpreter-assignments/{aid}/assign", {"interpreter_id": str(bat_erdene.public_id)}),
                       (f"/api/v1/interpreter-assignments/{aid}/accept", {}),
                       (f"/api/v1/interpreter-assignments/{aid}/release", {}),
                       (f"/api/v1/interpreter-assignments/{aid}/complete", {"minutes_worked": 30}),
                       ("/api/v1/navigator-assignments", {"patient_id": str(temuulen.public_id),
                                                          "hospital_id": str(haikou.public_id),
                                                          "navigator_id": str(bat_erdene.user.public_id),
                                                          "language": "mn", "start": "2026-03-01"})]:
        assert client.post(path, body, content_type="application/json").status_code == 404, path
    queued.refresh_from_db()
    assert queued.status == Status.REQUESTED
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_the_other_hospitals_coordinator_sees_only_their_own_queue_and_pool(other_coordinator, haikou, queued,
                                                                           bat_erdene):
    client = signed_in(other_coordinator)

    assert "Temuulen" not in client.get("/interpreters/queue/").content.decode()
    assert client.get("/interpreters/pool/").context["rows"] == []
    assert client.get("/api/v1/interpreter-assignments?scope=hospital").json() == []
    assert client.get("/api/v1/interpreters").json() == []

    assert client.get(f"/interpreters/pool/?hospital={haikou.public_id}").status_code == 404
    assert client.get(f"/api/v1/interpreters?hospital_id={haikou.public_id}").status_code == 404


def test_accepting_an_offer_that_clashes_answers_409_with_a_translated_message(
        temuulen, oyun, dr_chen, dr_li, haikou, book, day):
    volunteer = pool_member(haikou, "student@hainanu.test", kind="volunteer", language="ko")
    first = request_of(book(temuulen, dr_chen, at(day, 9)))
    second = request_of(book(oyun, dr_li, at(day, 9)))
    assert first.interpreter == second.interpreter == volunteer  # offers do not hold time
    client = signed_in(volunteer.user)
    client.post(f"/interpreters/assignments/{first.public_id}/accept/")

    page = client.post(f"/interpreters/assignments/{second.public_id}/accept/")
    api = client.post(f"/api/v1/interpreter-assignments/{second.public_id}/accept")

    assert page.status_code == 409 and 'role="alert"' in page.content.decode()
    assert api.status_code == 409 and api.json()["code"] == "interpreter_taken"
    second.refresh_from_db()
    assert second.status == Status.OFFERED
