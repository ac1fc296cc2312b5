"""Documents render in the background through the outbox; failures are recorded, kept and retried."""

import hashlib

import pytest
from django.template.loader import render_to_string

from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.core.models import Job
from carebridge.documents import rendering
from carebridge.documents.models import Document
from carebridge.documents.selectors import document_file_response, document_progress
from carebridge.documents.services import canonical_content, document_render_sync, document_retry


def test_a_requested_document_is_rendered_after_commit_and_its_progress_reaches_100(
    request_document, django_capture_on_commit_callbacks
):
    # Given a coordinator requests a summary in Chinese and Arabic
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document = request_document("ar")
        # Then nothing is rendered before the transaction commits
        assert Document.objects.get(pk=document.pk).status == Document.Status.PENDING
        assert document_progress(document)["polling"] is True

    # When the outbox runs the job after commit, then the PDF is stored with its hash and the progress is 100
    assert len(callbacks) == 1
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert document.progress == 100 and document_progress(document) | {"label": ""} == {
        "status": "ready", "label": "", "progress": 100, "ready": True, "failed": False, "polling": False,
    }
    pdf = document.file.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    assert Job.objects.get(name="documents.render").state == Job.State.DONE
    assert str(document.public_id) in document.file.name and "Temuulen" not in document.file.name


def test_the_content_hash_is_the_sha256_of_the_canonical_content(request_document):
    document = request_document("mn", context={"diagnosis": "J18.9", "notes": ["Өвчтөн", "出院"]})

    canonical = canonical_content(kind="test_summary", title="Test summary", languages=["zh-hans", "mn"],
                                  context={"notes": ["Өвчтөн", "出院"], "diagnosis": "J18.9"})
    assert document.content_sha256 == hashlib.sha256(canonical.encode()).hexdigest()


def test_a_ready_document_is_not_rendered_again(request_document, django_capture_on_commit_callbacks,
                                                monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        document = request_document("en")
    document.refresh_from_db()
    first = (document.file.name, document.sha256, document.rendered_at)
    monkeypatch.setattr(rendering, "render_pdf", lambda *a, **k: pytest.fail("rendered twice"))

    document_render_sync(document_id=document.pk)

    document.refresh_from_db()
    assert (document.file.name, document.sha256, document.rendered_at) == first


def test_a_failing_render_is_recorded_as_failed_keeps_the_document_and_can_be_retried(
    request_document, django_capture_on_commit_callbacks, monkeypatch, coordinator
):
    # Given rendering breaks
    def broken(html, **kwargs):
        raise RuntimeError("Pango is not there")

    monkeypatch.setattr("carebridge.documents.services.render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        document = request_document("th")

    # Then the document is kept, marked failed with the error, and the job will be tried again
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "Pango is not there" in document.error
    assert not document.file and document.sha256 == ""
    assert document_progress(document)["failed"] is True
    job = Job.objects.get(name="documents.render")
    assert job.state == Job.State.PENDING and "Pango is not there" in job.last_error

    # When rendering works again and someone retries, then the document becomes ready
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(document=document, requested_by=coordinator)
    document.refresh_from_db()
    assert document.status == Document.Status.READY and document.error == ""


def test_only_a_failed_document_can_be_retried(request_document, coordinator):
    document = request_document("en")

    with pytest.raises(Conflict):
        document_retry(document=document, requested_by=coordinator)


def test_a_missing_template_fails_the_document_without_losing_it(request_document,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = request_document("en", template="documents_tests/no_such_template.html")

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "TemplateDoesNotExist" in document.error


def test_a_context_that_is_not_json_is_refused_before_anything_is_recorded(request_document):
    with pytest.raises(ValidationFailed) as error:
        request_document("en", context={"when": object()})

    assert error.value.code == "document_context_not_json"
    assert not Document.objects.exists() and not Job.objects.exists()


def test_unknown_languages_are_refused(hospital, coordinator):
    from carebridge.documents.services import document_request

    with pytest.raises(ValidationFailed):
        document_request(kind="x", title="x", issuer=hospital, patient_public_id=None, template="x.html",
                         context={}, languages=["zh-hans", "klingon"], issued_by=coordinator)


def test_the_progress_partial_polls_while_pending_and_links_the_pdf_when_ready(
    request_document, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        document = request_document("en")
    pending = render_to_string("documents/progress.html", {
        "document": document, "progress": document_progress(document), "progress_url": "/p/", "download_url": "/d/",
    })
    assert 'hx-get="/p/"' in pending and "<progress" in pending and 'href="/d/"' not in pending

    document_render_sync(document_id=document.pk)
    ready = render_to_string("documents/progress.html", {
        "document": document, "progress": document_progress(document), "progress_url": "/p/", "download_url": "/d/",
    })
    assert "hx-get" not in ready and 'href="/d/"' in ready and document.verification_code in ready


def test_the_pdf_response_is_private_and_refused_before_the_document_is_ready(
    request_document, django_capture_on_commit_callbacks
):
    from carebridge.core.errors import NotFound

    with django_capture_on_commit_callbacks(execute=False):
        document = request_document("en")
    with pytest.raises(NotFound):
        document_file_response(document)

    document_render_sync(document_id=document.pk)
    document.refresh_from_db()
    response = document_file_response(document)

    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
