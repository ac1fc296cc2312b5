"""Reads: a document by public id, its progress, its PDF. The caller app checks access before any of these."""

from django.http import FileResponse
from django.utils.translation import gettext as _

from carebridge.core.errors import NotFound
from carebridge.documents.models import Document


def document_get(*, public_id, issuer=None, kind=None):
    """Return a document by public id (optionally of one issuer and kind), or raise NotFound."""
    documents = Document.objects.select_related("issuer")
    if issuer is not None:
        documents = documents.filter(issuer=issuer)
    if kind is not None:
        documents = documents.filter(kind=kind)
    document = documents.filter(public_id=public_id).first()
    if document is None:
        raise NotFound()
    return document


def documents_of_patient(*, patient_public_id, issuer=None):
    """Return the documents issued about a patient, newest first."""
    documents = Document.objects.select_related("issuer").filter(patient_public_id=patient_public_id)
    if issuer is not None:
        documents = documents.filter(issuer=issuer)
    return documents.order_by("-issued_at")


def document_progress(document):
    """Return what a progress partial shows: status, percentage, whether to keep polling, the error state."""
    document.refresh_from_db(fields=["status", "progress", "sha256", "file", "error"])
    status = document.status
    labels = {
        Document.Status.PENDING: _("Waiting to be prepared"),
        Document.Status.RENDERING: _("Being prepared"),
        Document.Status.READY: _("Ready"),
        Document.Status.FAILED: _("The document could not be prepared."),
    }
    return {
        "status": status,
        "label": labels[status],
        "progress": 100 if status == Document.Status.READY else document.progress,
        "ready": status == Document.Status.READY,
        "failed": status == Document.Status.FAILED,
        "polling": status in (Document.Status.PENDING, Document.Status.RENDERING),
    }


def document_file_response(document, *, filename=None, as_attachment=False):
    """Return the stored PDF as a response; only call it after the caller app's access check."""
    if document.status != Document.Status.READY or not document.file:
        raise NotFound()
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", as_attachment=as_attachment,
                            filename=filename or f"{document.kind}-{document.verification_code}.pdf")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
