"""The clinical API: a visit, an order, a report written and made final, the record, translations, the portal."""

import datetime as dt

import pytest
from django.utils import timezone

from carebridge.clinical.models import DiagnosticReport, Observation, TextTranslation
from carebridge.clinical.tests.factories import CONCLUSION, MONGOLIAN
from carebridge.notifications.models import InAppMessage
from conftest import signed_in

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_a_visit_is_opened_ordered_reported_and_finished_through_the_api(
        temuulen, doctor, technician, chest_ct, guardian, django_capture_on_commit_callbacks):
    api = signed_in(doctor)

    opened = _post(api, "/api/v1/encounters", {"patient_id": str(temuulen.public_id), "kind": "outpatient",
                                               "reason": "Cough"})
    assert opened.status_code == 201
    encounter_id = opened.json()["id"]
    ordered = _post(api, f"/api/v1/encounters/{encounter_id}/orders", {"service_id": str(chest_ct.public_id)})
    assert ordered.status_code == 201
    order = ordered.json()
    assert order["preparation_for_patient"].startswith("Төмөр") and order["overdue"] is False
    report_id = order["report_id"]

    ct = signed_in(technician)
    written = ct.put(f"/api/v1/reports/{report_id}", {
        "conclusion": CONCLUSION, "conclusion_language": "zh-hans", "preliminary": True,
        "observations": [{"code": "59408-5", "value": "97", "unit": "%", "reference_low": "95"}]},
        content_type="application/json")
    assert written.status_code == 200 and written.json()["status"] == "preliminary"
    with django_capture_on_commit_callbacks(execute=True):
        final = _post(ct, f"/api/v1/reports/{report_id}/finalise", {})
    assert final.status_code == 200 and final.json()["status"] == "final"
    assert final.json()["observations"][0]["flag"] == "N"

    read = api.get(f"/api/v1/encounters/{encounter_id}").json()
    assert read["orders"][0]["status"] == "completed"
    finished = _post(api, f"/api/v1/encounters/{encounter_id}/finish", {})
    assert finished.json()["status"] == "finished"
    again = _post(api, f"/api/v1/encounters/{encounter_id}/finish", {})
    assert again.status_code == 409 and again.json()["code"] == "encounter_closed"

    mine = signed_in(guardian).get("/api/v1/portal/reports").json()
    assert [r["id"] for r in mine] == [report_id] and mine[0]["display"] == "Цээжний КТ"
    assert InAppMessage.objects.filter(recipient=guardian).count() == 1


def test_an_impossible_result_is_refused_with_the_row_named_and_nothing_saved(report, technician):
    response = signed_in(technician).put(f"/api/v1/reports/{report.public_id}", {
        "findings": "saved?", "observations": [
            {"code": "8867-4", "value": "120", "unit": "/min"}, {"code": "59408-5", "value": "250", "unit": "%"}]},
        content_type="application/json")

    body = response.json()
    assert response.status_code == 400 and body["code"] == "observation_invalid"
    assert list(body["details"]) == ["observations.1"]
    report.refresh_from_db()
    assert report.findings == "" and not Observation.objects.exists()


def test_the_record_of_a_visit_is_written_through_the_api(encounter, doctor):
    api = signed_in(doctor)
    base = f"/api/v1/encounters/{encounter.public_id}"

    vitals = _post(api, f"{base}/vital-signs", {"rows": [{"code": "8867-4", "value": "128", "unit": "/min"}]})
    condition = _post(api, f"{base}/conditions", {"code": "J18.9", "is_primary": True})
    unknown = _post(api, f"{base}/conditions", {"code": "Q99.99"})
    allergy = _post(api, f"{base}/allergies", {"display": "Penicillin", "criticality": "high"})
    prescription = _post(api, f"{base}/prescriptions", {"atc_code": "J01CA04", "dosage": "5 ml twice a day"})
    statement = _post(api, f"{base}/medication-statements", {"display": "Vitamin D drops"})
    immunization = _post(api, f"{base}/immunizations", {
        "vaccine": "MMR", "occurred_on": str(timezone.localdate() - dt.timedelta(days=30)), "country": "MN"})
    future = _post(api, f"{base}/immunizations", {
        "vaccine": "MMR", "occurred_on": str(timezone.localdate() + dt.timedelta(days=3))})
    procedure = _post(api, f"{base}/procedures", {"display": "Nebulisation",
                                                  "performed_on": str(timezone.localdate())})

    assert [r.status_code for r in (vitals, condition, allergy, prescription, statement, immunization, procedure)] \
        == [201] * 7
    assert condition.json()["label"]["text"] and condition.json()["code"] == "J18.9"
    assert unknown.status_code == 400 and "code" in unknown.json()["details"]
    assert future.status_code == 400 and "occurred_on" in future.json()["details"]
    record = api.get(f"{base}/record").json()
    assert [len(record[k]) for k in ("allergies", "medication_statements", "prescriptions", "immunizations",
                                     "procedures", "conditions")] == [1, 1, 1, 1, 1, 1]


