"""Nobody outside the child's care sees his record: pages and API answer 404, and the refusal is on the record."""

import pytest

from carebridge.audit.models import AuditEvent
from carebridge.patients.tests.factories import registered_child
from conftest import signed_in

pytestmark = pytest.mark.django_db
OUTSIDERS = ["other_coordinator", "case_manager", "agent", "other_patient", "interpreter", "clinician_elsewhere"]


@pytest.fixture
def temuulen(guardian, haikou):
    return registered_child(guardian=guardian, hospital=haikou)


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_outsider_gets_404_for_the_childs_record_through_pages_and_api(request, temuulen, outsider):
    client = signed_in(request.getfixturevalue(outsider))
    document_paths = [f"/portal/?patient={temuulen.public_id}", f"/desk/patients/{temuulen.public_id}/"]

    for path in document_paths:
        assert client.get(path).status_code == 404, path
    for path in [f"/api/v1/patients/{temuulen.public_id}", f"/api/v1/patients/{temuulen.public_id}/documents",
                 f"/api/v1/patients/{temuulen.public_id}/consents",
                 f"/api/v1/patients/{temuulen.public_id}/insurance-policies"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    change = client.patch(f"/api/v1/patients/{temuulen.public_id}", {"phone": "+97699000000"},
                          content_type="application/json")
    assert change.status_code == 404
    temuulen.refresh_from_db()
    assert temuulen.phone == "+97699112233"
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(temuulen.public_id)).exists()


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_outsider_cannot_download_the_childs_documents(request, temuulen, guardian, outsider):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carebridge.patients.services import patient_document_upload

    document = patient_document_upload(patient=temuulen, actor=guardian, kind="imaging",
                                       upload=SimpleUploadedFile("ct.png", b"\x89PNG\r\n\x1a\nimage"))

    response = signed_in(request.getfixturevalue(outsider)).get(f"/documents/{document.public_id}/")

    assert response.status_code == 404


def test_a_missing_and_a_forbidden_record_look_the_same(other_coordinator, temuulen):
    client = signed_in(other_coordinator)

    forbidden = client.get(f"/api/v1/patients/{temuulen.public_id}")
    missing = client.get("/api/v1/patients/00000000-0000-0000-0000-000000000000")

    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


@pytest.mark.parametrize("outsider", ["case_manager", "agent", "other_patient", "interpreter"])
def test_only_coordinators_reach_the_desk(request, outsider):
    response = signed_in(request.getfixturevalue(outsider)).get("/desk/")

    assert response.status_code == 404


def test_the_childs_own_people_see_the_record(guardian, coordinator, temuulen):
    assert signed_in(guardian).get(f"/api/v1/patients/{temuulen.public_id}").status_code == 200
    assert signed_in(coordinator).get(f"/api/v1/patients/{temuulen.public_id}").status_code == 200
    assert signed_in(coordinator).get(f"/desk/patients/{temuulen.public_id}/").status_code == 200


def test_a_guardian_is_flagged_for_handover_when_the_child_turns_18(guardian, haikou):
    import datetime as dt

    from carebridge.patients.services import handover_due
    from carebridge.patients.tests.factories import td3

    almost_adult = td3(surname="BATBAYAR", given="ANU", number="E11122233", nationality="MNG",
                       birth=(dt.date.today() - dt.timedelta(days=18 * 365 - 10)).strftime("%y%m%d"),
                       sex="F", expiry="300101")
    patient = registered_child(guardian=guardian, hospital=haikou, mrz=almost_adult)

    assert handover_due(patient)
    assert not handover_due(registered_child(guardian=guardian, hospital=haikou))
    from carebridge.patients.selectors import registration_queue

    assert registration_queue(hospital=haikou)["handover"] == [patient]
