"""Who gets a clinical document: the hospital's clinicians and the patient's own people; everyone else gets 404."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from carebridge.audit.models import AuditEvent
from carebridge.clinical import documents
from carebridge.clinical.tests import test_documents_pdfs as pdfs
from carebridge.clinical.tests.factories import CONCLUSION
from carebridge.documents.models import Document
from conftest import signed_in

pytestmark = pytest.mark.django_db

# The fixtures shared with the PDF tests.
ADVICE_ZH = pdfs.ADVICE_ZH
approved_mongolian = pdfs.approved_mongolian
certificate = pdfs.certificate
diagnosis = pdfs.diagnosis
no_throttle_counts = pdfs.no_throttle_counts
rendered = pdfs.rendered

OUTSIDERS = ["other_coordinator", "clinician_elsewhere", "case_manager", "agent", "other_patient"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_an_outsider_gets_404_for_the_pdf_the_progress_and_the_page(outsider, request, certificate):
    client = signed_in(request.getfixturevalue(outsider))
    public_id = certificate.public_id

    for url in (f"/clinical/documents/{public_id}/pdf/", f"/clinical/documents/{public_id}/progress/",
                f"/clinical/documents/{public_id}/", f"/portal/documents/{public_id}/pdf/",
                f"/portal/documents/{public_id}/progress/"):
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(action="document.read").exists()
    assert str(public_id) not in client.get("/portal/documents/").content.decode()


def test_the_guardian_lists_her_sons_documents_and_downloads_one_audited(guardian, certificate, temuulen):
    client = signed_in(guardian)

    listing = client.get("/portal/documents/")
    assert listing.status_code == 200
    page = listing.content.decode()
    # The guardian reads Mongolian: the document is listed under its Mongolian name.
    with translation.override("mn"):
        listed_as = gettext("Medical certificate")
    assert listed_as != "Medical certificate"
    assert listed_as in page and f"/portal/documents/{certificate.public_id}/pdf/" in page

    response = client.get(f"/portal/documents/{certificate.public_id}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="document.read")
    assert event.actor_public_id == guardian.public_id and event.object_id == str(certificate.public_id)
    assert event.patient_public_id == temuulen.public_id


def test_the_doctor_downloads_the_pdf_and_the_download_is_audited(doctor, certificate):
    response = signed_in(doctor).get(f"/clinical/documents/{certificate.public_id}/pdf/")

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="document.read", actor_public_id=doctor.public_id).count() == 1


def test_the_doctor_requests_a_certificate_from_the_visit_and_follows_its_progress(
        doctor, encounter, diagnosis, django_capture_on_commit_callbacks):
    client = signed_in(doctor)
    form = client.get(f"/clinical/documents/request/encounters/{encounter.public_id}/")
    assert form.status_code == 200 and str(diagnosis.public_id) in form.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/clinical/documents/request/encounters/{encounter.public_id}/", {
            "kind": "medical_certificate", "medical_certificate-second_language": "mn",
            "medical_certificate-diagnoses": [str(diagnosis.public_id)], "medical_certificate-rest_days": "2",
            "medical_certificate-advice": ADVICE_ZH, "medical_certificate-advice_second": ""})

    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clinical/documents/{document.public_id}/"
    pending = client.get(f"/clinical/documents/{document.public_id}/").content.decode()
    assert f'hx-get="/clinical/documents/{document.public_id}/progress/"' in pending and "<progress" in pending

    for callback in callbacks:
        callback()
    ready = client.get(f"/clinical/documents/{document.public_id}/progress/").content.decode()
    assert "hx-get" not in ready and f'href="/clinical/documents/{document.public_id}/pdf/"' in ready
    assert document.verification_code in ready


def test_a_certificate_without_a_diagnosis_is_refused_on_the_form(doctor, encounter, diagnosis):
    response = signed_in(doctor).post(f"/clinical/documents/request/encounters/{encounter.public_id}/", {
        "kind": "medical_certificate", "medical_certificate-second_language": "mn",
        "medical_certificate-rest_days": "2"})

    assert response.status_code == 400 and not Document.objects.exists()


def test_the_page_refuses_to_put_a_preliminary_report_in_a_document(doctor, report, technician):
    from carebridge.clinical import services

    services.report_write(report=report, actor=technician, conclusion=CONCLUSION, preliminary=True)
    client = signed_in(doctor)

    response = client.post(f"/clinical/documents/request/reports/{report.public_id}/", {"second_language": "mn"})

    assert response.status_code == 400 and not Document.objects.exists()
    assert "Only a final or amended report" in response.content.decode()


def test_the_doctor_requests_the_exam_report_from_the_report(doctor, final_report, approved_mongolian,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(doctor).post(f"/clinical/documents/request/reports/{final_report.public_id}/",
                                          {"second_language": "mn"})

    document = Document.objects.get(kind="exam_report")
    assert response.status_code == 302 and document.status == Document.Status.READY
    assert document.context["report"]["conclusion"]["translation"]["lang"] == "mn"


def test_another_hospitals_clinician_cannot_open_the_request_pages(clinician_elsewhere, encounter, final_report):
    client = signed_in(clinician_elsewhere)

    assert client.get(f"/clinical/documents/request/encounters/{encounter.public_id}/").status_code == 404
    assert client.get(f"/clinical/documents/request/reports/{final_report.public_id}/").status_code == 404


def test_a_document_of_another_app_is_not_served_here(doctor, haikou, temuulen, coordinator):
    from carebridge.documents.services import document_request

    other = document_request(kind="invoice", title="Invoice", issuer=haikou, patient_public_id=temuulen.public_id,
                             template="x.html", context={}, languages=["zh-hans", "en"], issued_by=coordinator)

    assert signed_in(doctor).get(f"/clinical/documents/{other.public_id}/").status_code == 404
    assert other not in documents.clinical_documents_of_patient(patient=temuulen)