def test_a_translation_is_requested_submitted_and_approved_through_the_api(
        final_report, doctor, interpreter, reviewer, guardian):
    requested = _post(signed_in(doctor), f"/api/v1/reports/{final_report.public_id}/translations", {})
    assert requested.status_code == 201 and requested.json()["target_language"] == "mn"
    translation_id = requested.json()["id"]

    translator = signed_in(interpreter)
    assert [t["id"] for t in translator.get("/api/v1/translations").json()] == [translation_id]
    submitted = _post(translator, f"/api/v1/translations/{translation_id}/submit", {"text": MONGOLIAN})
    assert submitted.json()["status"] == "translated"
    own = _post(translator, f"/api/v1/translations/{translation_id}/review", {"approve": True})
    assert own.status_code == 409 and own.json()["code"] == "review_by_other"
    assert [t["id"] for t in translator.get("/api/v1/translations", {"mine": "true"}).json()] == [translation_id]
    approved = _post(signed_in(reviewer), f"/api/v1/translations/{translation_id}/review", {"approve": True})
    assert approved.json()["status"] == TextTranslation.Review.APPROVED

    mother = signed_in(guardian)
    read = mother.get(f"/api/v1/reports/{final_report.public_id}", HTTP_ACCEPT_LANGUAGE="mn").json()
    assert read["conclusion"] == CONCLUSION
    assert read["conclusion_translation"]["text"] == MONGOLIAN
    assert read["conclusion_translation"]["translator_name"] == interpreter.get_full_name()


def test_a_report_with_no_conclusion_cannot_be_sent_for_translation(report, doctor):
    response = _post(signed_in(doctor), f"/api/v1/reports/{report.public_id}/translations", {"target_language": "mn"})

    assert response.status_code == 400 and response.json()["code"] == "nothing_to_translate"
    assert DiagnosticReport.objects.get().translations.count() == 0


def test_a_visit_opens_from_a_checked_in_appointment_only(temuulen, haikou, guardian, doctor):
    from carebridge.scheduling.models import Appointment, Slot
    from carebridge.scheduling.tests.factories import consultation
    from carebridge.scheduling.tests.factories import doctor as clinician_of

    service = consultation(haikou)
    dr = clinician_of(haikou, service)
    start = timezone.now() + dt.timedelta(hours=2)
    slot = Slot.objects.create(hospital=haikou, clinician=dr, start=start, end=start + dt.timedelta(minutes=30))
    appointment = Appointment.objects.create(hospital=haikou, patient=temuulen, service=service, clinician=dr,
                                             slot=slot, start=start, end=slot.end, booked_by=guardian,
                                             check_in_code="xyz789")
    api = signed_in(doctor)

    early = _post(api, "/api/v1/encounters", {"appointment_id": str(appointment.public_id)})
    Appointment.objects.filter(pk=appointment.pk).update(status="checked_in")
    opened = _post(api, "/api/v1/encounters", {"appointment_id": str(appointment.public_id)})

    assert early.status_code == 409 and early.json()["code"] == "not_checked_in"
    assert opened.status_code == 201 and opened.json()["appointment_id"] == str(appointment.public_id)
