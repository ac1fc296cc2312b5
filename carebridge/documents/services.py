"""Writes: request a document (rendered in the background), render it, retry it, verify a code."""

import hashlib
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebridge.audit.models import AuditEvent
from carebridge.audit.services import audit_record
from carebridge.core.errors import Conflict, ValidationFailed
from carebridge.core.jobs import job_enqueue
from carebridge.documents.codes import code_generate, code_normalise
from carebridge.documents.models import Document
from carebridge.documents.rendering import document_html, render_pdf

logger = logging.getLogger(__name__)

RENDER_JOB = "documents.render"
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def canonical_content(*, kind, title, languages, context):
    """Return the canonical JSON of what the caller provided (sorted keys, UTF-8, no spaces)."""
    content = {"kind": kind, "title": title, "languages": list(languages), "context": context}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _public_base_url(request):
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL


def document_request(*, kind, title, issuer, patient_public_id, template, context, languages, issued_by,
                     request=None):
    """Record a document (pending) and queue its rendering after commit; return the Document.

    The context must be JSON-serialisable: it is stored and rendered later, maybe in another process.
    `languages` lists the document's languages (Chinese and the patient's language, e.g. ["zh-hans", "ar"]).
    """
    languages = list(dict.fromkeys(languages or []))
    unknown = [code for code in languages if code not in LANGUAGE_CODES]
    if not languages or unknown:
        raise ValidationFailed(_("Choose the document's languages among the supported ones."),
                               code="document_languages_invalid", details={"languages": unknown})
    try:
        canonical = canonical_content(kind=kind, title=title, languages=languages, context=context)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("The document's content cannot be stored."), code="document_context_not_json",
                               details={"context": str(exc)}) from exc
    with transaction.atomic():
        document = _document_create(
            kind=kind, title=title, issuer=issuer, patient_public_id=patient_public_id, template=template,
            context=json.loads(canonical)["context"], languages=languages, issued_by=issued_by,
            content_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        )
        job_enqueue(name=RENDER_JOB, document_id=document.pk, base_url=_public_base_url(request))
        audit_record(action="document.requested", actor=issued_by, request=request, organisation=issuer,
                     object_type="document", object_id=document.public_id, patient_public_id=patient_public_id,
                     details={"kind": kind, "languages": languages})
    return document


def _document_create(**fields):
    # A clash of 50 random bits is all but impossible; retry rather than fail if it happens.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Document.objects.create(verification_code=code_generate(), issued_at=timezone.now(),
                                               **fields)
        except IntegrityError:
            continue
    raise Conflict(_("No verification code could be assigned; try again."), code="document_code_clash")


def _progress(document, *, status, progress, **fields):
    Document.objects.filter(pk=document.pk).update(status=status, progress=progress, updated_at=timezone.now(),
                                                   **fields)
    for name, value in {"status": status, "progress": progress, **fields}.items():
        setattr(document, name, value)


def document_render(*, document, base_url=None):
    """Render a document to PDF now and store it; do nothing if it is already ready.

    A failure is recorded on the document (status failed, the error) and raised again, so that the job
    that called this is retried.
    """
    if document.status == Document.Status.READY:
        return document
    _progress(document, status=Document.Status.RENDERING, progress=10, error="")
    try:
        html = document_html(document=document, template=document.template, context=document.context,
                             base_url=base_url or _public_base_url(None))
        _progress(document, status=Document.Status.RENDERING, progress=60)
        pdf = render_pdf(html)
        _store(document, pdf)
    except Exception as exc:
        logger.exception("document %s failed to render", document.public_id)
        _progress(document, status=Document.Status.FAILED, progress=document.progress,
                  error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return document


def _store(document, pdf):
    field = document.file
    name = field.field.generate_filename(document, f"{document.public_id}.pdf")
    # A render repeated after a crash overwrites its own earlier file instead of leaving a renamed copy.
    if field.storage.exists(name):
        field.storage.delete(name)
    stored_name = field.storage.save(name, ContentFile(pdf))
    _progress(document, status=Document.Status.READY, progress=100, file=stored_name,
              sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=timezone.now())
    document.file.name = stored_name


def document_render_sync(*, document_id, base_url=None):
    """Render a document by id in this process (the job handler, the bench and tests call this)."""
    document = Document.objects.select_related("issuer").get(pk=document_id)
    return document_render(document=document, base_url=base_url)


def document_retry(*, document, requested_by=None, request=None):
    """Queue the rendering of a failed document again; return the document."""
    if document.status != Document.Status.FAILED:
        raise Conflict(_("Only a document that failed can be rendered again."), code="document_not_failed")
    with transaction.atomic():
        _progress(document, status=Document.Status.PENDING, progress=0)
        job_enqueue(name=RENDER_JOB, document_id=document.pk, base_url=_public_base_url(request))
        audit_record(action="document.retried", actor=requested_by, request=request, organisation=document.issuer,
                     object_type="document", object_id=document.public_id,
                     patient_public_id=document.patient_public_id, details={"kind": document.kind})
    return document


def document_verify(*, code, request=None):
    """Return the ready document a typed code verifies, or None; audit the attempt without patient data.

    Both outcomes do the same work (one indexed lookup, one audit row), so timing tells nothing.
    """
    normalised = code_normalise(code)
    document = None
    if normalised is not None:
        document = (Document.objects.select_related("issuer")
                    .filter(verification_code=normalised, status=Document.Status.READY).first())
    if document is None:
        audit_record(action="document.verification_failed", request=request, object_type="document",
                     outcome=AuditEvent.Outcome.FAILURE, details={"code": (normalised or str(code))[:20]})
        return None
    audit_record(action="document.verified", request=request, organisation=document.issuer,
                 object_type="document", object_id=document.public_id, details={"kind": document.kind})
    return document
