"""Writing, amending and cancelling reports: refused input saves nothing; nothing released is ever lost."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carebridge.clinical import services
from carebridge.clinical.models import DiagnosticReport, Observation, ReportAttachment, ReportVersion
from carebridge.clinical.tests.factories import CONCLUSION, PDF, PNG
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_a_result_with_an_impossible_unit_is_refused_with_the_row_named_and_nothing_saved(report, technician):
    # Given a registered chest CT report
    client = signed_in(technician)

    # When the technician saves it with SpO2 in kilograms in the second row
    response = client.post(f"/clinical/reports/{report.public_id}/", {
        "findings": "双肺纹理增多。", "conclusion": CONCLUSION, "conclusion_language": "zh-hans",
        "obs-0-code": "8867-4", "obs-0-value": "120", "obs-0-unit": "/min",
        "obs-1-code": "59408-5", "obs-1-value": "97", "obs-1-unit": "kg", "action": "save"})

    # Then the page says which row is wrong, keeps what was typed, and saved nothing
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="obs-1-error"' in html and 'id="obs-0-error"' not in html
    assert 'value="kg"' in html and CONCLUSION in html
    report.refresh_from_db()
    assert (report.status, report.findings, report.conclusion) == ("registered", "", "")
    assert not Observation.objects.filter(report=report).exists()


def test_an_impossible_value_is_refused_and_finalising_saves_nothing_either(report, technician):
    response = signed_in(technician).post(f"/clinical/reports/{report.public_id}/", {
        "conclusion": CONCLUSION, "conclusion_language": "zh-hans",
        "obs-0-code": "59408-5", "obs-0-value": "250", "obs-0-unit": "%", "action": "finalise"})

    assert response.status_code == 400 and 'id="obs-0-error"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == DiagnosticReport.Status.REGISTERED and report.conclusion == ""


def test_an_empty_report_cannot_be_made_final_and_stays_registered(report, technician):
    response = signed_in(technician).post(f"/clinical/reports/{report.public_id}/", {
        "conclusion_language": "zh-hans", "action": "finalise"})

    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == DiagnosticReport.Status.REGISTERED and report.issued_at is None


def test_saving_as_preliminary_keeps_the_report_from_the_patient(report, technician):
    signed_in(technician).post(f"/clinical/reports/{report.public_id}/", {
        "conclusion": CONCLUSION, "conclusion_language": "zh-hans", "action": "save"})

    report.refresh_from_db()
    assert report.status == DiagnosticReport.Status.PRELIMINARY and report.conclusion == CONCLUSION


def test_amending_a_final_report_keeps_the_old_version(final_report, technician, guardian):
    # Given a final report
    client = signed_in(technician)

    # When the technician amends the conclusion, giving the reason
    response = client.post(f"/clinical/reports/{final_report.public_id}/amend/", {
        "reason": "Wrong lobe", "findings": final_report.findings, "conclusion": "左下肺少许炎症。",
        "obs-0-code": "59408-5", "obs-0-value": "97", "obs-0-unit": "%"})

    # Then the report is amended and what it said before is kept and shown
    assert response.status_code == 302
    final_report.refresh_from_db()
    assert (final_report.status, final_report.version) == ("amended", 2)
    old = ReportVersion.objects.get(report=final_report)
    assert (old.version, old.conclusion, old.reason) == (1, CONCLUSION, "Wrong lobe")
    page = client.get(f"/clinical/reports/{final_report.public_id}/").content.decode()
    assert "Wrong lobe" in page and CONCLUSION in page
    # And the mother sees the new wording
    assert "左下肺少许炎症" in signed_in(guardian).get(f"/portal/reports/{final_report.public_id}/").content.decode()


def test_an_amendment_without_a_reason_is_refused(final_report, technician):
    response = signed_in(technician).post(f"/clinical/reports/{final_report.public_id}/amend/", {
        "reason": "", "conclusion": "左下肺少许炎症。"})

    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    final_report.refresh_from_db()
    assert final_report.version == 1 and final_report.conclusion == CONCLUSION


def test_amending_a_cancelled_report_is_refused(final_report, technician):
    # Given a report cancelled as entered in error
    client = signed_in(technician)
    client.post(f"/clinical/reports/{final_report.public_id}/cancel/", {"reason": "Wrong patient"})
    final_report.refresh_from_db()
    assert final_report.status == DiagnosticReport.Status.CANCELLED

    # When someone tries to amend it, through the page and the API
    page = client.post(f"/clinical/reports/{final_report.public_id}/amend/", {"reason": "Try again",
                                                                             "conclusion": "x"})
    api = client.post(f"/api/v1/reports/{final_report.public_id}/amend", {"reason": "Try again", "conclusion": "x"},
                      content_type="application/json")

    # Then both are refused and nothing changed
    assert page.status_code == 400
    assert api.status_code == 409 and api.json()["code"] == "report_cancelled"
    final_report.refresh_from_db()
    assert final_report.status == DiagnosticReport.Status.CANCELLED and final_report.conclusion == CONCLUSION
    assert not ReportVersion.objects.filter(report=final_report).exists()
    assert final_report.order.status == "revoked"


def test_an_attachment_is_sniffed_and_served_only_to_those_who_may_read_the_report(
        report, technician, guardian, other_patient, django_capture_on_commit_callbacks):
    client = signed_in(technician)
    client.post(f"/clinical/reports/{report.public_id}/attachments/", {
        "title": "Key images", "file": SimpleUploadedFile("ct.txt", PNG, content_type="text/plain")})
    client.post(f"/clinical/reports/{report.public_id}/attachments/", {
        "title": "Not an image", "file": SimpleUploadedFile("ct.png", b"<script>alert(1)</script>",
                                                            content_type="image/png")})
    client.post(f"/clinical/reports/{report.public_id}/attachments/", {
        "title": "Dose report", "file": SimpleUploadedFile("dose.pdf", PDF, content_type="application/pdf")})

    attachments = {a.title: a for a in ReportAttachment.objects.filter(report=report)}
    assert set(attachments) == {"Key images", "Dose report"}
    assert attachments["Key images"].content_type == "image/png"
    image = attachments["Key images"]

    # Before the report is final the mother cannot fetch it; afterwards she can, and strangers never
    assert signed_in(guardian).get(f"/clinical/attachments/{image.public_id}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.report_write(report=report, actor=technician, conclusion=CONCLUSION)
        services.report_finalise(report=report, actor=technician)
    response = signed_in(guardian).get(f"/clinical/attachments/{image.public_id}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert signed_in(other_patient).get(f"/clinical/attachments/{image.public_id}/").status_code == 404


def test_amending_only_the_findings_keeps_the_approved_translation_of_the_conclusion(
        final_report, technician, doctor, interpreter, reviewer):
    from carebridge.clinical.models import TextTranslation
    from carebridge.clinical.tests.factories import MONGOLIAN

    signed_in(doctor).post(f"/clinical/reports/{final_report.public_id}/translation/", {"language": "mn"})
    translation = TextTranslation.objects.get()
    services.translation_submit(translation=translation, translator=interpreter, text=MONGOLIAN)
    services.translation_review(translation=translation, reviewer=reviewer, approve=True)

    signed_in(technician).post(f"/clinical/reports/{final_report.public_id}/amend/", {
        "reason": "Findings completed", "findings": "双肺纹理增多，右下肺斑片影。", "conclusion": CONCLUSION,
        "obs-0-code": "59408-5", "obs-0-value": "97", "obs-0-unit": "%", "obs-0-flag": "N"})

    final_report.refresh_from_db()
    translation.refresh_from_db()
    assert final_report.version == 2 and "斑片影" in final_report.findings
    assert translation.status == TextTranslation.Review.APPROVED and translation.text == MONGOLIAN
