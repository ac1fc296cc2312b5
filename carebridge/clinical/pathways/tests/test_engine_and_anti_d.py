"""The pathway engine and the anti-D pathway for Rh-negative mothers."""

import datetime as dt

import pytest
from django.utils import timezone

from carebridge.audit.models import AuditEvent
from carebridge.clinical.pathways import selectors
from carebridge.clinical.pathways.anti_d import anti_d_candidates, is_pregnancy_code
from carebridge.clinical.pathways.models import PathwayInstance, PathwayPriority, PathwayStep
from carebridge.clinical.pathways.services import (
    pathway_cancel,
    pathway_start,
    pathway_step_complete,
    pathway_step_skip,
)
from carebridge.clinical.services import condition_record
from carebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from conftest import signed_in

pytestmark = pytest.mark.django_db


def _pregnant(patient, clinician, code="Z34.0"):
    return condition_record(patient=patient, actor=clinician, code=code)


def test_pregnancy_codes_are_z33_to_z35_and_the_o_chapter():
    assert all(is_pregnancy_code(code) for code in ("Z33", "Z34.0", "Z35.5", "O80", "o60.1"))
    assert not any(is_pregnancy_code(code) for code in ("Z30.0", "Z36", "N80", "", None))


def test_an_rh_negative_pregnant_patient_is_flagged_and_an_rh_positive_one_is_not(sarnai, enkhjin, clinician,
                                                                                 haikou):
    _pregnant(sarnai, clinician)
    _pregnant(enkhjin, clinician)

    assert list(anti_d_candidates(haikou)) == [sarnai]


def test_an_rh_negative_patient_without_a_pregnancy_is_not_flagged(sarnai, clinician, haikou):
    condition_record(patient=sarnai, actor=clinician, code="J45")

    assert list(anti_d_candidates(haikou)) == []


def test_the_anti_d_pathway_gives_the_dose_72_hours_after_the_delivery_with_high_priority(sarnai, clinician,
                                                                                        haikou):
    _pregnant(sarnai, clinician, code="O80")
    delivered = timezone.now() - dt.timedelta(hours=5)

    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician,
                            data={"event_at": delivered.isoformat()})

    give = pathway.steps.get(step_key="give_anti_d")
    assert give.due_at == delivered + dt.timedelta(hours=72)
    assert give.priority == PathwayPriority.HIGH
    assert give.owner_role == "clinician"
    assert pathway.priority == PathwayPriority.HIGH
    assert [s.step_key for s in pathway.steps.all()] == [
        "confirm_rh_and_antibodies", "order_anti_d", "give_anti_d", "record_dose"]
    assert list(anti_d_candidates(haikou)) == []


def test_without_an_event_the_72_hours_count_from_the_start(sarnai, clinician, haikou):
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)

    give = pathway.steps.get(step_key="give_anti_d")
    assert give.due_at == pathway.started_at + dt.timedelta(hours=72)


def test_an_event_in_the_future_is_refused(sarnai, clinician, haikou):
    with pytest.raises(ValidationFailed):
        pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician,
                      data={"event_at": (timezone.now() + dt.timedelta(days=1)).isoformat()})


def test_a_second_active_pathway_of_the_same_kind_is_refused(sarnai, clinician, haikou):
    pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)

    with pytest.raises(Conflict):
        pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)


def test_completing_every_step_completes_the_pathway_and_everything_is_audited(sarnai, clinician, haikou):
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)
    steps = list(pathway.steps.all())

    for step in steps[:-1]:
        pathway_step_complete(step=step, actor=clinician, note="ok")
    pathway.refresh_from_db()
    assert pathway.status == PathwayInstance.Status.ACTIVE
    pathway_step_skip(step=steps[-1], actor=clinician, note="Recorded in the ward's system")

    pathway.refresh_from_db()
    assert pathway.status == PathwayInstance.Status.COMPLETED
    actions = list(AuditEvent.objects.filter(object_id=str(pathway.public_id)).values_list("action", flat=True))
    assert actions.count("pathway.step_done") == 3
    assert {"pathway.started", "pathway.step_skipped", "pathway.completed"} <= set(actions)
    assert all(e.patient_public_id == sarnai.public_id for e in AuditEvent.objects.filter(
        object_id=str(pathway.public_id)))


def test_a_step_completed_late_moves_the_next_step_from_its_completion(temuulen, coordinator, haikou):
    pathway = pathway_start(patient=temuulen, hospital=haikou, key="vaccination_catch_up", started_by=coordinator)
    record = pathway.steps.get(step_key="record_home_doses")

    pathway_step_complete(step=record, actor=coordinator)

    review = pathway.steps.get(step_key="review_comparison")
    record.refresh_from_db()
    assert review.due_at == record.done_at + dt.timedelta(days=1)


def test_only_the_steps_owner_role_may_complete_it(sarnai, coordinator, haikou, clinician):
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)

    with pytest.raises(PermissionDenied):
        pathway_step_complete(step=pathway.steps.first(), actor=coordinator)


def test_skipping_needs_a_reason(sarnai, clinician, haikou):
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)

    with pytest.raises(ValidationFailed):
        pathway_step_skip(step=pathway.steps.first(), actor=clinician, note=" ")


def test_a_cancelled_pathway_leaves_the_queue_and_its_steps_cannot_be_done(sarnai, clinician, haikou):
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)

    pathway_cancel(instance=pathway, actor=clinician, reason="Baby is Rh negative")

    assert list(selectors.pathway_queue(hospital=haikou)) == []
    assert AuditEvent.objects.filter(action="pathway.cancelled", object_id=str(pathway.public_id)).exists()
    with pytest.raises(Conflict):
        pathway_step_complete(step=pathway.steps.first(), actor=clinician)


