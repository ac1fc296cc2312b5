"""The overdue queue and turnaround per service."""

import datetime as dt

import pytest
from django.utils import timezone

from carebridge.clinical import services
from carebridge.clinical.models import Order
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_overdue_queue_shows_an_order_past_its_due_time(order, encounter, chest_ct, doctor, technician):
    # Given one chest CT due five hours ago and another just ordered
    Order.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - dt.timedelta(hours=9),
                                             due_at=timezone.now() - dt.timedelta(hours=5))
    fresh = services.order_place(encounter=encounter, service=chest_ct, ordered_by=doctor)

    # When the technician opens the queue
    html = signed_in(technician).get("/clinical/queue/").content.decode()

    # Then the late one is highlighted as overdue and the fresh one is not
    rows = html.split("<tr")
    late = next(r for r in rows if str(order.report.public_id) in r)
    on_time = next(r for r in rows if str(fresh.report.public_id) in r)
    assert 'class="overdue warning"' in late and "overdue" in late
    assert "overdue" not in on_time
    # And the API lists only the late one as overdue
    listed = signed_in(technician).get("/api/v1/orders", {"overdue": "true"}).json()
    assert [o["id"] for o in listed] == [str(order.public_id)] and listed[0]["overdue"] is True


def test_the_turnaround_table_gives_the_median_and_the_share_on_time(order, technician, django_capture_on_commit_callbacks):
    Order.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - dt.timedelta(minutes=90))
    order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_write(report=order.report, actor=technician, conclusion="正常。")
        services.report_finalise(report=order.report, actor=technician)

    html = signed_in(technician).get("/clinical/queue/").content.decode()

    turnaround = html.split('id="turnaround-title"')[1]
    assert "Chest CT" in turnaround and "<td>90</td>" in turnaround and "100%" in turnaround


def test_people_who_are_not_clinicians_do_not_see_the_queue(coordinator, interpreter, guardian):
    for person in (coordinator, interpreter, guardian):
        assert signed_in(person).get("/clinical/queue/").status_code == 404
