"""Outsiders get 404 for a report through pages and API; a guardian sees released reports only."""

import pytest

from carebridge.clinical.tests.factories import CONCLUSION
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("outsider", ["clinician_elsewhere", "case_manager", "agent", "other_patient"])
def test_an_outsider_gets_404_for_the_report_through_pages_and_api(outsider, final_report, encounter, request):
    # Given a final report of Temuulen at Haikou, and someone with no part in his care
    client = signed_in(request.getfixturevalue(outsider))

    # When they ask for it every way there is
    answers = [
        client.get(f"/portal/reports/{final_report.public_id}/"),
        client.get(f"/clinical/reports/{final_report.public_id}/"),
        client.post(f"/clinical/reports/{final_report.public_id}/amend/", {"reason": "x", "conclusion": "x"}),
        client.get(f"/clinical/encounters/{encounter.public_id}/"),
        client.get(f"/api/v1/reports/{final_report.public_id}"),
        client.post(f"/api/v1/reports/{final_report.public_id}/amend", {"reason": "x"},
                    content_type="application/json"),
        client.get(f"/api/v1/encounters/{encounter.public_id}"),
    ]

    # Then every answer is 404, the API's in the project's error body
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert answers[4].json()["code"] == "not_found"
    assert CONCLUSION not in client.get("/portal/reports/").content.decode()
    assert client.get("/api/v1/portal/reports").json() == []


def test_a_guardian_cannot_see_a_preliminary_report(report, technician, guardian):
    # Given a report saved as preliminary
    signed_in(technician).post(f"/clinical/reports/{report.public_id}/", {
        "conclusion": CONCLUSION, "conclusion_language": "zh-hans", "action": "save"})
    report.refresh_from_db()
    assert report.status == "preliminary"
    client = signed_in(guardian)

    # Then the mother neither finds nor opens it, on a page or through the API
    assert client.get(f"/portal/reports/{report.public_id}/").status_code == 404
    assert client.get(f"/api/v1/reports/{report.public_id}").status_code == 404
    assert str(report.public_id) not in client.get("/portal/reports/").content.decode()
    assert client.get("/api/v1/portal/reports").json() == []


def test_a_guardian_cannot_write_or_amend_even_a_released_report(final_report, guardian):
    client = signed_in(guardian)

    assert client.get(f"/clinical/reports/{final_report.public_id}/").status_code == 404
    assert client.post(f"/api/v1/reports/{final_report.public_id}/amend", {"reason": "x", "conclusion": "x"},
                       content_type="application/json").status_code == 404
    assert client.get(f"/api/v1/reports/{final_report.public_id}").json()["versions"] == []


def test_an_interpreter_of_another_hospital_cannot_open_a_translation(final_report, doctor, chongqing):
    from carebridge.accounts.models import Role
    from carebridge.clinical.models import TextTranslation
    from conftest import _person

    signed_in(doctor).post(f"/clinical/reports/{final_report.public_id}/translation/", {"language": "mn"})
    translation = TextTranslation.objects.get(report=final_report)
    stranger = _person("interpreter@chongqing.test", org=chongqing, role=Role.INTERPRETER, language="mn")

    assert signed_in(stranger).get(f"/clinical/translations/{translation.public_id}/").status_code == 404
    assert signed_in(stranger).get(f"/api/v1/translations/{translation.public_id}").status_code == 404
    assert signed_in(stranger).get("/api/v1/translations").json() == []


def test_a_clinician_without_the_second_factor_is_sent_to_give_it(final_report, technician):
    response = signed_in(technician, second_factor=False).get(f"/clinical/reports/{final_report.public_id}/")

    assert response.status_code == 302 and "/accounts/" in response.url