def test_overdue_steps_come_first_by_priority_then_due_time(sarnai, temuulen, clinician, coordinator, haikou):
    anti_d = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)
    catch_up = pathway_start(patient=temuulen, hospital=haikou, key="vaccination_catch_up",
                             started_by=coordinator)
    later = timezone.now() + dt.timedelta(days=4)

    overdue = list(selectors.overdue_steps(hospital=haikou, now=later))

    assert [s.step_key for s in overdue][:3] == ["confirm_rh_and_antibodies", "order_anti_d", "give_anti_d"]
    assert overdue[3].instance == catch_up
    assert [s.priority for s in overdue] == sorted(s.priority for s in overdue)
    assert [p.pk for p in selectors.pathway_queue(hospital=haikou, now=timezone.now())] == [anti_d.pk, catch_up.pk]


def test_each_role_sees_the_steps_it_owns(sarnai, temuulen, clinician, coordinator, haikou):
    pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)
    pathway_start(patient=temuulen, hospital=haikou, key="vaccination_catch_up", started_by=coordinator)

    mine = selectors.steps_for_roles(hospital=haikou, roles={"coordinator"})

    assert {s.step_key for s in mine} == {"record_home_doses", "book_later_doses"}
    assert all(s.status == PathwayStep.Status.PENDING for s in mine)


def test_the_queue_page_shows_overdue_pathways_and_candidates(sarnai, clinician, haikou):
    _pregnant(sarnai, clinician)

    response = signed_in(clinician).get("/pathways/")

    assert response.status_code == 200
    assert "Dorj" in response.content.decode()


def test_a_clinician_completes_a_step_on_the_pathway_page(sarnai, clinician, haikou):
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)
    step = pathway.steps.first()
    client = signed_in(clinician)

    page = client.get(f"/pathways/{pathway.public_id}/")
    response = client.post(f"/pathways/steps/{step.public_id}/complete/", {"note": "Rh D negative, screen clear"})

    assert page.status_code == 200
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == PathwayStep.Status.DONE
    assert step.note == "Rh D negative, screen clear"


def test_outsiders_get_404_on_every_page_and_call(sarnai, clinician, clinician_elsewhere, other_coordinator,
                                                  interpreter, guardian, haikou):
    _pregnant(sarnai, clinician)
    pathway = pathway_start(patient=sarnai, hospital=haikou, key="anti_d", started_by=clinician)
    step = pathway.steps.first()

    for outsider in (clinician_elsewhere, other_coordinator, interpreter, guardian):
        client = signed_in(outsider)
        for url in (f"/pathways/?hospital={haikou.public_id}", f"/pathways/{pathway.public_id}/", f"/pathways/patients/{sarnai.public_id}/",
                    f"/pathways/patients/{sarnai.public_id}/anti-d/",
                    f"/pathways/patients/{sarnai.public_id}/vaccinations/",
                    f"/api/v1/pathways/{pathway.public_id}",
                    f"/api/v1/hospitals/{haikou.public_id}/pathway-queue",
                    f"/api/v1/hospitals/{haikou.public_id}/anti-d-candidates",
                    f"/api/v1/patients/{sarnai.public_id}/vaccination-catch-up"):
            assert client.get(url).status_code == 404, (outsider.email, url)
        assert client.post(f"/pathways/steps/{step.public_id}/complete/").status_code == 404
        assert client.post(f"/api/v1/pathway-steps/{step.public_id}/complete", {},
                           content_type="application/json").status_code == 404
        assert client.post("/api/v1/pathways", {"patient_id": str(sarnai.public_id), "key": "anti_d"},
                           content_type="application/json").status_code == 404
    step.refresh_from_db()
    assert step.status == PathwayStep.Status.PENDING
    assert AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED, object_id=str(pathway.public_id)).exists()


def test_the_api_starts_reads_completes_and_queues(sarnai, clinician, haikou):
    _pregnant(sarnai, clinician)
    client = signed_in(clinician)

    candidates = client.get(f"/api/v1/hospitals/{haikou.public_id}/anti-d-candidates").json()
    started = client.post("/api/v1/pathways", {"patient_id": str(sarnai.public_id), "key": "anti_d"},
                          content_type="application/json")
    body = started.json()
    give = next(s for s in body["steps"] if s["key"] == "give_anti_d")
    done = client.post(f"/api/v1/pathway-steps/{body['steps'][0]['id']}/complete", {"note": "Screen negative"},
                       content_type="application/json")
    skipped = client.post(f"/api/v1/pathway-steps/{body['steps'][1]['id']}/skip", {"note": ""},
                          content_type="application/json")
    queue = client.get(f"/api/v1/hospitals/{haikou.public_id}/pathway-queue").json()

    assert candidates == [{"patient_id": str(sarnai.public_id), "patient_name": "Sarnai Dorj"}]
    assert started.status_code == 201
    assert give["priority"] == "high" and give["owner_role"] == "clinician"
    assert done.status_code == 200 and done.json()["steps"][0]["status"] == "done"
    assert skipped.status_code == 400
    assert [p["id"] for p in queue["pathways"]] == [body["id"]]
    assert {s["key"] for s in queue["mine"]} == {"order_anti_d", "give_anti_d", "record_dose"}
    assert client.get(f"/api/v1/pathways/{body['id']}").json()["status"] == "active"
